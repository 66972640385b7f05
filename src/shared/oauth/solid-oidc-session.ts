/**
 * The gateway as a Solid-OIDC client of a pod server's OpenID provider: a DPoP-bound access
 * token from the client-credentials grant (`client_secret_basic`, `scope=webid`, as the
 * Community Solid Server issues them to an account's client credentials), cached until shortly
 * before it expires, and a fresh DPoP proof (with `ath`) for every request to the pod.
 * Failures become the same 502/503/504 problems as any upstream failure.
 */
import { ProblemError } from '../errors.ts';
import { createDpopKey, createDpopProof, type DpopKey } from './dpop.ts';

/** The provider, the gateway's client credentials there, and the timeout of each call. */
export interface SolidOidcOptions {
  issuer: string;
  client_id: string;
  client_secret: string;
  timeoutMs: number;
}

interface CachedToken {
  value: string;
  /** Epoch ms after which a new token is fetched. */
  refreshAt: number;
}

/** One gateway identity (a WebID's client credentials) at one Solid OpenID provider. */
export class SolidOidcSession {
  private readonly options: SolidOidcOptions;
  private key: Promise<DpopKey> | undefined;
  private tokenEndpoint: string | undefined;
  private cached: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(options: SolidOidcOptions) {
    this.options = options;
  }

  /**
   * Headers for one request to the pod: `Authorization: DPoP <token>` and a proof for this
   * method and URL.
   *
   * @example await fetch(url, { headers: { accept: 'text/turtle', ...(await session.headers('GET', url)) } });
   */
  async headers(method: string, url: string): Promise<{ authorization: string; dpop: string; token: string }> {
    const token = await this.token();
    const key = await this.dpopKey();
    return { authorization: `DPoP ${token}`, dpop: await createDpopProof(key, method, url, token), token };
  }

  /** Forgets `token` (the pod answered 401 to it), so the next request gets a new one. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private dpopKey(): Promise<DpopKey> {
    this.key ??= createDpopKey('ES256');
    return this.key;
  }

  private async token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return this.cached.value;
    // one token request at a time; concurrent reads wait for it
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
    this.cached = await this.pending;
    return this.cached.value;
  }

  private async requestToken(): Promise<CachedToken> {
    const endpoint = this.tokenEndpoint ?? (this.tokenEndpoint = await this.discover());
    const { client_id, client_secret } = this.options;
    const basic = Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64');
    const key = await this.dpopKey();
    let nonce: string | undefined;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const res = await this.call(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          dpop: await createDpopProof(key, 'POST', endpoint, undefined, nonce),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'webid' }).toString(),
      });
      const body = (await res.json().catch(() => ({}))) as {
        access_token?: unknown;
        token_type?: unknown;
        expires_in?: unknown;
        error?: unknown;
      };
      const newNonce = res.headers.get('dpop-nonce');
      if (res.status === 400 && body.error === 'use_dpop_nonce' && newNonce && attempt === 0) {
        nonce = newNonce;
        continue;
      }
      if (res.status !== 200)
        throw authFailed(`the source's identity provider refused the gateway's client credentials (status ${res.status})`);
      if (typeof body.access_token !== 'string' || typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'dpop') {
        throw authFailed("the source's identity provider did not issue a DPoP-bound access token");
      }
      const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60) * 1000;
      // refresh a minute early (a quarter of the lifetime for short-lived tokens)
      return { value: body.access_token, refreshAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 4) };
    }
    throw authFailed("the source's identity provider kept asking for a new DPoP nonce");
  }

  /** OpenID discovery; the metadata's issuer must be the configured one. */
  private async discover(): Promise<string> {
    const issuer = this.options.issuer.replace(/\/$/, '');
    const res = await this.call(`${issuer}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    if (res.status !== 200) throw authFailed(`the source's identity provider metadata answered status ${res.status}`);
    const meta = (await res.json().catch(() => ({}))) as { issuer?: unknown; token_endpoint?: unknown };
    if (typeof meta.issuer !== 'string' || meta.issuer.replace(/\/$/, '') !== issuer)
      throw authFailed("the source's identity provider metadata names another issuer");
    if (typeof meta.token_endpoint !== 'string' || !/^https?:\/\//.test(meta.token_endpoint))
      throw authFailed("the source's identity provider has no token endpoint");
    // the client secret goes only to the configured issuer's own origin
    if (new URL(meta.token_endpoint).origin !== new URL(issuer).origin)
      throw authFailed("the source's identity provider names a token endpoint on another origin");
    return meta.token_endpoint;
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new ProblemError(504, 'upstream_timeout', "the source's identity provider did not answer in time");
      throw new ProblemError(503, 'upstream_unavailable', "the source's identity provider cannot be reached", {}, { 'Retry-After': '5' });
    }
  }
}

function authFailed(detail: string): ProblemError {
  return new ProblemError(502, 'upstream_error', detail);
}
