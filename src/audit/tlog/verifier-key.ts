/**
 * signed-note verifier keys ("vkeys"): `<key name>+<hex(key ID)>+<base64(type || public key)>`,
 * the one-line form in which a log's or a witness's public key is configured and published.
 * Parsing is strict: the name must be a valid key name, the ID eight hex digits equal to the ID
 * computed from the key, the type one this code verifies (Ed25519 0x01, ECDSA 0x02,
 * cosignature/v1 0x04) and the key material the right shape for it.
 */
import { cosignatureVerifier } from './cosignature.ts';
import { checkKeyName, decodeBase64, encodeBase64, NoteError } from './note.ts';
import { ecdsaVerifier, ed25519Verifier, SIGNATURE_TYPE, type NoteKey } from './note-keys.ts';

const HEX_ID = /^[0-9a-fA-F]{8}$/;

/** Formats a verifier key string for a note key. */
export function formatVerifierKey(key: NoteKey): string {
  const material = new Uint8Array(1 + key.publicKey.length);
  material[0] = key.type;
  material.set(key.publicKey, 1);
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}+${encodeBase64(material)}`;
}

function build(name: string, type: number, material: Uint8Array): NoteKey {
  switch (type) {
    case SIGNATURE_TYPE.ed25519:
      return ed25519Verifier(name, material);
    case SIGNATURE_TYPE.ecdsa:
      return ecdsaVerifier(name, material);
    case SIGNATURE_TYPE.cosignatureV1:
      return cosignatureVerifier(name, material);
    default:
      throw new NoteError('malformed_key', `unsupported signature type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** Parses a verifier key string into a note key that verifies signatures. */
export function parseVerifierKey(vkey: string): NoteKey {
  // The name and the ID hold no "+"; the base64 key may.
  const [name, id, ...rest] = vkey.split('+');
  if (name === undefined || id === undefined || rest.length === 0) {
    throw new NoteError('malformed_key', 'a verifier key is <name>+<key ID in hex>+<base64 key>');
  }
  const b64 = rest.join('+');
  checkKeyName(name);
  if (!HEX_ID.test(id)) throw new NoteError('malformed_key', `the key ID must be 8 hex digits, got ${JSON.stringify(id)}`);
  const raw = decodeBase64(b64);
  if (raw === undefined || raw.length < 2)
    throw new NoteError('malformed_key', 'the key is not canonical base64 of a type byte and key material');
  const key = build(name, raw[0] as number, raw.subarray(1));
  if (key.keyId !== Number.parseInt(id, 16)) {
    throw new NoteError('malformed_key', `the key ID ${id} does not match the key (expected ${key.keyId.toString(16).padStart(8, '0')})`);
  }
  return key;
}
