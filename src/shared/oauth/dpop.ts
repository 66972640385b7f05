/**
 * RFC 9449 DPoP: verifying proofs at a resource server, and making proofs as a client.
 * Signature checks are done by `jose`; this module only applies the RFC's rules.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { ProblemError } from '../errors.ts';
import type { ReplayCache } from './replay-cache.ts';

/** Asymmetric algorithms accepted for DPoP proofs and access tokens (FAPI 2.0 set plus RS256). */
export const ASYMMETRIC_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519', 'RS256'];

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** base64url(SHA-256(value)), the `ath` of RFC 9449 and the token-cache key. */
export function sha256b64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Canonical `htu`: scheme, host and path, without query or fragment. */
export function normalizeHtu(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** What a DPoP proof must match (RFC 9449): method, URL, access token, age, and the replay cache. */
export interface DpopVerifyOptions {
  method: string;
  /** The URL the request was sent to, as the client sees it. */
  url: string;
  /** When set, the proof must carry `ath` for this token. */
  accessToken?: string;
  maxAgeS: number;
  clockSkewS: number;
  replay: ReplayCache;
  now?: number;
}

function invalid(detail: string, realm?: string): ProblemError {
  const challenge =
    `DPoP error="invalid_dpop_proof", error_description="${detail.replaceAll('"', "'")}", algs="ES256 PS256 EdDSA Ed25519"` +
    (realm ? `, ${realm}` : '');
  return new ProblemError(401, 'invalid_dpop_proof', detail, {}, { 'WWW-Authenticate': challenge });
}

const keyCache = new Map<string, { key: CryptoKey | Uint8Array; jkt: string }>();

async function proofKey(jwk: JWK, alg: string): Promise<{ key: CryptoKey | Uint8Array; jkt: string }> {
  const id = `${alg}:${JSON.stringify(jwk)}`;
  const hit = keyCache.get(id);
  if (hit) return hit;
  const entry = { key: await importJWK(jwk, alg), jkt: await calculateJwkThumbprint(jwk, 'sha256') };
  if (keyCache.size > 10_000) keyCache.clear();
  keyCache.set(id, entry);
  return entry;
}

/**
 * Verifies a DPoP proof and returns the JWK thumbprint (`jkt`) of its key.
 * Throws a 401 `invalid_dpop_proof` problem naming the failed rule.
 *
 * @example const { jkt } = await verifyDpopProof(req.headers.dpop, { method: 'GET', url, accessToken, ... });
 */
export async function verifyDpopProof(
  proof: string | string[] | undefined,
  options: DpopVerifyOptions,
  challengeExtra?: string,
): Promise<{ jkt: string }> {
  if (proof === undefined) throw invalid('DPoP proof header missing', challengeExtra);
  if (Array.isArray(proof)) throw invalid('more than one DPoP header', challengeExtra);
  if (proof.length > 8192 || proof.split('.').length !== 3) throw invalid('DPoP proof is not a compact JWS', challengeExtra);
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalid('DPoP proof header is not decodable', challengeExtra);
  }
  if (header.typ !== 'dpop+jwt') throw invalid('DPoP proof typ must be dpop+jwt', challengeExtra);
  if (typeof header.alg !== 'string' || !ASYMMETRIC_ALGS.includes(header.alg)) {
    throw invalid('DPoP proof must use an asymmetric algorithm', challengeExtra);
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object') throw invalid('DPoP proof has no jwk header', challengeExtra);
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw invalid('DPoP proof jwk contains private key material', challengeExtra);
  let payload;
  try {
    const { key } = await proofKey(jwk, header.alg);
    ({ payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: ASYMMETRIC_ALGS }));
  } catch {
    throw invalid('DPoP proof signature or claims invalid', challengeExtra);
  }
  const now = options.now ?? Date.now();
  const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalid('DPoP proof jti missing', challengeExtra);
  if (htm !== options.method) throw invalid('DPoP proof htm does not match the request method', challengeExtra);
  let htuOk = false;
  try {
    htuOk = typeof htu === 'string' && normalizeHtu(htu) === normalizeHtu(options.url);
  } catch {
    htuOk = false;
  }
  if (!htuOk) throw invalid('DPoP proof htu does not match the request URL', challengeExtra);
  if (typeof iat !== 'number') throw invalid('DPoP proof iat missing', challengeExtra);
  const ageS = now / 1000 - iat;
  if (ageS > options.maxAgeS + options.clockSkewS || ageS < -options.clockSkewS) {
    throw invalid('DPoP proof iat is outside the accepted window', challengeExtra);
  }
  if (options.accessToken !== undefined && ath !== sha256b64url(options.accessToken)) {
    throw invalid('DPoP proof ath does not match the access token', challengeExtra);
  }
  const { jkt } = await proofKey(jwk, header.alg);
  const expires = (iat + options.maxAgeS + options.clockSkewS) * 1000;
  if (!(await options.replay.firstUse(`${jkt}:${jti}`, expires))) {
    throw invalid('DPoP proof was already used (replay)', challengeExtra);
  }
  return { jkt };
}

/** A client's DPoP key pair. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
  alg: string;
}

/** Creates a fresh DPoP key (ES256 by default). */
export async function createDpopKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256'), alg };
}

/** Makes a DPoP proof for one request. */
export async function createDpopProof(key: DpopKey, method: string, url: string, accessToken?: string, nonce?: string): Promise<string> {
  return new SignJWT({
    htm: method,
    htu: normalizeHtu(url),
    jti: randomUUID(),
    ...(accessToken ? { ath: sha256b64url(accessToken) } : {}),
    ...(nonce ? { nonce } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey);
}
