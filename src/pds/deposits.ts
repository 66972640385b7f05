/**
 * Verified deposits: a configured depositor (a register or service with a deposit
 * agreement) sends a document signed as a compact JWS (`typ: pds-deposit+jwt`). The store
 * checks, in this order: the JWS parses; the depositor is configured; the signature
 * verifies against the depositor's own keys; the category is in its agreement; the
 * content is well formed. Each refusal is a problem+json with its own code.
 */
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { PersonalDataStoreConfig } from '../shared/config.schema.ts';
import { ProblemError } from '../shared/errors.ts';

/** JWS `typ` of a signed deposit. */
export const DEPOSIT_TYP = 'pds-deposit+jwt';
/** Asymmetric algorithms only: a shared secret could not prove who deposited. */
const ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];
const IDENTIFIER = /^[A-Za-z0-9+\-_.:]{1,64}$/;
const POINTER = /^(\/([^~/]|~[01])*)+$/;

/** A verified deposit. */
export interface Deposit {
  depositor: string;
  identifier: string;
  category: string;
  document: Record<string, unknown>;
  correctable: string[];
  /** When the depositor signed it (epoch ms). */
  issued_at: number;
  jws: string;
}

type DepositorConfig = PersonalDataStoreConfig['depositors'][number];

/** Verifies deposits for one store. */
export class DepositVerifier {
  private readonly depositors: Map<string, { config: DepositorConfig; keys: JWTVerifyGetKey }>;
  private readonly identifierType: string;

  constructor(config: Pick<PersonalDataStoreConfig, 'depositors' | 'identifier_type'>) {
    this.identifierType = config.identifier_type;
    this.depositors = new Map(config.depositors.map((d) => [d.id, { config: d, keys: keySet(d) }]));
  }

  /** The depositor's configuration, for display names. */
  depositor(id: string): DepositorConfig | undefined {
    return this.depositors.get(id)?.config;
  }

  /** Verifies a compact JWS; throws a {@link ProblemError} naming what is wrong. */
  async verify(jws: string): Promise<Deposit> {
    let iss: unknown;
    try {
      if (decodeProtectedHeader(jws).typ !== DEPOSIT_TYP) throw new Error('typ');
      iss = decodeJwt(jws).iss;
    } catch {
      throw new ProblemError(400, 'invalid_deposit', `a deposit is a compact JWS with typ ${DEPOSIT_TYP}`);
    }
    const entry = typeof iss === 'string' ? this.depositors.get(iss) : undefined;
    if (!entry) throw new ProblemError(403, 'unknown_depositor', 'the deposit names no depositor this store has an agreement with');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(jws, entry.keys, {
        issuer: entry.config.id,
        typ: DEPOSIT_TYP,
        algorithms: ALGORITHMS,
        requiredClaims: ['iat'],
        clockTolerance: 60,
      }));
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      if (err instanceof joseErrors.JOSEError && err.code === 'ERR_JWKS_TIMEOUT')
        throw new ProblemError(503, 'upstream_unavailable', "the depositor's keys could not be fetched");
      throw new ProblemError(401, 'invalid_deposit', "the deposit signature does not verify with the depositor's keys");
    }
    return this.content(entry.config, payload, jws);
  }

  private content(depositor: DepositorConfig, p: Record<string, unknown>, jws: string): Deposit {
    const bad = (why: string) => new ProblemError(400, 'invalid_deposit', why);
    if (p.identifier_type !== this.identifierType) throw bad(`identifier_type must be ${this.identifierType}`);
    if (typeof p.identifier !== 'string' || !IDENTIFIER.test(p.identifier)) throw bad('identifier is missing or malformed');
    if (typeof p.category !== 'string') throw bad('category is missing');
    if (!depositor.categories.includes(p.category))
      throw new ProblemError(403, 'category_not_allowed', `${depositor.id} may not deposit category ${p.category}`);
    if (typeof p.document !== 'object' || p.document === null || Array.isArray(p.document)) throw bad('document must be a JSON object');
    if ('_provenance' in p.document) throw bad('_provenance is reserved for the store');
    const correctable = p.correctable ?? [];
    if (!Array.isArray(correctable) || correctable.some((c) => typeof c !== 'string' || !POINTER.test(c) || c.length > 200))
      throw bad('correctable must be a list of JSON pointers');
    return {
      depositor: depositor.id,
      identifier: p.identifier,
      category: p.category,
      document: p.document as Record<string, unknown>,
      correctable: correctable as string[],
      issued_at: Number(p.iat) * 1000,
      jws,
    };
  }
}

function keySet(d: DepositorConfig): JWTVerifyGetKey {
  if (d.jwks_url) return createRemoteJWKSet(new URL(d.jwks_url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  // read on first use, so a file written after start-up (the demo's) is found
  let local: JWTVerifyGetKey | undefined;
  return (header, token) => {
    if (!local) {
      try {
        local = createLocalJWKSet(JSON.parse(readFileSync(d.jwks_file!, 'utf8')) as { keys: [] });
      } catch {
        throw new ProblemError(503, 'upstream_unavailable', "the depositor's keys are not available to this store");
      }
    }
    return local(header, token);
  };
}
