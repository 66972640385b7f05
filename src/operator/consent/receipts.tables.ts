/**
 * The receipts' table: the signed ISO/IEC TS 27560 receipt of every consent change, read by
 * the citizen, their export and their move; with its part of the operator's migrations.
 * Only receipts.repository.ts queries it.
 */
import { sql, type Generated } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';
import { serialPrimaryKey } from '../../store/migrations.ts';

/** A signed consent receipt, one per change of a record; `seq` keeps their order. */
export interface ReceiptsTable {
  seq: Generated<number>;
  receipt_id: string;
  record_id: string;
  time: number;
  jws: string;
}

/** The receipts' tables. */
export interface ReceiptsDatabase {
  receipts: ReceiptsTable;
}

/** The receipts' part of the operator's migrations. */
export const receiptsMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('receipts')
          .addColumn('seq', t.serial, serialPrimaryKey(dialect))
          .addColumn('receipt_id', 'text', (c) => c.notNull().unique())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('time', t.bigint, (c) => c.notNull())
          .addColumn('jws', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('receipts_record').on('receipts').columns(['record_id', 'time']).execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('receipts')}`.execute(db);
      },
    },
  };
};
