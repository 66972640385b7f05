/**
 * Checking an export's access log offline (`portti audit verify-export`): every entry is the
 * record as the gateway logged it plus its inclusion proof (`proof`), and the export carries the
 * evidence the dashboard gives the browser: the cosigned checkpoints the proofs refer to, each
 * log's verifier keys and the witness's key. An entry verifies when its checkpoint is signed by
 * its log and cosigned by the witness and the proof leads from the record to that root. Whether
 * the keys are the real ones is for the reader to compare with what the gateway and the operator
 * publish (`/.well-known/...`, `/witness/key`); the verdict prints them.
 */
import { proofHashes, recordLeafHash, type RecordProof } from './access-record.ts';
import { openCheckpoint, signedByAll } from './tlog/checkpoint.ts';
import { verifyInclusion } from './tlog/merkle.ts';
import { parseVerifierKey } from './tlog/verifier-key.ts';

/** The checkpoints and keys an export (and the dashboard) carries for its entries. */
export interface LogEvidence {
  checkpoints: Record<string, string>;
  log_keys: Record<string, string[]>;
  witness_key: string;
  /** For entries that came with a move (`moved_from`): the old operator's evidence, by its issuer. */
  moved?: Record<string, LogEvidence[]>;
}

/** The verdict on an export's entries. */
export interface ExportVerdict {
  verified: number;
  /** Entries without a proof yet (made within a second of the export). */
  unproven: string[];
  failed: Array<{ access_id: string; reason: string }>;
}

type Entry = Record<string, unknown> & { access_id?: unknown; proof?: RecordProof };

/** Why one entry (with its proof) does not verify against the evidence; undefined when it does, or has no proof. */
export function checkEntry(entry: Entry, evidence: LogEvidence): string | undefined {
  const { proof, ...record } = entry;
  if (!proof) return undefined;
  const note = evidence.checkpoints[`${proof.origin} ${proof.size}`];
  if (note === undefined) return `no checkpoint of ${proof.origin} at size ${proof.size} in the export`;
  let root: Uint8Array;
  try {
    const witness = parseVerifierKey(evidence.witness_key);
    const logKeys = (evidence.log_keys[proof.origin] ?? []).map(parseVerifierKey);
    const opened = openCheckpoint(note, [...logKeys, witness]);
    if (!signedByAll(opened, [witness])) return 'its checkpoint is not cosigned by the witness';
    if (!opened.note.verified.some((s) => logKeys.some((k) => k.name === s.name && k.keyId === s.keyId)))
      return 'its checkpoint is not signed by the log';
    root = opened.checkpoint.rootHash;
  } catch (e) {
    return `its checkpoint does not verify: ${(e as Error).message}`;
  }
  const hashes = proofHashes(proof.hashes);
  if (hashes === undefined) return 'its proof is malformed';
  if (record.seq !== proof.index + 1) return `it says it is record ${String(record.seq)}, the proof is for record ${proof.index + 1}`;
  const ok = verifyInclusion(proof.index, proof.size, recordLeafHash(JSON.stringify(record)), hashes, root);
  return ok ? undefined : 'the record is not in the log its checkpoint commits to (changed or not logged)';
}

/**
 * Why an entry that came with a move does not verify against the old operator's evidence (any of
 * its moves' evidence); undefined when it does. The export check and the new operator's server use it.
 */
export function checkMoved(entry: Entry, evidences: readonly LogEvidence[], from: string): string | undefined {
  if (evidences.length === 0) return `no evidence of ${from} in the export for a use that came from there`;
  const reasons = evidences.map((ev) => checkEntry(entry, ev));
  return reasons.includes(undefined) ? undefined : reasons[0];
}

/** Verifies every entry of an exported access log against the export's evidence (a moved entry against its old operator's). */
export function verifyExportedLog(entries: readonly Entry[], evidence: LogEvidence): ExportVerdict {
  const verdict: ExportVerdict = { verified: 0, unproven: [], failed: [] };
  for (const entry of entries) {
    const id = String(entry.access_id ?? '?');
    if (!entry.proof) {
      verdict.unproven.push(id);
      continue;
    }
    const { moved_from: movedFrom, ...own } = entry;
    const reason =
      typeof movedFrom === 'string' ? checkMoved(own, evidence.moved?.[movedFrom] ?? [], movedFrom) : checkEntry(entry, evidence);
    if (reason === undefined) verdict.verified += 1;
    else verdict.failed.push({ access_id: id, reason });
  }
  return verdict;
}
