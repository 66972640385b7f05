/**
 * The only code that queries the mandates' table: a grantor's mandates, the mandates naming
 * a delegate by one of their identifiers, and ending one (only by its grantor).
 */
import type { Insertable, Selectable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { MandatesDatabase, MandatesTable } from './mandates.tables.ts';

type Db = Queryable<MandatesDatabase>;

/** A stored mandate. */
export type MandateRow = Selectable<MandatesTable>;

/** Stores a new mandate. */
export async function insertMandate(db: Db, row: Insertable<MandatesTable>): Promise<void> {
  await db.insertInto('mandates').values(row).execute();
}

/** The mandates an account has given, newest first. */
export async function mandatesOfGrantor(db: Db, accountId: string): Promise<MandateRow[]> {
  return db.selectFrom('mandates').selectAll().where('grantor_account_id', '=', accountId).orderBy('created_at', 'desc').execute();
}

/** The mandates naming a person by any of their identifiers, newest first. */
export async function mandatesOfDelegate(db: Db, ids: Array<{ identifier_type: string; identifier: string }>): Promise<MandateRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('mandates')
    .selectAll()
    .where((eb) =>
      eb.or(ids.map((i) => eb.and([eb('delegate_identifier_type', '=', i.identifier_type), eb('delegate_identifier', '=', i.identifier)]))),
    )
    .orderBy('created_at', 'desc')
    .execute();
}

/** One mandate by id. */
export async function mandateById(db: Db, mandateId: string): Promise<MandateRow | undefined> {
  return db.selectFrom('mandates').selectAll().where('mandate_id', '=', mandateId).executeTakeFirst();
}

/** Ends one of the grantor's mandates that has not ended; whether one was ended. */
export async function endMandate(db: Db, grantorAccountId: string, mandateId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('mandates')
    .set({ ended_at: now })
    .where('mandate_id', '=', mandateId)
    .where('grantor_account_id', '=', grantorAccountId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
