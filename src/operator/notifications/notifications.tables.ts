/**
 * The notifications' tables: each citizen's e-mail settings (an address they added and
 * confirmed, the kinds they opted in to), the notifications the dashboard lists, and the
 * outbox of mails (one per event by its dedupe key, retried until the SMTP server takes it);
 * with their part of the operator's migrations. Only notifications.repository.ts queries them.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../../store/database.ts';

/** A citizen's e-mail settings; nothing is mailed before the address is confirmed. */
export interface NotificationSettingsTable {
  account_id: string;
  email: string | null;
  /** When the citizen proved they read mail at `email` (null: not yet). */
  email_confirmed_at: number | null;
  /** SHA-256 of the confirmation token mailed to `email`, while unconfirmed. */
  confirm_token_hash: string | null;
  confirm_expires_at: number | null;
  /** JSON array of the kinds mailed (none until the citizen ticks them). */
  kinds: string;
  /** The language mails are written in (the dashboard's when the settings were saved). */
  language: string;
  updated_at: number;
}

/** One event for one citizen, as the dashboard lists it. */
export interface NotificationsTable {
  notification_id: string;
  account_id: string;
  kind: string;
  record_id: string | null;
  /** One notification per event and citizen (`kind|event|account`). */
  dedupe_key: string;
  /** JSON facts the text is made of (service client id, dates, counts): nothing the dashboard does not show. */
  data: string;
  created_at: number;
  read_at: number | null;
}

/** A mail waiting for the SMTP server, or sent. */
export interface MailOutboxTable {
  mail_id: string;
  dedupe_key: string;
  account_id: string;
  recipient: string;
  subject: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** The notifications' tables. */
export interface NotificationsDatabase {
  notification_settings: NotificationSettingsTable;
  notifications: NotificationsTable;
  mail_outbox: MailOutboxTable;
}

async function createTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  const account = (c: ColumnDefinitionBuilder) => c.notNull().references('accounts.account_id').onDelete('cascade');
  await db.schema
    .createTable('notification_settings')
    .addColumn('account_id', 'text', (c) => account(c).primaryKey())
    .addColumn('email', 'text')
    .addColumn('email_confirmed_at', t.bigint)
    .addColumn('confirm_token_hash', 'text')
    .addColumn('confirm_expires_at', t.bigint)
    .addColumn('kinds', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('notifications')
    .addColumn('notification_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', account)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('read_at', t.bigint)
    .execute();
  await db.schema.createIndex('notifications_account').on('notifications').columns(['account_id', 'created_at']).execute();
  await db.schema
    .createTable('mail_outbox')
    .addColumn('mail_id', 'text', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', account)
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', t.bigint, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('sent_at', t.bigint)
    .execute();
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
}

/** The notifications' part of the operator's migrations. */
export const notificationsMigrations: MigrationSet = (dialect) => ({
  '0009_notifications': {
    up: (db) => createTables(db, dialect),
    down: (db) => dropTables(db, ['mail_outbox', 'notifications', 'notification_settings']),
  },
});
