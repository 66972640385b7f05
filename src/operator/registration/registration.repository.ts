/**
 * The only code that queries the registrations table.
 */
import type { Selectable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { RegistrationDatabase, RegistrationsTable } from './registration.tables.ts';

type Db = Queryable<RegistrationDatabase>;

/** A registration row. */
export type RegistrationRow = Selectable<RegistrationsTable>;

/** Stores a new registration. */
export async function insertRegistration(db: Db, row: RegistrationRow): Promise<void> {
  await db.insertInto('registrations').values(row).execute();
}

/** One registration, by client id. */
export async function registrationRow(db: Db, clientId: string): Promise<RegistrationRow | undefined> {
  return db.selectFrom('registrations').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** Registrations, newest first, optionally of one status. */
export async function registrationRows(db: Db, status?: string): Promise<RegistrationRow[]> {
  let q = db.selectFrom('registrations').selectAll();
  if (status) q = q.where('status', '=', status);
  return q.orderBy('created_at', 'desc').orderBy('client_id').limit(500).execute();
}

/** Decides a pending registration; false when it was not pending (decided already or unknown). */
export async function decideRegistration(db: Db, clientId: string, status: string, reason: string | null, now: number): Promise<boolean> {
  const res = await db
    .updateTable('registrations')
    .set({ status, reason, decided_at: now })
    .where('client_id', '=', clientId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
