/**
 * How an operator acts for a signed-in citizen at the store: it signs a short-lived JWT
 * (`typ: pds-citizen+jwt`, at most 120 s, `aud` = the store's public URL) with its own
 * signing key, naming the citizen's identifier. The store accepts it only from a trusted
 * operator, verified against that operator's published keys.
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { PersonalDataStoreConfig } from '../shared/config.schema.ts';
import { ProblemError } from '../shared/errors.ts';

/** JWS `typ` of the citizen tokens the store accepts. */
export const CITIZEN_TYP = 'pds-citizen+jwt';
const MAX_AGE_S = 120;

/** Signs the assertion an operator sends with each request it makes for a citizen. */
export async function signCitizenAssertion(opts: {
  issuer: string;
  audience: string;
  key: { privateKey: CryptoKey; alg: string; kid: string };
  identifierType: string;
  identifier: string;
  ttlS?: number;
}): Promise<string> {
  return new SignJWT({ identifier_type: opts.identifierType, identifier: opts.identifier })
    .setProtectedHeader({ alg: opts.key.alg, kid: opts.key.kid, typ: CITIZEN_TYP })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${Math.min(opts.ttlS ?? 60, MAX_AGE_S)}s`)
    .sign(opts.key.privateKey);
}

/** Verifies citizen assertions from the trusted operators. */
export class CitizenAuthenticator {
  private readonly operators: Map<string, JWTVerifyGetKey>;
  private readonly audience: string;
  private readonly identifierType: string;

  constructor(config: Pick<PersonalDataStoreConfig, 'trusted_operators' | 'public_url' | 'identifier_type'>) {
    this.audience = config.public_url.replace(/\/$/, '');
    this.identifierType = config.identifier_type;
    this.operators = new Map(
      config.trusted_operators.map((o) => [
        o.issuer.replace(/\/$/, ''),
        createRemoteJWKSet(new URL(o.jwks_url), { timeoutDuration: 5000 }),
      ]),
    );
  }

  /** The citizen's identifier, or a 401 problem. */
  async identifier(request: FastifyRequest): Promise<string> {
    const unauthorized = (why: string) => new ProblemError(401, 'unauthorized', why, {}, { 'www-authenticate': 'Bearer' });
    const m = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(request.headers.authorization ?? '');
    if (!m) throw unauthorized("a trusted operator's citizen assertion is required (Bearer)");
    let iss: unknown;
    try {
      iss = decodeJwt(m[1]!).iss;
    } catch {
      throw unauthorized('the assertion is not a JWT');
    }
    const keys = typeof iss === 'string' ? this.operators.get(iss) : undefined;
    if (!keys) throw unauthorized('the assertion is not from a trusted operator');
    try {
      const { payload } = await jwtVerify(m[1]!, keys, {
        issuer: iss as string,
        audience: this.audience,
        typ: CITIZEN_TYP,
        maxTokenAge: `${MAX_AGE_S}s`,
        requiredClaims: ['exp', 'iat'],
        algorithms: ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'],
      });
      if (
        payload.identifier_type !== this.identifierType ||
        typeof payload.identifier !== 'string' ||
        !/^[A-Za-z0-9+\-_.:]{1,64}$/.test(payload.identifier)
      ) {
        throw new Error('identifier');
      }
      return payload.identifier;
    } catch {
      throw unauthorized('the citizen assertion does not verify');
    }
  }
}
