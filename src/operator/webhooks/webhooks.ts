/**
 * Webhooks to services as Security Event Tokens (RFC 8417) delivered by push
 * (RFC 8935): signed with the operator's key, retried with exponential back-off,
 * each delivery's status kept and shown to the admin. A consent change queues its
 * webhook in its own transaction (webhook-events.ts); this sender delivers the due ones.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ConsentStatus } from '../../core/consent-event.ts';
import { guardedLookup } from '../../shared/outbound-url.ts';
import type { SigningKey } from '../../store/keys.ts';
import type { Registry } from '../registry/registry.ts';
import { dueWebhooks, recordWebhookAttempt, type DueWebhook } from './webhooks.repository.ts';
import type { WebhooksDatabase } from './webhooks.tables.ts';

/** Event types are this base plus the type (`…/consent.withdrawn`). */
export const EVENT_URI_BASE = 'https://portti.dev/events/';

/**
 * The webhook event a service is sent after a change leaves its record in each status
 * (appended to {@link EVENT_URI_BASE}); null sends none (a pending record has nothing decided).
 */
export const WEBHOOK_EVENT: Readonly<Record<ConsentStatus, string | null>> = {
  pending: null,
  active: 'consent.allowed',
  declined: 'consent.disallowed',
  suspended: 'consent.disallowed',
  withdrawn: 'consent.withdrawn',
  expired: 'consent.expired',
  moved: 'consent.moved',
};

/** What the sender needs: the deliveries, the registry (webhook URLs), the signing key and limits. */
export interface WebhookOptions {
  db: Kysely<WebhooksDatabase>;
  /** Where each service wants its webhooks (read at every attempt: a re-registered URL applies at once). */
  registry: Pick<Registry, 'service'>;
  issuer: string;
  signingKey: () => SigningKey;
  maxAttempts: number;
  log: FastifyBaseLogger;
  intervalMs?: number;
  /** Name resolution for deliveries (tests inject one); forbidden addresses are refused either way. */
  resolve?: Parameters<typeof guardedLookup>[0];
}

/** Background sender of due webhook deliveries. */
export class WebhookSender {
  private readonly o: WebhookOptions;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  /**
   * Deliveries resolve the service's host name at connection time and refuse link-local and
   * metadata addresses, so a name that passed registration cannot later be rebound to them.
   */
  private readonly agent: Agent;

  constructor(options: WebhookOptions) {
    this.o = options;
    this.agent = new Agent({ connect: { lookup: guardedLookup(options.resolve) as never } });
  }

  start(): void {
    this.timer = setInterval(() => {
      if (!this.busy)
        this.busy = this.runOnce()
          .then(() => undefined)
          .catch((err: Error) => this.o.log.warn({ err: err.message }, 'webhook run failed'))
          .finally(() => (this.busy = undefined));
    }, this.o.intervalMs ?? 250);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
    await this.agent.close();
  }

  /** Sends every due delivery once; returns how many were attempted. */
  async runOnce(now = Date.now()): Promise<number> {
    const due = await dueWebhooks(this.o.db, now, 50);
    const urls = new Map<string, string | null>();
    for (const clientId of new Set(due.map((d) => d.client_id))) {
      const service = await this.o.registry.service(clientId);
      if (service) urls.set(clientId, service.webhook_url);
    }
    // a delivery for a client no longer registered waits (services are never deleted today)
    const sendable = due.filter((d) => urls.has(d.client_id));
    await Promise.all(sendable.map((d) => this.deliver({ ...d, webhook_url: urls.get(d.client_id) ?? null })));
    return sendable.length;
  }

  private async deliver(d: DueWebhook & { webhook_url: string | null }) {
    const key = this.o.signingKey();
    const set = await new SignJWT({
      jti: randomUUID(),
      events: { [EVENT_URI_BASE + d.event_type]: JSON.parse(d.payload) as object },
      txn: d.delivery_id,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' })
      .setIssuer(this.o.issuer)
      .setAudience(d.client_id)
      .setIssuedAt()
      .sign(key.privateKey);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await undiciFetch(d.webhook_url ?? '', {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
        body: set,
        signal: AbortSignal.timeout(5000),
        redirect: 'error',
      });
      status = res.status;
      if (!res.ok) error = `answered ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      error = cause?.message ? `${(err as Error).message}: ${cause.message}` : (err as Error).message;
    }
    const attempts = d.attempts + 1;
    const now = Date.now();
    const delivered = error === null;
    await recordWebhookAttempt(this.o.db, d.delivery_id, {
      attempts,
      last_status: status,
      last_error: error,
      status: delivered ? 'delivered' : attempts >= this.o.maxAttempts ? 'failed' : 'pending',
      delivered_at: delivered ? now : null,
      next_attempt_at: now + Math.min(2 ** attempts * 500, 10 * 60 * 1000),
    });
  }
}
