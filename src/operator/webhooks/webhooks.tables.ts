/**
 * The webhook deliveries' table: each webhook a consent change queues for its service, and
 * the state of its delivery (attempts, last answer, next attempt); with its part of the
 * operator's migrations. Only webhooks.repository.ts queries it.
 */
import { sql } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** A webhook to a service and the state of its delivery. */
export interface WebhookDeliveriesTable {
  delivery_id: string;
  client_id: string;
  event_type: string;
  record_id: string | null;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** The webhooks' tables. */
export interface WebhooksDatabase {
  webhook_deliveries: WebhookDeliveriesTable;
}

/** The webhooks' part of the operator's migrations. */
export const webhooksMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('delivery_id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', t.bigint, (c) => c.notNull())
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('delivered_at', t.bigint)
          .execute();
        await db.schema.createIndex('webhook_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('webhook_deliveries')}`.execute(db);
      },
    },
  };
};
