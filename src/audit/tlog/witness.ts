/**
 * The witness decision of C2SP tlog-witness, pure: given the latest checkpoint a witness holds
 * for a log (or none), a new signed checkpoint and a consistency proof from the old size, accept
 * and cosign only when the log's signature verifies, the tree did not shrink, the old size is the
 * one held, and the proof shows the new tree extends the held one; otherwise a typed refusal with
 * the HTTP status of the spec and whether it is evidence of log misbehaviour (an alarm). Also the
 * add-checkpoint request body, and the log's side: taking verified cosignatures from a response.
 * The caller must read the held state and store the accepted one atomically (compare the size).
 */
import { openCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { EMPTY_ROOT, equalHashes, verifyConsistency, type Hash } from './merkle.ts';
import {
  decodeBase64,
  encodeBase64,
  formatNote,
  formatSignatureLine,
  mergeSignatures,
  NoteError,
  openNote,
  parseNote,
  type NoteSigner,
  type NoteVerifier,
} from './note.ts';

/** Why a witness refused a checkpoint. */
export type WitnessRefusalCode = 'malformed' | 'unknown_log' | 'bad_signature' | 'smaller' | 'conflict' | 'inconsistent' | 'fork';

/** The HTTP status tlog-witness gives each refusal (a smaller tree: 409, as its old size cannot match). */
export const WITNESS_REFUSAL_STATUS = {
  malformed: 400,
  unknown_log: 404,
  bad_signature: 403,
  smaller: 409,
  conflict: 409,
  inconsistent: 422,
  fork: 422,
} as const satisfies Record<WitnessRefusalCode, number>;

/** Whether a refusal is evidence against the log (a validly signed rollback or fork) rather than a stale or bad request. */
export const WITNESS_REFUSAL_ALARM = {
  malformed: false,
  unknown_log: false,
  bad_signature: false,
  smaller: true,
  conflict: false,
  inconsistent: true,
  fork: true,
} as const satisfies Record<WitnessRefusalCode, boolean>;

/** The body of a tlog-witness add-checkpoint request. */
export interface AddCheckpointRequest {
  /** The size of the checkpoint the log believes the witness holds (0 for none). */
  oldSize: number;
  /** The consistency proof from `oldSize` to the new checkpoint's size. */
  proof: Hash[];
  /** The signed checkpoint note. */
  checkpoint: string;
}

/** A log the witness watches: its origin and the keys its checkpoints must be signed with. */
export interface WitnessedLog {
  origin: string;
  keys: readonly NoteVerifier[];
}

/** What a witness keeps per log: the latest checkpoint it cosigned, and that note with its cosignature. */
export interface WitnessState {
  checkpoint: Checkpoint;
  note: string;
}

/** The witness's answer. */
export type WitnessDecision =
  | {
      accepted: true;
      /** The new state to store (atomically, if the held size is still the one decided on). */
      state: WitnessState;
      /** The response body: the witness's cosignature line(s). */
      cosignatures: string;
    }
  | {
      accepted: false;
      code: WitnessRefusalCode;
      status: (typeof WITNESS_REFUSAL_STATUS)[WitnessRefusalCode];
      alarm: boolean;
      detail: string;
      /** For 409: the size of the held checkpoint (the response body, as `text/x.tlog.size`). */
      latestSize?: number;
    };

const OLD = /^old (0|[1-9][0-9]*)$/;
const MAX_PROOF_LINES = 63;

/** Formats an add-checkpoint request body. */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  return `old ${req.oldSize}\n${req.proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${req.checkpoint}`;
}

/** Parses an add-checkpoint request body strictly; a `NoteError` (`malformed_note`) names what is wrong. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new NoteError('malformed_note', 'no blank line after the old size and proof lines');
  const [first, ...lines] = body.slice(0, blank).split('\n');
  const old = OLD.exec(first ?? '');
  if (old === null) throw new NoteError('malformed_note', 'the first line must be "old <size>"');
  if (lines.length > MAX_PROOF_LINES) throw new NoteError('malformed_note', `more than ${MAX_PROOF_LINES} proof lines`);
  const proof = lines.map((line, i) => {
    const h = decodeBase64(line);
    if (h === undefined || h.length !== 32) throw new NoteError('malformed_note', `proof line ${i + 1} is not a base64 SHA-256 hash`);
    return h;
  });
  const oldSize = Number(old[1]);
  if (!Number.isSafeInteger(oldSize)) throw new NoteError('malformed_note', 'the old size is beyond 2^53');
  return { oldSize, proof, checkpoint: body.slice(blank + 2) };
}

type Refusal = Extract<WitnessDecision, { accepted: false }>;

function refuse(code: WitnessRefusalCode, detail: string, latestSize?: number): Refusal {
  const r: Refusal = { accepted: false, code, status: WITNESS_REFUSAL_STATUS[code], alarm: WITNESS_REFUSAL_ALARM[code], detail };
  return latestSize === undefined ? r : { ...r, latestSize };
}

/** The origin line of a checkpoint note, unverified: to look up the log and its held state first. */
export function checkpointOrigin(note: string): string {
  return parseCheckpoint(parseNote(note).text).origin;
}

/** Checks the new checkpoint against the held one; undefined when it may be cosigned. */
function consistencyRefusal(req: AddCheckpointRequest, next: Checkpoint, held: Checkpoint | undefined): Refusal | undefined {
  const heldSize = held?.size ?? 0;
  if (next.size < heldSize)
    return refuse('smaller', `the log signed size ${next.size}, smaller than the ${heldSize} already cosigned`, heldSize);
  if (req.oldSize > next.size) return refuse('malformed', `the old size ${req.oldSize} is larger than the checkpoint's ${next.size}`);
  if (req.oldSize !== heldSize) return refuse('conflict', `the witness holds size ${heldSize}, not ${req.oldSize}`, heldSize);
  if (next.size === 0 && !equalHashes(next.rootHash, EMPTY_ROOT))
    return refuse('inconsistent', 'a tree of size 0 must have the empty root');
  if (held === undefined || heldSize === 0) {
    return req.proof.length === 0 ? undefined : refuse('inconsistent', 'the proof from the empty tree must be empty');
  }
  if (next.size === heldSize) {
    if (!equalHashes(next.rootHash, held.rootHash)) return refuse('fork', `a different root for the same size ${heldSize}: the log forked`);
    return req.proof.length === 0 ? undefined : refuse('inconsistent', 'the proof between equal sizes must be empty');
  }
  if (!verifyConsistency(heldSize, next.size, req.proof, held.rootHash, next.rootHash)) {
    return refuse('inconsistent', `the consistency proof from ${heldSize} to ${next.size} does not verify: a fork or a bad proof`);
  }
  return undefined;
}

/**
 * Decides on an add-checkpoint request. `log` is the watched log of the checkpoint's origin
 * (undefined: not watched), `held` what the witness holds for it, `cosigner` the witness's
 * cosignature/v1 signer. On acceptance, the new state carries the note with the log's signature
 * and this cosignature.
 */
export function witnessCheckpoint(input: {
  request: AddCheckpointRequest;
  log: WitnessedLog | undefined;
  held: WitnessState | undefined;
  cosigner: NoteSigner;
}): WitnessDecision {
  const { request, log, held, cosigner } = input;
  let origin: string;
  try {
    origin = checkpointOrigin(request.checkpoint);
  } catch (e) {
    return refuse('malformed', e instanceof NoteError ? e.message : 'the checkpoint cannot be parsed');
  }
  if (log === undefined || log.origin !== origin) return refuse('unknown_log', `no watched log has origin ${JSON.stringify(origin)}`);
  let opened;
  try {
    opened = openCheckpoint(request.checkpoint, log.keys);
  } catch (e) {
    return refuse(
      e instanceof NoteError && e.code === 'malformed_checkpoint' ? 'malformed' : 'bad_signature',
      e instanceof Error ? e.message : '',
    );
  }
  const refusal = consistencyRefusal(request, opened.checkpoint, held?.checkpoint);
  if (refusal !== undefined) return refusal;
  const own = { name: cosigner.name, keyId: cosigner.keyId, signature: cosigner.sign(new TextEncoder().encode(opened.note.text)) };
  // The stored note keeps the log's verified signatures and this cosignature, nothing a submitter added.
  const signatures = mergeSignatures(opened.note.verified, [own]);
  return {
    accepted: true,
    state: { checkpoint: opened.checkpoint, note: formatNote({ text: opened.note.text, signatures }) },
    cosignatures: formatSignatureLine(own),
  };
}

/**
 * The log's side of add-checkpoint: verifies the witness's response lines against the witness
 * keys and returns the checkpoint note with the verified cosignatures added (replacing older
 * ones of the same keys). Throws `unverified_note` / `invalid_signature` when none verifies or one fails.
 */
export function addCosignatures(checkpointNote: string, response: string, witnessKeys: readonly NoteVerifier[]): string {
  const note = parseNote(checkpointNote);
  const opened = openNote(`${note.text}\n${response}`, witnessKeys);
  return formatNote({ text: note.text, signatures: mergeSignatures(note.signatures, opened.verified) });
}

/** How a local log compares with a checkpoint its witnesses cosigned. */
export type LocalLogVerdict = { ok: true } | { ok: false; reason: 'cut_tail' | 'fork'; detail: string };

/**
 * Whether the local log extends a witnessed checkpoint: it must have at least that many leaves,
 * and its root at that size (recomputed from the local records) must be the witnessed root.
 */
export function compareWithWitnessed(localSize: number, localRootAt: (size: number) => Hash, witnessed: Checkpoint): LocalLogVerdict {
  if (localSize < witnessed.size) {
    const missing = witnessed.size - localSize;
    return {
      ok: false,
      reason: 'cut_tail',
      detail: `the log has ${localSize} records but its witnesses cosigned ${witnessed.size}: the last ${missing} are missing`,
    };
  }
  if (!equalHashes(localRootAt(witnessed.size), witnessed.rootHash)) {
    return {
      ok: false,
      reason: 'fork',
      detail: `the first ${witnessed.size} records do not have the root the witnesses cosigned: the log was changed or forked`,
    };
  }
  return { ok: true };
}
