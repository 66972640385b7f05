/**
 * Calls one upstream source over a keep-alive undici pool. Only the gateway's own
 * upstream credentials are sent (never the client's token or headers); failures map to
 * 502/503/504 problems that say which kind of failure without leaking upstream details.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { ProblemError } from '../shared/errors.ts';
import type { SourceConfig } from '../shared/config.schema.ts';
import { guardedLookup } from '../shared/outbound-url.ts';

export interface UpstreamResponse {
  status: number;
  body: unknown;
}

/** A pooled HTTP client for one source. */
export class Upstream {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(source: SourceConfig) {
    const base = new URL(source.upstream.base_url);
    // redirects are never followed (undici's Pool does not); names resolving to link-local
    // (cloud metadata) addresses are refused at connection time
    this.pool = new Pool(base.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000, connect: { lookup: guardedLookup() as never } });
    this.basePath = base.pathname.replace(/\/$/, '');
    this.timeoutMs = source.upstream.timeout_ms;
    this.maxBytes = source.upstream.max_response_bytes;
    this.headers = { accept: 'application/json' };
    const auth = source.upstream.auth;
    if (auth?.type === 'bearer') this.headers.authorization = `Bearer ${auth.token}`;
    if (auth?.type === 'header' && auth.name) this.headers[auth.name.toLowerCase()] = auth.value ?? '';
  }

  /** GETs `path` (already built from the operation's template) and parses JSON. */
  async get(path: string): Promise<UpstreamResponse> {
    let res;
    try {
      res = await this.pool.request({
        method: 'GET',
        path: this.basePath + path,
        headers: this.headers,
        // undici's own timers: no per-request AbortSignal timer on the hot path
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw mapError(err);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          res.body.destroy();
          throw new ProblemError(502, 'upstream_response_too_large', 'the source answered with more data than this gateway accepts');
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
    try {
      return { status: 200, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    } catch {
      throw new ProblemError(502, 'upstream_error', 'the source answered with something that is not JSON');
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
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL') {
    return new ProblemError(503, 'upstream_unavailable', 'the source cannot be reached', {}, { 'Retry-After': '5' });
  }
  return new ProblemError(502, 'upstream_error', 'the connection to the source failed');
}
