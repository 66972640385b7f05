/**
 * Note signature keys of C2SP signed-note, on Node's crypto: Ed25519 (signature type 0x01, the
 * spec's own) and ECDSA (type 0x02, as transparency-dev/witness has it: a DER signature over
 * SHA-256 of the text, key ID from the DER SubjectPublicKeyInfo, for logs that already hold a
 * P-256 key). Key IDs are SHA-256(key name || 0x0A || type || public key)[:4], big-endian.
 * Witness cosignatures (type 0x04) are in cosignature.ts; verifier key strings in verifier-key.ts.
 */
import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';
import { checkKeyName, NoteError, type NoteSigner, type NoteVerifier } from './note.ts';

/** The signed-note signature type bytes this module knows. */
export const SIGNATURE_TYPE = { ed25519: 0x01, ecdsa: 0x02, cosignatureV1: 0x04 } as const;

/** One of `SIGNATURE_TYPE`. */
export type SignatureType = (typeof SIGNATURE_TYPE)[keyof typeof SIGNATURE_TYPE];

/** A verifier that also knows its public key, so it can be written as a verifier key string. */
export interface NoteKey extends NoteVerifier {
  readonly type: SignatureType;
  /** The key material of the verifier key: 32 raw bytes for Ed25519 types, DER SPKI for ECDSA. */
  readonly publicKey: Uint8Array;
}

/** A signer paired with the verifier of its public key. */
export interface NoteKeyPair extends NoteSigner {
  readonly verifier: NoteKey;
}

const ECDSA_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

const first4 = (digest: Buffer): number => digest.readUInt32BE(0);

/** The key ID signed-note recommends (and cosignature/v1 requires): SHA-256(name || "\n" || type || key)[:4]. */
export function noteKeyId(name: string, type: SignatureType, publicKey: Uint8Array): number {
  const input = Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(type), publicKey]);
  return first4(hash('sha256', input, 'buffer'));
}

/** The key ID of an ECDSA note key: SHA-256 of its DER SubjectPublicKeyInfo, first 4 bytes. */
export function ecdsaKeyId(spki: Uint8Array): number {
  return first4(hash('sha256', spki, 'buffer'));
}

/** The 32-byte RFC 8032 encoding of an Ed25519 public (or private) key. */
export function ed25519RawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new NoteError('malformed_key', `expected an Ed25519 key, got ${pub.asymmetricKeyType}`);
  const x = pub.export({ format: 'jwk' }).x;
  return Buffer.from(x ?? '', 'base64url');
}

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError('malformed_key', `an Ed25519 public key has 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** An Ed25519 private key from its 32-byte RFC 8032 seed (how signed-note's Go library stores keys). */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new NoteError('malformed_key', `an Ed25519 seed has 32 bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

/** Verifies Ed25519 note signatures (type 0x01) of `name` with `publicKey` (a key object or 32 raw bytes). */
export function ed25519Verifier(name: string, publicKey: KeyObject | Uint8Array): NoteKey {
  checkKeyName(name);
  const key = publicKey instanceof Uint8Array ? ed25519PublicKey(publicKey) : publicKey;
  const raw = ed25519RawPublicKey(key);
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE.ed25519, raw),
    type: SIGNATURE_TYPE.ed25519,
    publicKey: raw,
    verify: (text, signature) => signature.length === 64 && verify(null, text, key, signature),
  };
}

/** Signs notes with an Ed25519 private key (type 0x01) under `name`. */
export function ed25519Signer(name: string, privateKey: KeyObject): NoteKeyPair {
  const verifier = ed25519Verifier(name, createPublicKey(privateKey));
  return { name, keyId: verifier.keyId, verifier, sign: (text) => sign(null, text, privateKey) };
}

function ecdsaPublic(publicKey: KeyObject | Uint8Array): KeyObject {
  try {
    const key = publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }) : publicKey;
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    if (key.asymmetricKeyType === 'ec' && ECDSA_CURVES.includes(curve)) return key;
  } catch {
    // Not a DER SubjectPublicKeyInfo: refused below.
  }
  throw new NoteError('malformed_key', 'an ECDSA note key must be a NIST P-256, P-384 or P-521 public key');
}

/** Verifies ECDSA note signatures (type 0x02) of `name` with `publicKey` (a key object or DER SPKI). */
export function ecdsaVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteKey {
  checkKeyName(name);
  const key = ecdsaPublic(publicKey);
  // The key ID is over the DER as given (transparency-dev computes it that way).
  const spki = publicKey instanceof Uint8Array ? Buffer.from(publicKey) : key.export({ format: 'der', type: 'spki' });
  return {
    name,
    keyId: ecdsaKeyId(spki),
    type: SIGNATURE_TYPE.ecdsa,
    publicKey: spki,
    verify: (text, signature) => {
      try {
        return verify('sha256', text, { key, dsaEncoding: 'der' }, signature);
      } catch {
        return false;
      }
    },
  };
}

/** Signs notes with an ECDSA private key (type 0x02) under `name`. */
export function ecdsaSigner(name: string, privateKey: KeyObject): NoteKeyPair {
  const verifier = ecdsaVerifier(name, createPublicKey(privateKey));
  return { name, keyId: verifier.keyId, verifier, sign: (text) => sign('sha256', text, { key: privateKey, dsaEncoding: 'der' }) };
}
