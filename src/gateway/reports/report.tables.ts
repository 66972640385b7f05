/** The access reporter's table: how far each operator has been sent each chain's records. */
import type { Kysely } from 'kysely';
import { columnTypes, type Dialect } from '../../store/database.ts';

/** The reporter's cursor per (chain, operator). */
export interface ReportCursorsTable {
  chain: string;
  iss: string;
  last_seq: number;
}

/** The table the access reporter writes. */
export interface ReportDatabase {
  report_cursors: ReportCursorsTable;
}

/** Creates the report cursors (part of the gateway's first migration). */
export async function createReportCursorsTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('report_cursors')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('iss', 'text', (c) => c.notNull())
    .addColumn('last_seq', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_cursors_pk', ['chain', 'iss'])
    .execute();
}
