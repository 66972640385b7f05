/**
 * A small OAuth client for Portti's own machine-to-machine calls (gateway → operator,
 * demo service → operator): RFC 8414 discovery, `private_key_jwt` client authentication
 * (RFC 7523) and DPoP-bound client-credentials tokens. Browser-facing flows use openid-client.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { createDpopProof, type DpopKey } from './dpop.ts';

/** The subset of RFC 8414 metadata Portti uses, plus Portti's extensions. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  pushed_authorization_request_endpoint?: string;
  authorization_endpoint?: string;
  /** Portti: SSE consent feed for gateways. */
  consent_feed_endpoint?: string;
  /** Portti: batch endpoint for gateways' access records. */
  access_report_endpoint?: string;
  /** Portti: asynchronous consent requests filed by services. */
  consent_request_endpoint?: string;
  [key: string]: unknown;
}

/** Fetches RFC 8414 metadata and checks that `issuer` matches exactly. */
export async function discover(issuer: string, timeoutMs = 5000): Promise<AuthorizationServerMetadata> {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname;
  const url = `${u.origin}/.well-known/oauth-authorization-server${path}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`metadata of ${issuer} answered ${res.status}`);
  const meta = (await res.json()) as AuthorizationServerMetadata;
  if (meta.issuer !== issuer) throw new Error(`metadata issuer ${meta.issuer} does not match ${issuer}`);
  return meta;
}

/** A client's identity at one authorization server. */
export interface ClientCredentials {
  clientId: string;
  /** Signs client assertions (`private_key_jwt`). */
  key: { privateKey: CryptoKey; alg: string; kid: string };
}

/** Builds a `private_key_jwt` client assertion (audience: the issuer, as FAPI 2.0 asks). */
export async function clientAssertion(client: ClientCredentials, audience: string): Promise<string> {
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: client.key.alg, kid: client.key.kid, typ: 'JWT' })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(client.key.privateKey);
}

/** A token response as Portti uses it. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  authorization_details?: unknown[];
}

/** An OAuth error answer from an authorization server. */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  constructor(status: number, error: string, description?: string) {
    super(description ? `${error}: ${description}` : error);
    this.error = error;
    this.status = status;
  }
}

/**
 * POSTs a form to an authorization-server endpoint with client authentication and,
 * when `dpop` is given, a DPoP proof (retrying once with the server's nonce).
 */
export async function postToAs(
  meta: AuthorizationServerMetadata,
  endpoint: string,
  client: ClientCredentials,
  params: Record<string, string>,
  dpop?: DpopKey,
): Promise<Response> {
  let nonce: string | undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const body = new URLSearchParams({
      ...params,
      client_id: client.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(client, meta.issuer),
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (dpop) headers.dpop = await createDpopProof(dpop, 'POST', endpoint, undefined, nonce);
    const res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    const newNonce = res.headers.get('dpop-nonce');
    if (res.status === 400 && newNonce && attempt === 0) {
      const err = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { error?: string };
      if (err.error === 'use_dpop_nonce') {
        nonce = newNonce;
        continue;
      }
    }
    return res;
  }
  throw new Error('unreachable');
}

/**
 * Client-credentials grant with `private_key_jwt` and DPoP. `extra` carries
 * `resource`, `scope` or `authorization_details` (a JSON string).
 */
export async function clientCredentialsToken(
  meta: AuthorizationServerMetadata,
  client: ClientCredentials,
  dpop: DpopKey,
  extra: Record<string, string>,
): Promise<TokenResponse> {
  const res = await postToAs(meta, meta.token_endpoint, client, { grant_type: 'client_credentials', ...extra }, dpop);
  const body = (await res.json().catch(() => ({}))) as TokenResponse & { error?: string; error_description?: string };
  if (!res.ok) throw new OAuthError(res.status, body.error ?? 'server_error', body.error_description);
  return body;
}
