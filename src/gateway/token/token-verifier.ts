/**
 * Verifies RFC 9068 JWT access tokens from admitted operators. The verifier is chosen
 * by the token's (unverified) `iss` from the allowlist only; nothing outside it is ever
 * fetched. A verified token's claims are cached by the token's hash until `exp`, so a
 * repeated request costs only its DPoP proof check; a token the operator revoked (its `jti`, or
 * its service suspended) is refused on every request from the moment the feed says so.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { ProblemError } from '../../shared/errors.ts';
import { ASYMMETRIC_ALGS } from '../../shared/oauth/dpop.ts';
import type { OperatorDirectory } from '../operators/operator-directory.ts';
import type { RevocationList } from './revocation-list.ts';

/** One `personal_data_access` authorization detail (PROFILE). */
export interface PersonalDataAccess {
  type: 'personal_data_access';
  locations?: string[];
  actions?: string[];
  datatypes?: string[];
  purpose?: string;
  legal_basis?: string;
  consent_record_id?: string;
}

/** The claims of a verified access token that the request path uses. */
export interface VerifiedToken {
  iss: string;
  client_id: string;
  sub?: string;
  aud: string[];
  exp: number;
  /** Epoch seconds. */
  iat: number;
  jti?: string;
  /** The sender constraint: a DPoP key thumbprint (RFC 9449) or a certificate thumbprint (RFC 8705). */
  binding: { jkt: string } | { x5t: string };
  authorization_details: PersonalDataAccess[];
}

/** Clock skew and the longest token lifetime the verifier accepts. */
export interface TokenVerifierOptions {
  clockSkewS: number;
  /** Longest accepted `exp - iat` (PROFILE: 300 s). */
  maxLifetimeS: number;
  /** Tokens the operators revoked (from their consent feeds). */
  revocations?: RevocationList;
}

/** The `algs` of the DPoP challenge (RFC 9449 §7.1): the proof algs a client should use. */
const DPOP_ALGS = 'algs="ES256 PS256 EdDSA Ed25519"';

/** Thrown for any token failure; rendered as 401 with a DPoP challenge. */
export function invalidToken(detail: string, resourceMetadata?: string): ProblemError {
  const rm = resourceMetadata ? `, resource_metadata="${resourceMetadata}"` : '';
  return new ProblemError(
    401,
    'invalid_token',
    detail,
    {},
    {
      'WWW-Authenticate': `DPoP error="invalid_token", error_description="${detail.replaceAll('"', "'")}", ${DPOP_ALGS}${rm}`,
      'Cache-Control': 'no-store',
    },
  );
}

/** Verifies access tokens and caches verified claims until they expire. */
export class AccessTokenVerifier {
  private readonly cache = new Map<string, VerifiedToken>();
  private readonly directory: OperatorDirectory;
  private readonly options: TokenVerifierOptions;

  constructor(directory: OperatorDirectory, options: TokenVerifierOptions) {
    this.directory = directory;
    this.options = options;
  }

  /**
   * Returns the verified claims of `token`. `tokenHash` is base64url(SHA-256(token)),
   * computed once per request and shared with the DPoP `ath` check.
   */
  async verify(token: string, tokenHash: string, resourceMetadata: string): Promise<VerifiedToken> {
    const verified = this.cached(tokenHash) ?? (await this.verifyNew(token, tokenHash, resourceMetadata));
    if (this.options.revocations?.isRevoked(verified)) throw invalidToken('access token has been revoked', resourceMetadata);
    return verified;
  }

  /** The cached claims of a token still within its lifetime, from an issuer still admitted. */
  private cached(tokenHash: string): VerifiedToken | undefined {
    const cached = this.cache.get(tokenHash);
    if (!cached) return undefined;
    if (cached.exp + this.options.clockSkewS > Date.now() / 1000 && this.directory.has(cached.iss)) return cached;
    this.cache.delete(tokenHash);
    return undefined;
  }

  private async verifyNew(token: string, tokenHash: string, resourceMetadata: string): Promise<VerifiedToken> {
    const fail = (detail: string) => invalidToken(detail, resourceMetadata);
    const iss = this.admittedIssuer(token, fail);
    const payload = await this.verifySignature(token, iss, fail);
    const verified = this.claims(payload, iss, fail);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(tokenHash, verified);
    return verified;
  }

  /** The unverified header and issuer: an at+jwt, asymmetrically signed, from an allowlisted issuer. */
  private admittedIssuer(token: string, fail: (detail: string) => ProblemError): string {
    let header;
    let unverified;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw fail('access token is not a JWT');
    }
    if (header.typ !== 'at+jwt' && header.typ !== 'application/at+jwt') throw fail('access token typ must be at+jwt');
    if (typeof header.alg !== 'string' || !ASYMMETRIC_ALGS.includes(header.alg)) {
      throw fail('access token must be signed with an asymmetric algorithm');
    }
    const iss = unverified.iss;
    if (typeof iss !== 'string' || !this.directory.has(iss)) throw fail('access token issuer is not admitted here');
    return iss;
  }

  /** The signature, against the issuer's key set (503 when the issuer cannot be reached). */
  private async verifySignature(token: string, iss: string, fail: (detail: string) => ProblemError): Promise<JWTPayload> {
    let entry;
    try {
      entry = await this.directory.resolve(iss);
    } catch {
      throw new ProblemError(
        503,
        'upstream_unavailable',
        'the token issuer cannot be reached to verify the token',
        {},
        { 'Retry-After': '2' },
      );
    }
    try {
      const { payload } = await jwtVerify(token, entry.jwks, {
        issuer: iss,
        typ: 'at+jwt',
        algorithms: ASYMMETRIC_ALGS,
        clockTolerance: this.options.clockSkewS,
        requiredClaims: ['exp', 'iat', 'client_id', 'aud'],
      });
      return payload;
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw fail(code === 'ERR_JWT_EXPIRED' ? 'access token expired' : 'access token signature or claims invalid');
    }
  }

  /** The claims the gateway uses: a bounded lifetime, a sender constraint, the personal_data_access details. */
  private claims(payload: JWTPayload, iss: string, fail: (detail: string) => ProblemError): VerifiedToken {
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    if (exp - iat > this.options.maxLifetimeS + this.options.clockSkewS)
      throw fail(`access token lifetime exceeds the ${this.options.maxLifetimeS} s maximum`);
    const cnf = (payload.cnf ?? {}) as { jkt?: unknown; 'x5t#S256'?: unknown };
    const binding =
      typeof cnf.jkt === 'string' ? { jkt: cnf.jkt } : typeof cnf['x5t#S256'] === 'string' ? { x5t: cnf['x5t#S256'] } : undefined;
    if (!binding) throw fail('access token is not sender-constrained (no cnf.jkt or cnf.x5t#S256)');
    const details = Array.isArray(payload.authorization_details) ? payload.authorization_details : [];
    return {
      iss,
      client_id: String(payload.client_id),
      ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
      aud: Array.isArray(payload.aud) ? payload.aud : [String(payload.aud)],
      exp,
      iat,
      ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
      binding,
      authorization_details: details.filter(
        (d): d is PersonalDataAccess => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === 'personal_data_access',
      ),
    };
  }
}
