/**
 * Which webhook a consent change queues for its service: the event of the record's new
 * status (none for a status services are not told about) and its payload, queued in the
 * change's own transaction so a webhook is sent exactly for what was committed.
 */
import { randomUUID } from 'node:crypto';
import type { ConsentState } from '../../core/consent.ts';
import type { Queryable } from '../../store/database.ts';
import type { ServiceEntry } from '../registry/registry.ts';
import { WEBHOOK_EVENT } from './webhooks.ts';
import { queueWebhook } from './webhooks.repository.ts';
import type { WebhooksDatabase } from './webhooks.tables.ts';

/** Queues the webhook of a change, when the service registered a URL and the new status has an event. */
export async function queueConsentWebhook(
  db: Queryable<WebhooksDatabase>,
  state: ConsentState,
  service: ServiceEntry | undefined,
): Promise<void> {
  const eventType = WEBHOOK_EVENT[state.status];
  if (!eventType || !service?.webhook_url) return;
  const now = state.updated_at;
  await queueWebhook(db, {
    delivery_id: randomUUID(),
    client_id: state.client_id,
    event_type: eventType,
    record_id: state.record_id,
    payload: JSON.stringify({
      record_id: state.record_id,
      status: state.status,
      time: new Date(now).toISOString(),
      ...(state.replaces ? { replaces: state.replaces } : {}),
      ...(state.replaced_by ? { replaced_by: state.replaced_by } : {}),
    }),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_status: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  });
}
