/**
 * Subscribes to one operator's consent feed (Server-Sent Events), verifies each event's
 * JWS with the operator's keys and applies it to the replica. Resumes with
 * `Last-Event-ID`, reconnects with back-off, and reports whether the replica is fresh
 * enough to trust (otherwise the gateway falls back to introspection).
 */
import { compactVerify } from 'jose';
import type { FastifyBaseLogger } from 'fastify';
import { isConsentEvent } from '../../core/consent-event.ts';
import { createDpopProof } from '../../shared/oauth/dpop.ts';
import type { ConsentReplica } from './consent-replica.ts';
import type { OperatorDirectory } from '../operators/operator-directory.ts';

export interface FeedClientOptions {
  issuer: string;
  sources: string[];
  directory: OperatorDirectory;
  replica: ConsentReplica;
  staleAfterMs: number;
  log: FastifyBaseLogger;
}

/** Parses an SSE byte stream into events (id, event, data). */
export async function* parseSse(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<{ id?: string; event: string; data: string } | { comment: true }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length > 0) yield { ...(id === undefined ? {} : { id }), event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) {
        yield { comment: true };
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
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
    const { issuer, directory, replica, sources } = this.options;
    const { metadata, jwks } = await directory.resolve(issuer);
    if (!metadata.consent_feed_endpoint) throw new Error('operator metadata has no consent_feed_endpoint');
    const token = await directory.gatewayToken(issuer);
    const url = new URL(metadata.consent_feed_endpoint);
    for (const s of sources) url.searchParams.append('source', s);
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `DPoP ${token}`,
      dpop: await createDpopProof(directory.dpopKey, 'GET', url.href, token),
    };
    const cursor = replica.cursor(issuer);
    if (cursor) headers['last-event-id'] = cursor;
    const res = await fetch(url, { headers, signal: this.abort.signal });
    if (res.status === 401) directory.dropToken(issuer);
    if (!res.ok || !res.body) throw new Error(`feed answered ${res.status}`);
    this.connected = true;
    this.lastContact = Date.now();
    for await (const msg of parseSse(res.body)) {
      this.lastContact = Date.now();
      if ('comment' in msg) continue;
      if (msg.event === 'sync') {
        this.synced = true;
        continue;
      }
      if (msg.event !== 'consent' || msg.id === undefined) continue;
      let payload: unknown;
      try {
        // after a key rotation the first event carries an unknown kid: reload the key set once at once
        const verified = await compactVerify(msg.data, jwks).catch(async (err: { code?: string }) => {
          if (err.code !== 'ERR_JWKS_NO_MATCHING_KEY' || !('reload' in jwks)) throw err;
          await (jwks as unknown as { reload(): Promise<void> }).reload();
          return compactVerify(msg.data, jwks);
        });
        if (verified.protectedHeader.typ !== 'consent-event+jws') throw new Error('wrong typ');
        payload = JSON.parse(new TextDecoder().decode(verified.payload));
      } catch {
        this.options.log.error({ issuer, id: msg.id }, 'consent event signature invalid; dropping the connection');
        throw new Error('invalid consent event signature');
      }
      if (!isConsentEvent(payload) || payload.iss !== issuer) {
        this.options.log.error({ issuer, id: msg.id }, 'consent event malformed or from another issuer');
        throw new Error('malformed consent event');
      }
      await replica.apply(payload, msg.id);
    }
    throw new Error('feed stream ended');
  }
}
