/**
 * The only code that queries the permission arrangements' table. Every query is scoped to
 * one account: a citizen reaches only their own rules.
 */
import type { Insertable, Selectable } from 'kysely';
import type { ArrangementsDatabase, ArrangementsTable } from './arrangements.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<ArrangementsDatabase>;

/** A stored arrangement. */
export type ArrangementRow = Selectable<ArrangementsTable>;

/** The account's arrangements, oldest first. */
export async function arrangementsOf(db: Db, accountId: string): Promise<ArrangementRow[]> {
  return db.selectFrom('arrangements').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

/** One arrangement of the account. */
export async function arrangementOf(db: Db, accountId: string, id: string): Promise<ArrangementRow | undefined> {
  return db.selectFrom('arrangements').selectAll().where('arrangement_id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
}

/** How many arrangements the account keeps. */
export async function countArrangements(db: Db, accountId: string): Promise<number> {
  const count = await db
    .selectFrom('arrangements')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(count.n);
}

/** Stores a new arrangement. */
export async function insertArrangement(db: Db, row: Insertable<ArrangementsTable>): Promise<void> {
  await db.insertInto('arrangements').values(row).execute();
}

/** Replaces the rule of one of the account's arrangements. */
export async function updateArrangement(
  db: Db,
  accountId: string,
  id: string,
  changes: Pick<ArrangementsTable, 'label' | 'policy' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('arrangements').set(changes).where('arrangement_id', '=', id).where('account_id', '=', accountId).execute();
}

/** Deletes one of the account's arrangements; false when it has no such arrangement. */
export async function deleteArrangement(db: Db, accountId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('arrangements').where('arrangement_id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Deletes every standing permission of an account (its erasure). */
export async function deleteArrangementsOf(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('arrangements').where('account_id', '=', accountId).execute();
}
