/**
 * Webhooks to services as Security Event Tokens (RFC 8417) delivered by push
 * (RFC 8935): signed with the operator's key; a retry resends the same SET (its `jti` and
 * `iat` come from the delivery, so a receiver deduplicates by `jti`) after an exponential
 * back-off; a 4xx other than 429 is the receiver's final word (RFC 8935 §2.4); each
 * delivery's status is kept and shown to the admin. A consent change queues its webhook in
 * its own transaction (webhook-events.ts); this sender delivers the due ones.
 */
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
  /** Delay before the first retry (doubled for each further one); 1 s unless set. */
  retryBaseMs?: number;
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

  /** The delivery's SET: the same claims (`jti` = the delivery id, `iat` = when it was queued) at every attempt. */
  private async securityEventToken(d: DueWebhook): Promise<string> {
    const key = this.o.signingKey();
    return new SignJWT({
      jti: d.delivery_id,
      events: { [EVENT_URI_BASE + d.event_type]: JSON.parse(d.payload) as object },
      txn: d.delivery_id,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' })
      .setIssuer(this.o.issuer)
      .setAudience(d.client_id)
      .setIssuedAt(Math.floor(d.created_at / 1000))
      .sign(key.privateKey);
  }

  private async deliver(d: DueWebhook & { webhook_url: string | null }) {
    const set = await this.securityEventToken(d);
    let answer: PushAnswer;
    try {
      const res = await undiciFetch(d.webhook_url ?? '', {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
        body: set,
        signal: AbortSignal.timeout(5000),
        redirect: 'error',
      });
      answer = { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.ok ? '' : await boundedText(res) };
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      answer = { status: null, error: cause?.message ? `${(err as Error).message}: ${cause.message}` : (err as Error).message };
    }
    const attempts = d.attempts + 1;
    const now = Date.now();
    const outcome = pushOutcome(answer, attempts, this.o.maxAttempts, this.o.retryBaseMs ?? 1000);
    await recordWebhookAttempt(this.o.db, d.delivery_id, {
      attempts,
      last_status: answer.status,
      last_error: outcome.error,
      status: outcome.status,
      delivered_at: outcome.status === 'delivered' ? now : null,
      next_attempt_at: now + outcome.delayMs,
    });
  }
}

/** What a receiver answered one push: its status (null when unreachable), `Retry-After` and error body. */
export interface PushAnswer {
  status: number | null;
  retryAfter?: string | null;
  body?: string;
  error?: string;
}

/** What a push attempt leaves a delivery in, and when to try again. */
export interface PushOutcome {
  status: 'delivered' | 'pending' | 'failed';
  error: string | null;
  delayMs: number;
}

const MAX_DELAY_MS = 10 * 60 * 1000;

/**
 * RFC 8935 §2.4: a 2xx is delivered; a 4xx other than 429 means the receiver refused the SET
 * itself (its `err` code says why), so resending it cannot help: final. A 429, a 5xx or no
 * answer is transient: retried after `base · 2^(attempt-1)` (at most 10 minutes), or after the
 * receiver's `Retry-After` when that is longer, until `maxAttempts`.
 *
 * @example pushOutcome({ status: 400, body: '{"err":"invalid_key"}' }, 1, 8, 1000) // { status: 'failed', … }
 */
export function pushOutcome(answer: PushAnswer, attempts: number, maxAttempts: number, baseMs: number): PushOutcome {
  const { status } = answer;
  if (status !== null && status >= 200 && status < 300) return { status: 'delivered', error: null, delayMs: 0 };
  const error = answer.error ?? `answered ${status}${receiverError(answer.body)}`;
  if (status !== null && status >= 400 && status < 500 && status !== 429) return { status: 'failed', error, delayMs: 0 };
  if (attempts >= maxAttempts) return { status: 'failed', error, delayMs: 0 };
  const backoff = Math.min(baseMs * 2 ** (attempts - 1), MAX_DELAY_MS);
  const asked = Number(answer.retryAfter);
  const delayMs = Number.isFinite(asked) && asked > 0 ? Math.max(backoff, Math.min(asked * 1000, MAX_DELAY_MS)) : backoff;
  return { status: 'pending', error, delayMs };
}

/** The RFC 8935 error of a refusal (`{"err": "invalid_key", "description": "…"}`), as `: invalid_key (…)`. */
function receiverError(body: string | undefined): string {
  try {
    const { err, description } = JSON.parse(body ?? '') as { err?: unknown; description?: unknown };
    if (typeof err !== 'string') return '';
    return `: ${err.slice(0, 100)}${typeof description === 'string' ? ` (${description.slice(0, 300)})` : ''}`;
  } catch {
    return '';
  }
}

/** A refusal's body, at most 4 KiB of it. */
async function boundedText(res: { text(): Promise<string> }): Promise<string> {
  return (await res.text().catch(() => '')).slice(0, 4096);
}
