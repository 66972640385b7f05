/**
 * The store's envelope encryption, on Node's crypto only: each person's documents are
 * sealed with AES-256-GCM under that person's data key; the data key is wrapped
 * (AES-256-GCM again) by a key-encryption key (KEK) from configuration. Associated data
 * binds every ciphertext to where it belongs, so rows cannot be swapped between people,
 * categories, versions or KEKs without failing authentication.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ProblemError } from '../shared/errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One key-encryption key. */
export interface Kek {
  id: string;
  key: Buffer;
}

/** The configured KEKs; the first wraps new and re-wrapped keys, the others only unwrap. */
export class Keyring {
  readonly current: Kek;
  private readonly byId: Map<string, Kek>;

  constructor(keks: Array<{ id: string; key: string }>) {
    if (keks.length === 0) throw new Error('at least one key-encryption key is needed');
    const parsed = keks.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
    for (const k of parsed) if (k.key.length !== 32) throw new Error(`key-encryption key ${k.id} is not 32 bytes`);
    this.current = parsed[0]!;
    this.byId = new Map(parsed.map((k) => [k.id, k]));
  }

  /** The KEK with this id; a 503 problem when it is not configured (e.g. removed too early). */
  get(id: string): Kek {
    const kek = this.byId.get(id);
    if (!kek) throw new ProblemError(503, 'key_unavailable', 'a key-encryption key this store needs is not configured');
    return kek;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}

/** Encrypts with AES-256-GCM; the result is iv ‖ tag ‖ ciphertext. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

/** Decrypts what {@link seal} produced; throws when the key, data or associated data differ. */
export function open(key: Buffer, sealed: Uint8Array, aad: string): Buffer {
  const buf = Buffer.from(sealed);
  if (buf.length < IV_BYTES + TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** A fresh 256-bit key. */
export function newKey(): Buffer {
  return randomBytes(32);
}

/** Associated data of a wrapped data key: whose key it is and under which KEK. */
export function dataKeyAad(subject: string, kekId: string): string {
  return `portti-pds/data-key/v1|${subject}|${kekId}`;
}

/** Associated data of a document version. */
export function documentAad(subject: string, category: string, version: number): string {
  return `portti-pds/document/v1|${subject}|${category}|${version}`;
}

/** Derives a purpose-specific key from the store's master secret (HKDF-SHA256). */
export function deriveKey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `portti-pds/${info}`, 32));
}

/** HMAC-SHA256 as hex: keyed hashes of identifiers and pairwise pseudonyms. */
export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
