/**
 * The access log's older form, a per-instance hash chain (each record's SHA-256 over its RFC 8785
 * canonical JSON, linked by `prev_hash`), kept only to convert existing stores: migration
 * `0004_merkle_log` checks each chain link by link, refuses to convert a broken one (converting
 * would launder an edit into a fresh tree), and writes each record's subtree hashes; its down step
 * rebuilds the chain columns from the bodies.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { sql, type Kysely } from 'kysely';
import { MerkleFrontier } from './tlog/merkle-tree.ts';
import { leafHash } from './tlog/merkle.ts';

// The package is CommonJS (`module.exports = serialize`); its typings declare an ES default.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

export const GENESIS_HASH = '0'.repeat(64);

/** A record of the old chain: any fields, its position and its links. */
export interface ChainedRecord {
  seq: number;
  access_id: string;
  prev_hash: string;
  hash: string;
}

/** The chain hash of `record` (its `hash` field is ignored). */
export function hashAccessRecord(record: object & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  const canonical = canonicalize(rest);
  if (canonical === undefined) throw new Error('access record is not serialisable');
  return createHash('sha256').update(canonical).digest('hex');
}

/** Result of walking a chain: where it first breaks, if it does. */
export interface ChainVerdict {
  ok: boolean;
  checked: number;
  broken_at?: { position: number; seq: number; access_id: string; reason: string };
}

/** Verifies chained records in stored order: each hash recomputes, each `prev_hash` links, `seq` increases. */
export function verifyChain(records: Iterable<ChainedRecord>, startHash = GENESIS_HASH): ChainVerdict {
  let prev = startHash;
  let prevSeq = -Infinity;
  let position = 0;
  for (const r of records) {
    position += 1;
    const fail = (reason: string): ChainVerdict => ({
      ok: false,
      checked: position - 1,
      broken_at: { position, seq: r.seq, access_id: r.access_id, reason },
    });
    if (hashAccessRecord(r) !== r.hash) return fail('record content does not match its hash (modified)');
    if (r.prev_hash !== prev) return fail('prev_hash does not match the previous record (deleted or reordered)');
    if (!(r.seq > prevSeq)) return fail('sequence number out of order (reordered)');
    prev = r.hash;
    prevSeq = r.seq;
  }
  return { ok: true, checked: position };
}

interface LegacyRow {
  seq: number;
  body: string;
  prev_hash: string;
  hash: string;
}

const PAGE = 1000;

async function chainsOf(db: Kysely<unknown>): Promise<string[]> {
  return (await sql<{ chain: string }>`select distinct chain from access_records order by chain`.execute(db)).rows.map((r) => r.chain);
}

/** Checks every chain and writes each record's subtree hashes (`tree`); throws naming the first broken link. */
export async function convertChainsToTrees(db: Kysely<unknown>): Promise<void> {
  for (const chain of await chainsOf(db)) {
    const frontier = new MerkleFrontier();
    let prev = GENESIS_HASH;
    for (;;) {
      const rows = (
        await sql<LegacyRow>`select seq, body, prev_hash, hash from access_records
          where chain = ${chain} and seq > ${frontier.size} order by seq limit ${PAGE}`.execute(db)
      ).rows.map((r) => ({ ...r, seq: Number(r.seq) }));
      if (rows.length === 0) break;
      const records = rows.map((r) => ({ ...(JSON.parse(r.body) as ChainedRecord), seq: r.seq, hash: r.hash, prev_hash: r.prev_hash }));
      const verdict = verifyChain(records, prev);
      const gap = rows.findIndex((r, i) => r.seq !== frontier.size + i + 1);
      if (!verdict.ok || gap >= 0) {
        const at = verdict.broken_at ? `seq ${verdict.broken_at.seq}: ${verdict.broken_at.reason}` : `seq ${rows[gap]!.seq}: a gap`;
        throw new Error(`access log ${chain} is broken at ${at}; it is not converted to a Merkle tree (keep the file as evidence)`);
      }
      for (const r of rows) {
        const tree = Buffer.concat(frontier.append(leafHash(Buffer.from(r.body, 'utf8'))).map((w) => w.hash));
        await sql`update access_records set tree = ${tree} where chain = ${chain} and seq = ${r.seq}`.execute(db);
      }
      prev = rows[rows.length - 1]!.hash;
    }
  }
}

/** The down step's data: every record's chain links (`prev_hash`, `hash`) recomputed from its body. */
export async function fillChainHashes(db: Kysely<unknown>): Promise<void> {
  for (const chain of await chainsOf(db)) {
    let prev = GENESIS_HASH;
    for (let after = 0; ;) {
      const rows = (
        await sql<{ seq: number; body: string }>`select seq, body from access_records
          where chain = ${chain} and seq > ${after} order by seq limit ${PAGE}`.execute(db)
      ).rows;
      if (rows.length === 0) break;
      for (const r of rows) {
        const { prev_hash: _p, hash: _h, ...body } = JSON.parse(r.body) as ChainedRecord;
        const linked: Omit<ChainedRecord, 'hash'> = { ...body, seq: Number(r.seq), prev_hash: prev };
        const hash = hashAccessRecord(linked);
        await sql`update access_records set prev_hash = ${prev}, hash = ${hash} where chain = ${chain} and seq = ${r.seq}`.execute(db);
        prev = hash;
      }
      after = Number(rows[rows.length - 1]!.seq);
    }
  }
}
