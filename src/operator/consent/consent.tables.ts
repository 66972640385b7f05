/**
 * The consent records' tables: the record, its parties (data subjects and guardians, in
 * filing order) and its history; with their parts of the operator's migrations. Only
 * consent.repository.ts queries them.
 */
import { sql, type Generated, type Kysely } from 'kysely';
import { columnTypes, type Dialect, type MigrationSet } from '../../store/database.ts';
import { serialPrimaryKey } from '../../store/migrations.ts';

/** A consent record (ISO/IEC TS 27560 terms); `version` guards concurrent decisions. */
export interface ConsentRecordsTable {
  record_id: string;
  client_id: string;
  status: string;
  activation_mode: string;
  purposes: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  validity_duration: string | null;
  replaces: string | null;
  /** The record that replaced this one at another operator (after a move). */
  replaced_by: string | null;
  language: string | null;
  version: number;
}

/** A participant of a record: a data subject or a guardian acting for one. */
export interface ConsentPartiesTable {
  party_id: string;
  /** Order of the party in the record (as filed). */
  position: number;
  record_id: string;
  role: string;
  identifier_type: string;
  identifier: string;
  account_id: string | null;
  acting_for: string | null;
  status: string;
  choices: string | null;
  decided_at: number | null;
}

/** One transition of a record, oldest first by `id`. */
export interface ConsentHistoryTable {
  id: Generated<number>;
  record_id: string;
  time: number;
  event_type: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  party_id: string | null;
  reason: string | null;
}

/** The consent records' tables. */
export interface ConsentDatabase {
  consent_records: ConsentRecordsTable;
  consent_parties: ConsentPartiesTable;
  consent_history: ConsentHistoryTable;
}

async function createRecordTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('consent_records')
    .addColumn('record_id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('activation_mode', 'text', (c) => c.notNull())
    .addColumn('purposes', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint)
    .addColumn('validity_duration', 'text')
    .addColumn('replaces', 'text')
    .addColumn('language', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_records_client').on('consent_records').columns(['client_id', 'status']).execute();
  await db.schema.createIndex('consent_records_expiry').on('consent_records').columns(['status', 'expires_at']).execute();
  await db.schema
    .createTable('consent_parties')
    .addColumn('party_id', 'text', (c) => c.primaryKey())
    .addColumn('record_id', 'text', (c) => c.notNull().references('consent_records.record_id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('identifier_type', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('acting_for', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('choices', 'text')
    .addColumn('decided_at', t.bigint)
    .execute();
  await db.schema.createIndex('consent_parties_record').on('consent_parties').column('record_id').execute();
  await db.schema.createIndex('consent_parties_identifier').on('consent_parties').columns(['identifier_type', 'identifier']).execute();
  await db.schema.createIndex('consent_parties_account').on('consent_parties').column('account_id').execute();
}

async function createHistoryTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('consent_history')
    .addColumn('id', t.serial, serialPrimaryKey(dialect))
    .addColumn('record_id', 'text', (c) => c.notNull().references('consent_records.record_id').onDelete('cascade'))
    .addColumn('time', t.bigint, (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('consent_history_record').on('consent_history').columns(['record_id', 'id']).execute();
}

/** The consent records' parts of the operator's migrations. */
export const consentMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    async up(db) {
      await createRecordTables(db, dialect);
      await createHistoryTable(db, dialect);
    },
    async down(db) {
      for (const table of ['consent_history', 'consent_parties', 'consent_records'])
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
    },
  },
  '0002_arrangements_and_moves': {
    async up(db) {
      await db.schema.alterTable('consent_records').addColumn('replaced_by', 'text').execute();
      await db.schema.createIndex('consent_records_replaces').on('consent_records').column('replaces').execute();
    },
    async down(db) {
      await db.schema.dropIndex('consent_records_replaces').execute();
      await db.schema.alterTable('consent_records').dropColumn('replaced_by').execute();
    },
  },
});
