/**
 * The only code that queries the webhook deliveries: a consent change queues one (in the
 * change's transaction), the sender takes the due ones and records each attempt, the admin
 * lists the newest.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { WebhookDeliveriesTable, WebhooksDatabase } from './webhooks.tables.ts';

type Db = Queryable<WebhooksDatabase>;

/** A due delivery, as the sender needs it. */
export type DueWebhook = Pick<
  Selectable<WebhookDeliveriesTable>,
  'delivery_id' | 'client_id' | 'event_type' | 'payload' | 'attempts' | 'created_at'
>;

/** Queues a webhook delivery. */
export async function queueWebhook(db: Db, delivery: Insertable<WebhookDeliveriesTable>): Promise<void> {
  await db.insertInto('webhook_deliveries').values(delivery).execute();
}

/** Pending deliveries due at `now`, the most overdue first. */
export async function dueWebhooks(db: Db, now: number, limit: number): Promise<DueWebhook[]> {
  return db
    .selectFrom('webhook_deliveries')
    .select(['delivery_id', 'client_id', 'event_type', 'payload', 'attempts', 'created_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** Records the outcome of one delivery attempt. */
export async function recordWebhookAttempt(
  db: Db,
  deliveryId: string,
  outcome: Pick<WebhookDeliveriesTable, 'attempts' | 'last_status' | 'last_error' | 'status' | 'delivered_at' | 'next_attempt_at'>,
): Promise<void> {
  await db.updateTable('webhook_deliveries').set(outcome).where('delivery_id', '=', deliveryId).execute();
}

/** The newest deliveries with their status (only those in `status` when given), for the admin (payloads left out). */
export async function recentWebhooks(db: Db, limit = 200, status?: string) {
  let query = db.selectFrom('webhook_deliveries');
  if (status) query = query.where('status', '=', status);
  return query
    .select([
      'delivery_id',
      'client_id',
      'event_type',
      'record_id',
      'status',
      'attempts',
      'last_status',
      'last_error',
      'created_at',
      'delivered_at',
    ])
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}
