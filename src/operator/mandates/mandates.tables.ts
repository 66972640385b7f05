/**
 * The mandates' table: an adult (the grantor, an account here) lets a trusted person (the
 * delegate, named by their personal identity code) decide for them on the services listed,
 * until a date or until the grantor ends it; with its part of the operator's migrations.
 * Only mandates.repository.ts queries it.
 */
import type { Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../../store/database.ts';

/** One person-to-person mandate. */
export interface MandatesTable {
  mandate_id: string;
  grantor_account_id: string;
  /** How the delegate is named (`fi_hetu`) and by what. */
  delegate_identifier_type: string;
  delegate_identifier: string;
  /** The delegate's name as the grantor wrote it (shown to both). */
  delegate_name: string;
  /** JSON array of the services' client ids the delegate may decide on. */
  services: string;
  valid_until: number;
  created_at: number;
  /** When the grantor ended it (null: not ended). */
  ended_at: number | null;
}

/** The mandates' tables. */
export interface MandatesDatabase {
  mandates: MandatesTable;
}

async function createTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('mandates')
    .addColumn('mandate_id', 'text', (c) => c.primaryKey())
    .addColumn('grantor_account_id', 'text', (c) => c.notNull().references('accounts.account_id').onDelete('cascade'))
    .addColumn('delegate_identifier_type', 'text', (c) => c.notNull())
    .addColumn('delegate_identifier', 'text', (c) => c.notNull())
    .addColumn('delegate_name', 'text', (c) => c.notNull())
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('valid_until', t.bigint, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('ended_at', t.bigint)
    .execute();
  await db.schema.createIndex('mandates_grantor').on('mandates').columns(['grantor_account_id']).execute();
  await db.schema.createIndex('mandates_delegate').on('mandates').columns(['delegate_identifier_type', 'delegate_identifier']).execute();
}

/** The mandates' part of the operator's migrations. */
export const mandatesMigrations: MigrationSet = (dialect) => ({
  '0012_mandates': {
    up: (db) => createTables(db, dialect),
    down: (db) => dropTables(db, ['mandates']),
  },
});
