/**
 * Software statements (RFC 7591 §2.3): a JWT (`typ: software-statement+jwt`) signed by a trust
 * group's governance key, `iss` the group id, naming one service (`software_id`, its definition
 * with data agreement and keys in `service`). Every operator of the group accepts a dynamic
 * client registration only with one that verifies against the group's governance keys.
 */
import { createLocalJWKSet, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const SOFTWARE_STATEMENT_TYP = 'software-statement+jwt';

/** What a verified statement says: the group, the service's id and its definition (checked by the operator). */
export interface SoftwareStatementClaims extends JWTPayload {
  iss: string;
  software_id: string;
  /** The service definition as a registry document names it (client_id left out: it is `software_id`). */
  service: Record<string, unknown>;
}

/** Raised for a statement that must not be trusted; `message` says why. */
export class SoftwareStatementError extends Error {
  override readonly name = 'SoftwareStatementError';
}

/**
 * Signs a software statement for `service` in the group `groupId`, valid for `ttlS` seconds.
 * @example await issueSoftwareStatement({ groupId, softwareId: 'fees', service, key, ttlS: 86400 * 365 })
 */
export async function issueSoftwareStatement(o: {
  groupId: string;
  softwareId: string;
  service: Record<string, unknown>;
  key: { privateKey: CryptoKey; alg: string; kid: string };
  ttlS: number;
  now?: number;
}): Promise<string> {
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  return new SignJWT({ software_id: o.softwareId, service: o.service })
    .setProtectedHeader({ alg: o.key.alg, kid: o.key.kid, typ: SOFTWARE_STATEMENT_TYP })
    .setIssuer(o.groupId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlS)
    .sign(o.key.privateKey);
}

/**
 * Verifies a statement with the group's governance JWKS: signature, `typ`, `iss` = the group id,
 * `exp` (required) and `iat`, and the shape of its claims.
 * Throws {@link SoftwareStatementError} for a forged, expired, other group's or malformed statement.
 */
export async function verifySoftwareStatement(
  jwt: string,
  group: { groupId: string; jwks: { keys: JWK[] } },
  now = Date.now(),
): Promise<SoftwareStatementClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, createLocalJWKSet(group.jwks), {
      issuer: group.groupId,
      typ: SOFTWARE_STATEMENT_TYP,
      requiredClaims: ['exp', 'iat', 'software_id'],
      currentDate: new Date(now),
      clockTolerance: 30,
    }));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new SoftwareStatementError('the software statement has expired');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new SoftwareStatementError(`the software statement ${(err as Error).message}`);
    throw new SoftwareStatementError('the software statement is not signed by this trust group');
  }
  const { software_id: softwareId, service } = payload as Partial<SoftwareStatementClaims>;
  if (typeof softwareId !== 'string' || softwareId.length === 0) throw new SoftwareStatementError('software_id is missing');
  if (typeof service !== 'object' || service === null || Array.isArray(service))
    throw new SoftwareStatementError('the software statement names no service');
  return payload as SoftwareStatementClaims;
}
