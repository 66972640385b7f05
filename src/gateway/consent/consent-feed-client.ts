/**
 * Subscribes to one operator's consent feed (Server-Sent Events), verifies each event's
 * JWS with the operator's keys and applies it: a consent event to the replica, a token
 * revocation to the revocation list. Resumes with `Last-Event-ID`, reconnects with back-off,
 * and reports whether the replica is fresh enough to trust (otherwise the gateway falls back
 * to introspection).
 */
import { compactVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyBaseLogger } from 'fastify';
import { CONSENT_EVENT_JWS_TYP, FEED_EVENT, isConsentEvent, isTokenRevokedEvent, TOKEN_REVOKED_JWS_TYP } from '../../core/consent-feed.ts';
import type { RevocationList } from '../token/revocation-list.ts';
import type { ConsentReplica } from './consent-replica.ts';
import type { OperatorClient } from '../operators/operator-client.ts';
import { parseSse } from './sse-parser.ts';

/** One operator's feed: who, for which sources, into which replica. */
export interface FeedClientOptions {
  issuer: string;
  sources: string[];
  operators: OperatorClient;
  replica: ConsentReplica;
  revocations: RevocationList;
  staleAfterMs: number;
  log: FastifyBaseLogger;
}

/** One operator's feed subscription. */
export class ConsentFeedClient {
  private readonly options: FeedClientOptions;
  private abort = new AbortController();
  private running = false;
  private lastContact = 0;
  private synced = false;
  private connected = false;
  private loop: Promise<void> | undefined;

  constructor(options: FeedClientOptions) {
    this.options = options;
  }

  /** The source resources this subscription follows. */
  get sources(): string[] {
    return this.options.sources;
  }

  /** True while the feed is connected, caught up, and heard from within the bound. */
  isFresh(now = Date.now()): boolean {
    return this.connected && this.synced && now - this.lastContact <= this.options.staleAfterMs;
  }

  status() {
    return { issuer: this.options.issuer, connected: this.connected, synced: this.synced, last_contact: this.lastContact };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (this.running) {
      try {
        await this.connectOnce();
        backoff = 250;
      } catch (err) {
        if (!this.running) break;
        this.options.log.warn({ issuer: this.options.issuer, err: (err as Error).message }, 'consent feed disconnected');
      }
      this.connected = false;
      this.synced = false;
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  private async connectOnce(): Promise<void> {
    const { issuer, operators, replica, sources } = this.options;
    const { jwks } = await operators.directory.resolve(issuer);
    const cursor = replica.cursor(issuer);
    const res = await operators.call(issuer, 'consent_feed_endpoint', {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...(cursor ? { 'last-event-id': cursor } : {}) },
      query: sources.map((s) => ['source', s]),
      signal: this.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`feed answered ${res.status}`);
    this.connected = true;
    this.lastContact = Date.now();
    for await (const msg of parseSse(res.body)) {
      this.lastContact = Date.now();
      if ('comment' in msg) continue;
      if (msg.event === FEED_EVENT.sync) {
        this.synced = true;
        continue;
      }
      if (msg.id === undefined) continue;
      if (msg.event === FEED_EVENT.consent) {
        await replica.apply(await this.verify(msg.data, msg.id, jwks, CONSENT_EVENT_JWS_TYP, isConsentEvent), msg.id);
      } else if (msg.event === FEED_EVENT.revoked) {
        await this.options.revocations.apply(await this.verify(msg.data, msg.id, jwks, TOKEN_REVOKED_JWS_TYP, isTokenRevokedEvent), msg.id);
        replica.advance(issuer, msg.id);
      }
    }
    throw new Error('feed stream ended');
  }

  /** Verifies one event's JWS, typ and shape; any failure drops the connection (the feed is resumed). */
  private async verify<T extends { iss: string }>(
    jws: string,
    id: string,
    jwks: JWTVerifyGetKey,
    typ: string,
    isShape: (v: unknown) => v is T,
  ): Promise<T> {
    const { issuer, log } = this.options;
    let payload: unknown;
    try {
      // after a key rotation the first event carries an unknown kid: reload the key set once at once
      const verified = await compactVerify(jws, jwks).catch(async (err: { code?: string }) => {
        if (err.code !== 'ERR_JWKS_NO_MATCHING_KEY' || !('reload' in jwks)) throw err;
        await (jwks as unknown as { reload(): Promise<void> }).reload();
        return compactVerify(jws, jwks);
      });
      if (verified.protectedHeader.typ !== typ) throw new Error('wrong typ');
      payload = JSON.parse(new TextDecoder().decode(verified.payload));
    } catch {
      log.error({ issuer, id }, 'consent event signature invalid; dropping the connection');
      throw new Error('invalid consent event signature');
    }
    if (!isShape(payload) || payload.iss !== issuer) {
      log.error({ issuer, id }, 'consent event malformed or from another issuer');
      throw new Error('malformed consent event');
    }
    return payload;
  }
}
