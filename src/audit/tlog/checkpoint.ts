/**
 * C2SP tlog-checkpoint: a signed note whose text is the log's origin, its tree size in decimal
 * (no leading zeros), its RFC 9162 root hash in base64, then optional non-empty extension lines.
 * Parsed strictly (each deviation is a `NoteError` with code `malformed_checkpoint` naming it),
 * signed by the log (its key name should be the origin) and cosigned by witnesses on the same note.
 */
import { HASH_SIZE, type Hash } from './merkle.ts';
import {
  checkNoteCharacters,
  decodeBase64,
  encodeBase64,
  NoteError,
  openNote,
  parseNote,
  signNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.ts';

/** A log's signed statement of its tree: which log, how many leaves, which root. */
export interface Checkpoint {
  /** The log's identity, e.g. `gateway.example/log/instance-1`. */
  origin: string;
  size: number;
  rootHash: Hash;
  /** Opaque lines after the root hash (NOT RECOMMENDED by the spec; empty for Portti's logs). */
  extensions: readonly string[];
}

/** A checkpoint together with the note it came in, its signatures checked. */
export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  note: OpenedNote;
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

const malformed = (message: string): NoteError => new NoteError('malformed_checkpoint', message);

/** The checkpoint's note text (ending in a newline). */
export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin.length === 0 || c.origin.includes('\n')) throw malformed('the origin must be one non-empty line');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw malformed(`not a tree size: ${c.size}`);
  if (c.rootHash.length !== HASH_SIZE) throw malformed(`the root hash has ${HASH_SIZE} bytes, got ${c.rootHash.length}`);
  if (c.extensions.some((l) => l.length === 0 || l.includes('\n'))) throw malformed('extension lines must be non-empty single lines');
  const text = [c.origin, String(c.size), encodeBase64(c.rootHash), ...c.extensions].join('\n') + '\n';
  checkNoteCharacters(text, 'malformed_checkpoint');
  return text;
}

/** Parses a checkpoint's note text strictly. */
export function parseCheckpoint(text: string): Checkpoint {
  checkNoteCharacters(text, 'malformed_checkpoint');
  if (!text.endsWith('\n')) throw malformed('the checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed(`a checkpoint has at least 3 lines (origin, size, root hash), got ${lines.length}`);
  const empty = lines.findIndex((l) => l.length === 0);
  if (empty >= 0) throw malformed(`line ${empty + 1} of the checkpoint is empty`);
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeLine))
    throw malformed(`the tree size must be a decimal number without leading zeros, got ${JSON.stringify(sizeLine)}`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed(`the tree size ${sizeLine} is beyond 2^53`);
  const rootHash = decodeBase64(rootLine);
  if (rootHash === undefined) throw malformed(`the root hash is not canonical base64: ${JSON.stringify(rootLine)}`);
  if (rootHash.length !== HASH_SIZE) throw malformed(`the root hash has ${HASH_SIZE} bytes, got ${rootHash.length}`);
  return { origin, size, rootHash, extensions };
}

/** Signs a checkpoint into a note; `kept` signatures (e.g. earlier cosignatures of the same text) stay. */
export function signCheckpoint(c: Checkpoint, signers: readonly NoteSigner[], kept: readonly NoteSignature[] = []): string {
  return signNote(formatCheckpoint(c), signers, kept);
}

/** Parses a checkpoint note without verifying any signature (e.g. to find which log's keys to use). */
export function peekCheckpoint(message: string | Uint8Array): Checkpoint {
  return parseCheckpoint(parseNote(message).text);
}

/**
 * Opens a checkpoint note: verifies it against the known keys (log keys and witness keys alike;
 * see `openNote` for the rules) and parses its text. Which keys must be among `verified` (the
 * log's, a quorum of witnesses) is the caller's policy.
 */
export function openCheckpoint(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedCheckpoint {
  const note = openNote(message, verifiers);
  return { checkpoint: parseCheckpoint(note.text), note };
}

/** Whether a verified signature of each named key is on the opened note. */
export function signedByAll(opened: OpenedCheckpoint, keys: readonly { name: string; keyId: number }[]): boolean {
  return keys.every((k) => opened.note.verified.some((s) => s.name === k.name && s.keyId === k.keyId));
}
