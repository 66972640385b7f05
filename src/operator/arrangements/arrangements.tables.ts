/**
 * The permission arrangements' table: a citizen's standing rules as ODRL 2.2 `Set`
 * policies; with its part of the operator's migrations. Only arrangements.repository.ts
 * queries it.
 */
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** A citizen's permission arrangement: an ODRL 2.2 `Set` policy. */
export interface ArrangementsTable {
  arrangement_id: string;
  account_id: string;
  label: string;
  /** JSON-LD: the ODRL Set. */
  policy: string;
  created_at: number;
  updated_at: number;
}

/** The arrangements feature's tables. */
export interface ArrangementsDatabase {
  arrangements: ArrangementsTable;
}

/** The arrangements feature's part of the operator's migrations. */
export const arrangementsMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0002_arrangements_and_moves': {
      async up(db) {
        await db.schema
          .createTable('arrangements')
          .addColumn('arrangement_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('policy', 'text', (c) => c.notNull())
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('updated_at', t.bigint, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('arrangements_account').on('arrangements').column('account_id').execute();
      },
      async down(db) {
        await db.schema.dropTable('arrangements').execute();
      },
    },
  };
};
