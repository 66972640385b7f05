/**
 * C2SP signed-note (c2sp.org/signed-note), pure: a UTF-8 text ending in a newline, a blank line,
 * then signature lines `— <key name> <base64(key ID (4 bytes, big-endian) || signature)>`.
 * Parsing is strict (any deviation is a `NoteError` naming it); opening verifies the signatures
 * of known keys (name and key ID both match), ignores unknown ones, rejects the note when a known
 * key's signature fails or when no known key signed; signing adds or replaces signatures, so one
 * note carries a log's signature and its witnesses' cosignatures. Key types are in note-keys.ts.
 */

/** Why a note, key or checkpoint was refused; callers branch on it. */
export type NoteErrorCode = 'malformed_note' | 'malformed_key' | 'malformed_checkpoint' | 'unverified_note' | 'invalid_signature';

/** A refused note, key or checkpoint, with a stable code and a message that says what is wrong. */
export class NoteError extends Error {
  /** The stable reason. */
  readonly code: NoteErrorCode;
  constructor(code: NoteErrorCode, message: string) {
    super(message);
    this.name = 'NoteError';
    this.code = code;
  }
}

/** One signature line: the key name, the 32-bit key ID and the signature bytes (after the ID). */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

/** A parsed (not yet verified) note. */
export interface Note {
  /** The signed text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

/** A key that checks signatures of one name and key ID. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Whether `signature` (without the key ID) signs `text` (the note text's UTF-8 bytes). */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** A key that signs notes under one name and key ID. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** The signature (without the key ID) over `text` (the note text's UTF-8 bytes). */
  sign(text: Uint8Array): Uint8Array;
}

/** A note whose signatures were checked. */
export interface OpenedNote {
  text: string;
  /** Signatures of known keys, each verified (duplicates dropped). */
  verified: NoteSignature[];
  /** Signatures of keys not given to `openNote`, kept as they are. */
  unverified: NoteSignature[];
}

/** More signatures than this make a note malformed (the spec asks for at least 16). */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';
const SPACES = /[\s\u0085]/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextEncoder();

/** Decodes standard, padded, canonical base64 (RFC 4648 §4); undefined for anything else. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Encodes standard padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A key name as signed-note allows it: non-empty, with no Unicode space and no `+`. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && name.isWellFormed() && !SPACES.test(name) && !name.includes('+');
}

/** Throws `malformed_key` unless `name` is a valid key name (for keys, signers and verifiers). */
export function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new NoteError('malformed_key', `invalid key name: ${JSON.stringify(name)}`);
}

/** Throws `code` unless `text` is well-formed UTF-16 (so UTF-8 on the wire) with no control character but newline. */
export function checkNoteCharacters(text: string, code: NoteErrorCode): void {
  if (!text.isWellFormed()) throw new NoteError(code, 'the note is not valid UTF-8 (it holds a lone surrogate)');
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteError(code, `control character U+${c.toString(16).padStart(4, '0')} at offset ${i}`);
  }
}

function decodeMessage(message: string | Uint8Array): string {
  if (typeof message === 'string') return message;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(message);
  } catch {
    throw new NoteError('malformed_note', 'the note is not valid UTF-8');
  }
}

/** Parses one signature line (without its newline). */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw new NoteError('malformed_note', `a signature line must start with "— ": ${JSON.stringify(line)}`);
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (!isValidKeyName(name)) throw new NoteError('malformed_note', `invalid key name in signature line: ${JSON.stringify(name)}`);
  const raw = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
  if (raw === undefined) throw new NoteError('malformed_note', `the signature of ${name} is not canonical base64`);
  if (raw.length < 5) throw new NoteError('malformed_note', `the signature of ${name} is shorter than a key ID and one byte`);
  const keyId = Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0);
  return { name, keyId, signature: raw.subarray(4) };
}

/** Formats one signature line, with its newline. */
export function formatSignatureLine(sig: NoteSignature): string {
  const raw = Buffer.alloc(4 + sig.signature.length);
  raw.writeUInt32BE(sig.keyId, 0);
  raw.set(sig.signature, 4);
  return `${SIG_PREFIX}${sig.name} ${raw.toString('base64')}\n`;
}

/** Parses signature lines (each ending in a newline), e.g. a witness's add-checkpoint response. */
export function parseSignatureLines(block: string): NoteSignature[] {
  if (block.length === 0) throw new NoteError('malformed_note', 'no signature lines');
  if (!block.endsWith('\n')) throw new NoteError('malformed_note', 'the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('malformed_note', `more than ${MAX_SIGNATURES} signatures`);
  return lines.map(parseSignatureLine);
}

/** Parses a signed note strictly, without verifying it. */
export function parseNote(message: string | Uint8Array): Note {
  const msg = decodeMessage(message);
  checkNoteCharacters(msg, 'malformed_note');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed_note', 'no blank line between the text and the signatures');
  return { text: msg.slice(0, split + 1), signatures: parseSignatureLines(msg.slice(split + 2)) };
}

/** Formats a note: text, blank line, signature lines. */
export function formatNote(note: Note): string {
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

const keyOf = (s: { name: string; keyId: number }): string => `${s.name}\n${s.keyId}`;

/**
 * Parses and verifies a note against known keys. Throws `invalid_signature` when a known key's
 * signature does not verify and `unverified_note` when no known key signed it.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const note = parseNote(message);
  const text = utf8.encode(note.text);
  const known = new Map(verifiers.map((v) => [keyOf(v), v] as const));
  const seen = new Set<string>();
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const verifier = known.get(keyOf(sig));
    if (verifier === undefined) {
      unverified.push(sig);
      continue;
    }
    if (seen.has(keyOf(sig))) continue;
    seen.add(keyOf(sig));
    if (!verifier.verify(text, sig.signature)) {
      throw new NoteError(
        'invalid_signature',
        `the signature of ${sig.name} (key ID ${sig.keyId.toString(16).padStart(8, '0')}) does not verify`,
      );
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    const names = note.signatures.map((s) => s.name).join(', ');
    throw new NoteError('unverified_note', `no signature from a known key (signed by ${names})`);
  }
  return { text: note.text, verified, unverified };
}

/** Puts `added` signatures after `kept` ones, a new signature replacing a kept one of the same name and key ID. */
export function mergeSignatures(kept: readonly NoteSignature[], added: readonly NoteSignature[]): NoteSignature[] {
  const replaced = new Set(added.map(keyOf));
  return [...kept.filter((s) => !replaced.has(keyOf(s))), ...added];
}

/**
 * Signs `text` (which must end in a newline) with each signer; `kept` signatures (e.g. the log's,
 * when a witness cosigns) stay before the new ones unless a signer replaces them.
 */
export function signNote(text: string, signers: readonly NoteSigner[], kept: readonly NoteSignature[] = []): string {
  checkNoteCharacters(text, 'malformed_note');
  if (!text.endsWith('\n')) throw new NoteError('malformed_note', 'the note text must end with a newline');
  const bytes = utf8.encode(text);
  const added = signers.map((s) => {
    checkKeyName(s.name);
    return { name: s.name, keyId: s.keyId, signature: s.sign(bytes) };
  });
  const signatures = mergeSignatures(kept, added);
  if (signatures.length === 0) throw new NoteError('malformed_note', 'a note needs at least one signature');
  return formatNote({ text, signatures });
}
