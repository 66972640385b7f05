/**
 * C2SP tlog-cosignature, the Ed25519 `cosignature/v1` type (signature type 0x04): a witness's
 * timestamped statement that, as of that time, this checkpoint is the largest consistent tree
 * it has seen for the log. The signed message is "cosignature/v1\ntime <t>\n" followed by the
 * whole checkpoint text; the signature is the 8-byte big-endian timestamp (POSIX seconds) and
 * the 64-byte Ed25519 signature. The key ID commits to type 0x04, so a witness key never
 * verifies as a plain note key and the other way round.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { checkKeyName, NoteError } from './note.ts';
import { ed25519PublicKey, ed25519RawPublicKey, noteKeyId, SIGNATURE_TYPE, type NoteKey, type NoteKeyPair } from './note-keys.ts';

/** Bytes in a cosignature/v1 signature: timestamp (8) and Ed25519 signature (64). */
export const COSIGNATURE_SIZE = 72;

const utf8 = new TextEncoder();

/** The message a cosignature/v1 signs for the checkpoint text `text` at `timestamp`. */
export function cosignatureMessage(text: Uint8Array, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`not a cosignature timestamp: ${timestamp}`);
  const header = utf8.encode(`cosignature/v1\ntime ${timestamp}\n`);
  const out = new Uint8Array(header.length + text.length);
  out.set(header, 0);
  out.set(text, header.length);
  return out;
}

/**
 * The timestamp (POSIX seconds) of a cosignature/v1 signature (the bytes after the key ID).
 * Throws `malformed_note` for a wrong length or a time beyond 2^53 (the spec allows 2^63 - 1;
 * no real clock gets there).
 */
export function cosignatureTimestamp(signature: Uint8Array): number {
  if (signature.length !== COSIGNATURE_SIZE)
    throw new NoteError('malformed_note', `a cosignature/v1 has ${COSIGNATURE_SIZE} bytes, got ${signature.length}`);
  const t = Buffer.from(signature.buffer, signature.byteOffset, 8).readBigUInt64BE(0);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError('malformed_note', `cosignature timestamp ${t} is out of range`);
  return Number(t);
}

/** Verifies cosignature/v1 signatures of the witness `name` with its Ed25519 public key (object or 32 raw bytes). */
export function cosignatureVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteKey {
  checkKeyName(name);
  const key = publicKey instanceof Uint8Array ? ed25519PublicKey(publicKey) : publicKey;
  const raw = ed25519RawPublicKey(key);
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE.cosignatureV1, raw),
    type: SIGNATURE_TYPE.cosignatureV1,
    publicKey: raw,
    verify: (text, signature) => {
      if (signature.length !== COSIGNATURE_SIZE) return false;
      const t = Buffer.from(signature.buffer, signature.byteOffset, 8).readBigUInt64BE(0);
      if (t > BigInt(Number.MAX_SAFE_INTEGER)) return false;
      return verify(null, cosignatureMessage(text, Number(t)), key, signature.subarray(8));
    },
  };
}

/**
 * Cosigns checkpoints as the witness `name` with its Ed25519 private key; `clock` gives the
 * time in POSIX seconds (default: now).
 */
export function cosignatureSigner(
  name: string,
  privateKey: KeyObject,
  clock: () => number = () => Math.floor(Date.now() / 1000),
): NoteKeyPair {
  const verifier = cosignatureVerifier(name, createPublicKey(privateKey));
  return {
    name,
    keyId: verifier.keyId,
    verifier,
    sign: (text) => {
      const timestamp = clock();
      const out = Buffer.alloc(COSIGNATURE_SIZE);
      out.writeBigUInt64BE(BigInt(timestamp), 0);
      out.set(sign(null, cosignatureMessage(text, timestamp), privateKey), 8);
      return out;
    },
  };
}
