/**
 * Calls one upstream source over a keep-alive undici pool. Only the gateway's own
 * upstream credentials are sent (never the client's token or headers); failures map to
 * 502/503/504 problems that say which kind of failure without leaking upstream details.
 * The credentials come from the source's auth type (shared/upstream-auth/): fixed headers, or
 * headers made per request (a `solid-oidc` DPoP proof); when the source refuses those with a
 * 401, they are renewed and the read tried once more.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { ProblemError } from '../../shared/errors.ts';
import type { SourceConfig } from '../../shared/gateway.schema.ts';
import { guardedLookup } from '../../shared/outbound-url.ts';
import type { UpstreamCredential } from '../../shared/upstream-auth/credential.ts';
import { createUpstreamCredential } from '../../shared/upstream-auth/upstream-auth.ts';

/** A source's answer: its status and the decoded document (undefined for a 404). */
export interface UpstreamResponse {
  status: number;
  body: unknown;
}

/** What an operation asks the source for and how the answer becomes a JSON document. */
export interface ResponseFormat {
  accept: string;
  /** Throws (or rejects with) an Error whose message may be shown to clients when the body is unusable. */
  decode(text: string, url: string, contentType: string): unknown;
}

/** The default: a JSON API, which says so (`application/json` or a `+json` type). */
export const JSON_FORMAT: ResponseFormat = {
  accept: 'application/json',
  decode(text, _url, contentType) {
    if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
      throw new Error(`the source answered ${contentType || 'without a content type'}, not JSON`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new Error('the source answered with something that is not JSON');
    }
  },
};

/** A pooled HTTP client for one source. */
export class Upstream {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly credential: UpstreamCredential;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(source: SourceConfig) {
    const base = new URL(source.upstream.base_url);
    // redirects are never followed (undici's Pool does not); names resolving to link-local
    // (cloud metadata) addresses are refused at connection time
    this.pool = new Pool(base.origin, {
      connections: 64,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { lookup: guardedLookup() as never },
    });
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/$/, '');
    this.timeoutMs = source.upstream.timeout_ms;
    this.maxBytes = source.upstream.max_response_bytes;
    this.credential = createUpstreamCredential(source.upstream.auth, { sourceId: source.id, timeoutMs: this.timeoutMs });
  }

  /** GETs `path` (already built from the operation's template) and decodes it (JSON by default). */
  async get(path: string, format: ResponseFormat = JSON_FORMAT): Promise<UpstreamResponse> {
    const url = this.origin + this.basePath + path;
    let res = await this.send(url, format);
    if (res.statusCode === 401 && res.signed !== undefined && this.credential.rejected?.(res.signed)) {
      // the source no longer takes the per-request credentials (e.g. an expired token): renew them once
      await res.body.dump().catch(() => undefined);
      res = await this.send(url, format);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // headers within timeout_ms, then the whole body within timeout_ms: undici's bodyTimeout bounds
    // only the pause between chunks, so a slow drip is cut here
    const deadline = performance.now() + this.timeoutMs;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          res.body.destroy();
          throw new ProblemError(502, 'upstream_response_too_large', 'the source answered with more data than this gateway accepts');
        }
        if (performance.now() > deadline) {
          res.body.destroy();
          throw new ProblemError(504, 'upstream_timeout', 'the source did not answer in time');
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      throw mapError(err);
    }
    if (res.statusCode === 404) return { status: 404, body: undefined };
    if (res.statusCode >= 500) throw new ProblemError(502, 'upstream_error', `the source failed (status ${res.statusCode})`);
    if (res.statusCode !== 200) throw new ProblemError(502, 'upstream_error', `the source answered status ${res.statusCode}`);
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    try {
      return { status: 200, body: await format.decode(Buffer.concat(chunks).toString('utf8'), url, contentType) };
    } catch (err) {
      throw new ProblemError(502, 'upstream_error', (err as Error).message);
    }
  }

  /** One GET; `signed` is the per-request credential headers it carried, if the credential makes any. */
  private async send(url: string, format: ResponseFormat): Promise<Dispatcher.ResponseData & { signed?: Record<string, string> }> {
    const signed = this.credential.perRequest ? await this.credential.perRequest('GET', url) : undefined;
    const headers: Record<string, string> = { ...this.credential.headers, ...signed, accept: format.accept };
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: url.slice(this.origin.length),
        headers,
        // undici's own timers: no per-request AbortSignal timer on the hot path
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      return signed === undefined ? res : Object.assign(res, { signed });
    } catch (err) {
      throw mapError(err);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function mapError(err: unknown): ProblemError {
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    (err as Error).name === 'TimeoutError' ||
    (err as Error).name === 'AbortError'
  ) {
    return new ProblemError(504, 'upstream_timeout', 'the source did not answer in time');
  }
  const code = (err as { code?: string }).code;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'EADDRNOTAVAIL'
  ) {
    return new ProblemError(503, 'upstream_unavailable', 'the source cannot be reached', {}, { 'Retry-After': '5' });
  }
  return new ProblemError(502, 'upstream_error', 'the connection to the source failed');
}
