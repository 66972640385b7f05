/**
 * The access record (PROFILE shape) and its hash: SHA-256 over the RFC 8785 canonical
 * JSON of every field but `hash`. `prev_hash` links each record to the one before it in
 * the same chain, so a modified, deleted or reordered record breaks the chain.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS (`module.exports = serialize`); its typings declare an ES default.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

export type AccessOutcome = 'allowed' | 'refused' | 'error';

/** One decision of a gateway, as logged, reported to the operator and shown to the citizen. */
export interface AccessRecord {
  access_id: string;
  time: string;
  /** Gateway chain this record belongs to, and its position in it. */
  chain: string;
  seq: number;
  iss: string | null;
  client_id: string | null;
  consent_record_id: string | null;
  /** Source resource URI. */
  source: string;
  operation: string | null;
  datatypes_released: string[];
  purpose: string | null;
  outcome: AccessOutcome;
  status: number;
  /** Problem code for refusals and errors. */
  reason: string | null;
  /** Opaque reference of the data subject inside the consent record (never an identifier). */
  subject_ref: string | null;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Computes the hash of `record` (its `hash` field is ignored). */
export function hashAccessRecord(record: Omit<AccessRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  const canonical = canonicalize(rest);
  if (canonical === undefined) throw new Error('access record is not serialisable');
  return createHash('sha256').update(canonical).digest('hex');
}

/** Result of walking a chain: where it first breaks, if it does. */
export interface ChainVerdict {
  ok: boolean;
  checked: number;
  /** 1-based position in the walk and the record's access id where the chain first breaks. */
  broken_at?: { position: number; seq: number; access_id: string; reason: string };
}

/**
 * Verifies records of one chain given in stored order: each hash recomputes and each
 * `prev_hash` equals the previous record's hash; sequence numbers must increase.
 */
export function verifyChain(records: Iterable<AccessRecord>, startHash = GENESIS_HASH): ChainVerdict {
  let prev = startHash;
  let prevSeq = -Infinity;
  let position = 0;
  for (const r of records) {
    position += 1;
    const fail = (reason: string): ChainVerdict => ({
      ok: false,
      checked: position - 1,
      broken_at: { position, seq: r.seq, access_id: r.access_id, reason },
    });
    if (hashAccessRecord(r) !== r.hash) return fail('record content does not match its hash (modified)');
    if (r.prev_hash !== prev) return fail('prev_hash does not match the previous record (deleted or reordered)');
    if (!(r.seq > prevSeq)) return fail('sequence number out of order (reordered)');
    prev = r.hash;
    prevSeq = r.seq;
  }
  return { ok: true, checked: position };
}
