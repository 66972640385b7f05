/**
 * The only code that queries the notifications' tables: a citizen's e-mail settings, the
 * notifications the dashboard lists (one per dedupe key), and the mail outbox the sender
 * claims due mails from and records each attempt in.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { MailOutboxTable, NotificationSettingsTable, NotificationsDatabase, NotificationsTable } from './notifications.tables.ts';

type Db = Queryable<NotificationsDatabase>;

/** A citizen's settings row. */
export type SettingsRow = Selectable<NotificationSettingsTable>;
/** A notification row. */
export type NotificationRow = Selectable<NotificationsTable>;
/** A due mail, as the sender needs it. */
export type DueMail = Pick<Selectable<MailOutboxTable>, 'mail_id' | 'recipient' | 'subject' | 'body' | 'attempts' | 'next_attempt_at'>;

/** The citizen's settings, if they ever saved any. */
export async function settingsOf(db: Db, accountId: string): Promise<SettingsRow | undefined> {
  return db.selectFrom('notification_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

/** Creates or replaces the citizen's settings. */
export async function saveSettings(db: Db, row: SettingsRow): Promise<void> {
  const { account_id: _id, ...rest } = row;
  await db
    .insertInto('notification_settings')
    .values(row)
    .onConflict((oc) => oc.column('account_id').doUpdateSet(rest))
    .execute();
}

/** Confirms the address whose unexpired token hashes to `hash`; returns the account, if any. */
export async function confirmAddress(db: Db, hash: string, now: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('notification_settings')
    .select('account_id')
    .where('confirm_token_hash', '=', hash)
    .where('confirm_expires_at', '>', now)
    .executeTakeFirst();
  if (!row) return undefined;
  await db
    .updateTable('notification_settings')
    .set({ email_confirmed_at: now, confirm_token_hash: null, confirm_expires_at: null })
    .where('account_id', '=', row.account_id)
    .execute();
  return row.account_id;
}

/** Settings with a confirmed address that mails `kind` (a JSON array holds the kinds). */
export async function confirmedFor(db: Db, kind: string): Promise<SettingsRow[]> {
  return db
    .selectFrom('notification_settings')
    .selectAll()
    .where('email_confirmed_at', 'is not', null)
    .where('kinds', 'like', `%"${kind}"%`)
    .execute();
}

/** Stores a notification unless its dedupe key is known; true when it is new. */
export async function insertNotification(db: Db, row: Insertable<NotificationsTable>): Promise<boolean> {
  const r = await db
    .insertInto('notifications')
    .values(row)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Queues a mail unless its dedupe key is queued already. */
export async function queueMail(db: Db, row: Insertable<MailOutboxTable>): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values(row)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

/** The citizen's newest notifications. */
export async function notificationsOf(db: Db, accountId: string, limit = 50): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .orderBy('notification_id')
    .limit(limit)
    .execute();
}

/** How many of the citizen's notifications are unread. */
export async function unreadCount(db: Db, accountId: string): Promise<number> {
  const r = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('account_id', '=', accountId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Marks every notification of the citizen read. */
export async function markAllRead(db: Db, accountId: string, now: number): Promise<void> {
  await db.updateTable('notifications').set({ read_at: now }).where('account_id', '=', accountId).where('read_at', 'is', null).execute();
}

/** Pending mails due at `now`, the most overdue first. */
export async function dueMails(db: Db, now: number, limit: number): Promise<DueMail[]> {
  return db
    .selectFrom('mail_outbox')
    .select(['mail_id', 'recipient', 'subject', 'body', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/**
 * Takes a due mail for one sender until `leaseUntil` (another instance on the same store
 * sees it as not due); false when another sender took it first.
 */
export async function claimMail(db: Db, mail: DueMail, leaseUntil: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ next_attempt_at: leaseUntil })
    .where('mail_id', '=', mail.mail_id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', mail.next_attempt_at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records the outcome of one attempt. */
export async function recordMailAttempt(
  db: Db,
  mailId: string,
  outcome: Pick<MailOutboxTable, 'attempts' | 'status' | 'next_attempt_at' | 'last_error' | 'sent_at'>,
): Promise<void> {
  await db.updateTable('mail_outbox').set(outcome).where('mail_id', '=', mailId).execute();
}

/** The outbox's rows of a citizen, newest first (tests and the admin look at them). */
export async function mailsOf(db: Db, accountId: string) {
  return db
    .selectFrom('mail_outbox')
    .select(['mail_id', 'dedupe_key', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Deletes mails sent or given up on before `before` (the outbox keeps addresses and texts only while it needs them). */
export async function pruneMails(db: Db, before: number): Promise<void> {
  await db.deleteFrom('mail_outbox').where('status', 'in', ['sent', 'failed']).where('created_at', '<', before).execute();
}

/** Deletes everything kept for an erased account. */
export async function forgetAccount(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('mail_outbox').where('account_id', '=', accountId).execute();
  await db.deleteFrom('notifications').where('account_id', '=', accountId).execute();
  await db.deleteFrom('notification_settings').where('account_id', '=', accountId).execute();
}
