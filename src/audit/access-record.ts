/**
 * The access record (PROFILE shape) and its place in the log: a record is leaf `seq - 1` of its
 * gateway instance's RFC 9162 Merkle tree, and the leaf is the record's JSON exactly as stored
 * and reported (the bytes of `body`), so anyone holding the body, an inclusion proof and a
 * signed checkpoint can check that the record is in the log the gateway committed to.
 */
import { leafHash, type Hash } from './tlog/merkle.ts';
import { decodeBase64 } from './tlog/note.ts';

export type AccessOutcome = 'allowed' | 'refused' | 'error';

/** One decision of a gateway, as logged, reported to the operator and shown to the citizen. */
export interface AccessRecord {
  access_id: string;
  time: string;
  /** The gateway instance whose log this record is in, and its 1-based position there. */
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
}

/** The leaf hash of a stored record body (its UTF-8 bytes). */
export function recordLeafHash(body: string): Hash {
  return leafHash(Buffer.from(body, 'utf8'));
}

/**
 * An inclusion proof of one record as reported to the operator: leaf `index` in the tree of
 * `size` leaves whose checkpoint (log-signed, witness-cosigned) is `checkpoint`.
 */
export interface RecordProof {
  origin: string;
  index: number;
  size: number;
  /** Base64 SHA-256 hashes, nearest the leaf first (RFC 9162 order). */
  hashes: string[];
}

/** A proof's base64 hashes as bytes, or undefined when one is not a canonical base64 SHA-256 hash. */
export function proofHashes(hashes: readonly string[]): Hash[] | undefined {
  const out = hashes.map(decodeBase64);
  return out.every((h): h is Uint8Array => h !== undefined && h.length === 32) ? out : undefined;
}
