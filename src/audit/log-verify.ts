/**
 * Verifying a gateway instance's log from its store, streaming (one page of rows in memory): every
 * record's position and body, every stored subtree hash recomputed from the bodies, every
 * checkpoint the log signed (signature and root at its size), and the checkpoints its witnesses
 * cosigned (given by the caller, their signatures already checked). A record edited, deleted,
 * reordered or cut off, a rollback to an older copy and a fork each fail with one sentence.
 */
import type { Kysely } from 'kysely';
import type { AuditDatabase } from './audit.tables.ts';
import { recordLeafHash } from './access-record.ts';
import { openCheckpoint, type Checkpoint } from './tlog/checkpoint.ts';
import { EMPTY_ROOT, equalHashes, HASH_SIZE } from './tlog/merkle.ts';
import { MerkleFrontier } from './tlog/merkle-tree.ts';
import type { NoteVerifier } from './tlog/note.ts';
import { compareWithWitnessed } from './tlog/witness.ts';

const PAGE = 1000;

/** A checkpoint a witness cosigned (both signatures verified by the caller). */
export interface WitnessedCheckpoint {
  witness: string;
  checkpoint: Checkpoint;
}

/** The outcome of verifying one chain. */
export interface LogVerdict {
  chain: string;
  ok: boolean;
  records: number;
  /** Checkpoints the log signed that verified. */
  checkpoints: number;
  /** Witnesses whose newest cosigned checkpoint the log extends. */
  witnessed: Array<{ witness: string; size: number }>;
  /** What is wrong, in one sentence, and where. */
  failure?: { reason: 'modified' | 'deleted' | 'reordered' | 'bad_checkpoint' | 'cut_tail' | 'fork'; message: string; seq?: number };
}

type Failure = NonNullable<LogVerdict['failure']>;

/** The chains in a gateway store. */
export async function chainsIn(db: Kysely<AuditDatabase>): Promise<string[]> {
  return (await db.selectFrom('access_records').select('chain').distinct().orderBy('chain').execute()).map((r) => r.chain);
}

interface Walk {
  frontier: MerkleFrontier;
  /** Signed checkpoints not yet reached, by size (a page at a time). */
  checkpoints: Array<{ size: number; root: Uint8Array }>;
  verified: number;
  /** Roots at the witnessed sizes, recorded when the walk passes them. */
  witnessedRoots: Map<number, Uint8Array>;
}

/** Checks one page of rows against the walk so far; a failure names the first bad record. */
function walkRows(chain: string, rows: Array<{ seq: number; body: string; tree: Uint8Array }>, w: Walk): Failure | undefined {
  for (const row of rows) {
    const seq = Number(row.seq);
    const expected = w.frontier.size + 1;
    if (seq !== expected) {
      const missing = seq - expected;
      return { reason: 'deleted', seq: expected, message: `records ${expected}–${seq - 1} of ${chain} are missing (${missing} deleted)` };
    }
    let parsed: { seq?: unknown; chain?: unknown };
    try {
      parsed = JSON.parse(row.body) as typeof parsed;
    } catch {
      return { reason: 'modified', seq, message: `record ${seq} of ${chain} is not JSON any more (modified)` };
    }
    if (parsed.seq !== seq || parsed.chain !== chain)
      return {
        reason: 'reordered',
        seq,
        message: `record ${seq} of ${chain} says it is record ${String(parsed.seq)} (moved or reordered)`,
      };
    const writes = w.frontier.append(recordLeafHash(row.body));
    const stored = row.tree;
    const same =
      stored.length === writes.length * HASH_SIZE &&
      writes.every((x, i) => equalHashes(stored.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), x.hash));
    if (!same) return { reason: 'modified', seq, message: `record ${seq} of ${chain} does not match its stored hash (modified)` };
    if (w.witnessedRoots.has(seq)) w.witnessedRoots.set(seq, w.frontier.root());
    const f = checkpointsAt(chain, seq, w);
    if (f) return f;
  }
  return undefined;
}

function checkpointsAt(chain: string, size: number, w: Walk): Failure | undefined {
  while (w.checkpoints[0] && w.checkpoints[0].size === size) {
    const cp = w.checkpoints.shift()!;
    if (!equalHashes(cp.root, w.frontier.root()))
      return { reason: 'fork', seq: size, message: `the first ${size} records of ${chain} do not have the root its own checkpoint signed` };
    w.verified += 1;
  }
  return undefined;
}

/** The signed checkpoints of `chain` in (after, upto], their signatures checked; a string names a bad one. */
async function signedCheckpoints(
  db: Kysely<AuditDatabase>,
  chain: string,
  range: { after: number; upto: number },
  logKeys: readonly NoteVerifier[],
): Promise<Walk['checkpoints'] | string> {
  let q = db.selectFrom('log_checkpoints').select(['size', 'note']).where('chain', '=', chain).where('size', '>', range.after);
  if (Number.isFinite(range.upto)) q = q.where('size', '<=', range.upto);
  const out: Walk['checkpoints'] = [];
  for (const p of await q.orderBy('size').limit(PAGE).execute()) {
    try {
      const opened = openCheckpoint(p.note, logKeys);
      if (opened.checkpoint.size !== Number(p.size)) throw new Error('size');
      out.push({ size: Number(p.size), root: opened.checkpoint.rootHash });
    } catch {
      return `the checkpoint of ${chain} at size ${p.size} is not signed by the gateway's keys`;
    }
  }
  return out;
}

/**
 * Verifies `chain`: `logKeys` are the gateway's note verifiers (current and retired keys),
 * `witnessed` the newest checkpoint each witness cosigned for it.
 */
export async function verifyLog(
  db: Kysely<AuditDatabase>,
  chain: string,
  logKeys: readonly NoteVerifier[],
  witnessed: readonly WitnessedCheckpoint[] = [],
): Promise<LogVerdict> {
  const roots = new Map<number, Uint8Array>(witnessed.map((x) => [x.checkpoint.size, EMPTY_ROOT]));
  const walk: Walk = { frontier: new MerkleFrontier(), checkpoints: [], verified: 0, witnessedRoots: roots };
  const fail = (failure: Failure): LogVerdict => ({
    chain,
    ok: false,
    records: walk.frontier.size,
    checkpoints: walk.verified,
    witnessed: [],
    failure,
  });
  for (;;) {
    const after = walk.frontier.size;
    const rows = await db
      .selectFrom('access_records')
      .select(['seq', 'body', 'tree'])
      .where('chain', '=', chain)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    const checkpoints = await signedCheckpoints(db, chain, { after, upto: Number(rows[rows.length - 1]!.seq) }, logKeys);
    if (typeof checkpoints === 'string') return fail({ reason: 'bad_checkpoint', message: checkpoints });
    walk.checkpoints = checkpoints;
    const f = walkRows(chain, rows, walk);
    if (f) return fail(f);
  }
  const size = walk.frontier.size;
  const later = await signedCheckpoints(db, chain, { after: size, upto: Infinity }, logKeys);
  if (typeof later === 'string') return fail({ reason: 'bad_checkpoint', message: later });
  const beyond = later[later.length - 1];
  if (beyond) {
    const has = `the log of ${chain} has ${size} records`;
    return fail({
      reason: 'cut_tail',
      message: `${has} but signed a checkpoint at ${beyond.size}: the last ${beyond.size - size} are missing`,
    });
  }
  const result: LogVerdict = { chain, ok: true, records: size, checkpoints: walk.verified, witnessed: [] };
  for (const x of witnessed) {
    const v = compareWithWitnessed(size, (n) => walk.witnessedRoots.get(n) ?? EMPTY_ROOT, x.checkpoint);
    if (!v.ok) return fail({ reason: v.reason, message: `${x.witness}: ${v.detail}` });
    result.witnessed.push({ witness: x.witness, size: x.checkpoint.size });
  }
  return result;
}
