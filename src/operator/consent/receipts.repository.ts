/**
 * The only code that queries the receipts' table: a change stores its signed receipt (in
 * the change's transaction); the citizen, their export and their move read them.
 */
import type { Queryable } from '../../store/database.ts';
import type { ReceiptsDatabase } from './receipts.tables.ts';

type Db = Queryable<ReceiptsDatabase>;

/** A stored receipt. */
export interface ReceiptRow {
  record_id: string;
  receipt_id: string;
  time: number;
  jws: string;
}

/** Stores a signed receipt. */
export async function insertReceipt(db: Db, receipt: ReceiptRow): Promise<void> {
  await db.insertInto('receipts').values(receipt).execute();
}

/** The receipts of the given records, in the order they were issued. */
export async function receiptsOf(db: Db, recordIds: string[]): Promise<ReceiptRow[]> {
  if (recordIds.length === 0) return [];
  return db
    .selectFrom('receipts')
    .select(['record_id', 'receipt_id', 'time', 'jws'])
    .where('record_id', 'in', recordIds)
    .orderBy('seq')
    .execute();
}
