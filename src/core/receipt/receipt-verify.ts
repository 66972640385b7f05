/**
 * Checking a consent receipt against keys the caller trusts — the issuer's published key set,
 * found by the caller (`portti receipt verify` asks the issuer's metadata). The answer is
 * `valid`, `invalid` (altered, not a receipt, or signed by a key that is not the one its `kid`
 * names) or `unverified` (no key of the issuer to check it with). A key the receipt brings
 * along (`jwk`, `x5c`, `jku`, `x5u` in its header) is never used: anyone can put one there.
 */
import {
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  type CompactVerifyGetKey,
  type JWK,
  type ProtectedHeaderParameters,
} from 'jose';

export const RECEIPT_JWS_TYP = 'consent-receipt+jws';

/** Signature algorithms receipts may use: asymmetric only. */
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];
/** Header parameters that carry or point at a key of the signer's own choosing. */
const EMBEDDED_KEY_PARAMS = ['jwk', 'x5c', 'jku', 'x5u'] as const;

/** What a receipt says about itself (this format, and the earlier `receipt-full` one). */
export interface ReceiptSummary {
  receipt_id: string | undefined;
  record_id: string | undefined;
  /** The record's status (a DPV status IRI in this format). */
  status: string | undefined;
  issuer: string | undefined;
  created: string | undefined;
}

/** The outcome of {@link verifyReceipt}. */
export type ReceiptVerdict =
  | { outcome: 'valid'; receipt: Record<string, unknown>; summary: ReceiptSummary; kid: string | undefined; alg: string }
  | { outcome: 'invalid' | 'unverified'; reason: string };

/** A receipt read without checking its signature: only good for knowing whose keys to ask for. */
export interface UnverifiedReceipt {
  header: ProtectedHeaderParameters;
  summary: ReceiptSummary;
  /** The header carries a key (or a link to one) of its own, which is ignored. */
  embeddedKey: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The receipt's own identifiers, status and issuer. */
export function receiptSummary(doc: Record<string, unknown>): ReceiptSummary {
  const record = (doc['dpv:hasRecordOfActivity'] ?? {}) as Record<string, unknown>;
  const legacy = doc as {
    receipt_id?: unknown;
    record_id?: unknown;
    status?: unknown;
    operator?: { issuer?: unknown };
    issued_at?: unknown;
  };
  return {
    receipt_id: str(doc['dct:identifier']) ?? str(legacy.receipt_id),
    record_id: str(record['dct:identifier']) ?? str(legacy.record_id),
    status: str(record['dpv:hasStatus']) ?? str(legacy.status),
    issuer: str(doc['dct:publisher']) ?? str(legacy.operator?.issuer),
    created: str(doc['dct:created']) ?? str(legacy.issued_at),
  };
}

/** Reads a receipt's header and payload without verifying; a string says why it is no receipt. */
export function inspectReceipt(jws: string): UnverifiedReceipt | string {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return 'it is not a compact JWS (three dot-separated parts)';
  let header: ProtectedHeaderParameters;
  let doc: unknown;
  try {
    header = decodeProtectedHeader(jws.trim());
    doc = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return 'its header or payload is not base64url-encoded JSON';
  }
  if (header.typ !== RECEIPT_JWS_TYP) return `it is not a consent receipt (typ ${String(header.typ)}, expected ${RECEIPT_JWS_TYP})`;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'its payload is not a JSON object';
  return {
    header,
    summary: receiptSummary(doc as Record<string, unknown>),
    embeddedKey: EMBEDDED_KEY_PARAMS.some((p) => p in header),
  };
}

/** compactVerify, trying each candidate when several published keys match the header. */
async function verifyWith(jws: string, getKey: CompactVerifyGetKey) {
  try {
    return await compactVerify(jws, getKey, { algorithms: ALGORITHMS });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
    for await (const key of err as AsyncIterable<CryptoKey>) {
      try {
        return await compactVerify(jws, key, { algorithms: ALGORITHMS });
      } catch {
        // the next candidate
      }
    }
    throw Object.assign(new Error('no published key verifies the signature'), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  }
}

/** Why verification failed, as the user should read it. */
function failure(err: unknown, r: UnverifiedReceipt, keysFrom: string): Extract<ReceiptVerdict, { outcome: 'invalid' | 'unverified' }> {
  const code = (err as { code?: string }).code;
  const kid = r.header.kid === undefined ? 'without a kid' : `"${r.header.kid}"`;
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': {
      const own = r.embeddedKey ? '; the key it carries in its own header was not trusted' : '';
      return {
        outcome: 'invalid',
        reason: `the signature does not verify with key ${kid} from ${keysFrom}${own}: altered, or signed by someone else`,
      };
    }
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { outcome: 'unverified', reason: `${keysFrom} has no key ${kid} for ${String(r.header.alg)} to check it with` };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { outcome: 'invalid', reason: `the signature uses ${String(r.header.alg)}, which receipts do not use` };
    case 'ERR_JWS_INVALID':
      return { outcome: 'invalid', reason: 'the JWS is not well-formed' };
    default: {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = [(err as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(': ');
      return { outcome: 'unverified', reason: `the keys at ${keysFrom} could not be used (${detail})` };
    }
  }
}

/**
 * Verifies a receipt with `keys` — a JWKS, or a key lookup such as jose's `createRemoteJWKSet`
 * over the issuer's `jwks_uri`. `keysFrom` names where the keys came from, for the reasons.
 */
export async function verifyReceipt(
  jws: string,
  keys: { keys: JWK[] } | CompactVerifyGetKey,
  keysFrom = 'the given keys',
): Promise<ReceiptVerdict> {
  const inspected = inspectReceipt(jws);
  if (typeof inspected === 'string') return { outcome: 'invalid', reason: inspected };
  let getKey: CompactVerifyGetKey;
  try {
    getKey = typeof keys === 'function' ? keys : createLocalJWKSet(keys);
  } catch (err) {
    return { outcome: 'unverified', reason: `${keysFrom} is not a usable JWKS (${(err as Error).message})` };
  }
  let verified;
  try {
    verified = await verifyWith(jws.trim(), getKey);
  } catch (err) {
    return failure(err, inspected, keysFrom);
  }
  const receipt = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  return {
    outcome: 'valid',
    receipt,
    summary: receiptSummary(receipt),
    kid: verified.protectedHeader.kid,
    alg: verified.protectedHeader.alg,
  };
}
