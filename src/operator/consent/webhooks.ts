/**
 * Webhooks to services as Security Event Tokens (RFC 8417) delivered by push
 * (RFC 8935): signed with the operator's key, retried with exponential back-off,
 * each delivery's status kept and shown to the admin.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ConsentStatus } from '../../core/consent-event.ts';
import { guardedLookup } from '../../shared/outbound-url.ts';
import type { SigningKey } from '../../store/keys.ts';
import type { OperatorDatabase } from '../operator.tables.ts';

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

export interface WebhookOptions {
  db: Kysely<OperatorDatabase>;
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
    const due = await this.o.db
      .selectFrom('webhook_deliveries')
      .innerJoin('services', 'services.client_id', 'webhook_deliveries.client_id')
      .select(['delivery_id', 'webhook_deliveries.client_id', 'event_type', 'payload', 'attempts', 'services.webhook_url'])
      .where('webhook_deliveries.status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(50)
      .execute();
    await Promise.all(due.map((d) => this.deliver(d)));
    return due.length;
  }

  private async deliver(d: {
    delivery_id: string;
    client_id: string;
    event_type: string;
    payload: string;
    attempts: number;
    webhook_url: string | null;
  }) {
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
    await this.o.db
      .updateTable('webhook_deliveries')
      .set({
        attempts,
        last_status: status,
        last_error: error,
        status: delivered ? 'delivered' : attempts >= this.o.maxAttempts ? 'failed' : 'pending',
        delivered_at: delivered ? now : null,
        next_attempt_at: now + Math.min(2 ** attempts * 500, 10 * 60 * 1000),
      })
      .where('delivery_id', '=', d.delivery_id)
      .execute();
  }
}
