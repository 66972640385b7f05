/** The access reporter's table: how far each operator has been sent each chain's records. */
import type { Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../../store/database.ts';

/** The reporter's cursor per (chain, operator). */
export interface ReportCursorsTable {
  chain: string;
  iss: string;
  last_seq: number;
  /** How far this operator has been sent inclusion proofs (records up to a cosigned checkpoint). */
  proved_seq: number;
}

/** The table the access reporter writes. */
export interface ReportDatabase {
  report_cursors: ReportCursorsTable;
}

/** The reporter's part of the gateway's migrations: its cursors come with `0001_initial`, the proof cursor with the Merkle log. */
export const reportMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createReportCursorsTable(db, dialect),
    down: (db) => dropTables(db, ['report_cursors']),
  },
  '0004_merkle_log': {
    up: (db) =>
      db.schema
        .alterTable('report_cursors')
        .addColumn('proved_seq', columnTypes(dialect).bigint, (c) => c.notNull().defaultTo(0))
        .execute(),
    down: (db) => db.schema.alterTable('report_cursors').dropColumn('proved_seq').execute(),
  },
});

async function createReportCursorsTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('report_cursors')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('iss', 'text', (c) => c.notNull())
    .addColumn('last_seq', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_cursors_pk', ['chain', 'iss'])
    .execute();
}
