/**
 * Authentication of the operator's machine APIs (consent requests, consent feed, access
 * reports, witness): a DPoP-bound JWT access token issued by this operator itself
 * for the resource `<issuer>/api`, carrying the needed scope, and not revoked (RFC 7009, or
 * its service suspended).
 */
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { ProblemError } from '../../shared/errors.ts';
import { ASYMMETRIC_ALGS, verifyDpopProof } from '../../shared/oauth/dpop.ts';
import type { ReplayCache } from '../../shared/oauth/replay-cache.ts';
import { connectionThumbprint } from '../../shared/oauth/mtls.ts';

export type ApiScope = 'consent_request' | 'consent_feed' | 'access_report';

export interface ApiCaller {
  client_id: string;
  scopes: Set<string>;
}

function unauthorized(detail: string): ProblemError {
  return new ProblemError(
    401,
    'invalid_token',
    detail,
    {},
    { 'WWW-Authenticate': `DPoP error="invalid_token", error_description="${detail}"` },
  );
}

/** Verifies API calls against this operator's own keys. */
export class ApiAuthenticator {
  private readonly issuer: string;
  private readonly jwks: () => { keys: JWK[] };
  private readonly replay: ReplayCache;
  private readonly mtlsOrigin: string | undefined;
  private readonly revoked: ((claims: JWTPayload) => Promise<boolean>) | undefined;

  constructor(
    issuer: string,
    jwks: () => { keys: JWK[] },
    replay: ReplayCache,
    mtlsUrl?: string,
    revoked?: (claims: JWTPayload) => Promise<boolean>,
  ) {
    this.issuer = issuer;
    this.jwks = jwks;
    this.replay = replay;
    this.mtlsOrigin = mtlsUrl ? new URL(mtlsUrl).origin : undefined;
    this.revoked = revoked;
  }

  /** The origin a DPoP proof must name: the issuer's, or the mutual-TLS listener's. */
  private requestOrigin(request: FastifyRequest): string {
    return 'encrypted' in request.raw.socket && this.mtlsOrigin ? this.mtlsOrigin : new URL(this.issuer).origin;
  }

  /** The resource URI of the operator's APIs (audience of their tokens). */
  get resource(): string {
    return `${this.issuer}/api`;
  }

  /** Authenticates a request and checks one scope; throws 401/403 problems. */
  async authenticate(request: FastifyRequest, scope: ApiScope): Promise<ApiCaller> {
    const auth = request.headers.authorization ?? '';
    const [scheme, token] = auth.split(' ');
    if (!['dpop', 'bearer'].includes(scheme?.toLowerCase() ?? '') || !token)
      throw unauthorized('a DPoP- or certificate-bound access token of this operator is required');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(this.jwks()), {
        issuer: this.issuer,
        audience: this.resource,
        typ: 'at+jwt',
        algorithms: ASYMMETRIC_ALGS,
        clockTolerance: 30,
      }));
    } catch {
      throw unauthorized('access token invalid for this API');
    }
    if (await this.revoked?.(payload)) throw unauthorized('access token has been revoked');
    const cnf = (payload.cnf ?? {}) as { jkt?: string; 'x5t#S256'?: string };
    if (cnf['x5t#S256']) {
      // RFC 8705: a certificate-bound token over the mutual-TLS listener, same certificate
      if (connectionThumbprint(request.raw) !== cnf['x5t#S256'])
        throw unauthorized('the token is bound to a client certificate this connection did not present');
    } else {
      if (!cnf.jkt || scheme?.toLowerCase() !== 'dpop') throw unauthorized('access token is not DPoP-bound');
      const proof = await verifyDpopProof(request.headers.dpop, {
        method: request.method,
        url: `${this.requestOrigin(request)}${request.url}`,
        accessToken: token,
        maxAgeS: 60,
        clockSkewS: 30,
        replay: this.replay,
      });
      if (proof.jkt !== cnf.jkt) throw unauthorized('DPoP key does not match the token');
    }
    const scopes = new Set(
      String(payload.scope ?? '')
        .split(' ')
        .filter(Boolean),
    );
    if (!scopes.has(scope)) {
      throw new ProblemError(
        403,
        'forbidden',
        `this call needs scope ${scope}`,
        {},
        { 'WWW-Authenticate': `DPoP error="insufficient_scope", scope="${scope}"` },
      );
    }
    return { client_id: String(payload.client_id), scopes };
  }
}
