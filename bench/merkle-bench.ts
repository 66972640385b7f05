/**
 * `node bench/merkle-bench.ts [--appends N] [--proof-size N]`: the cost of the RFC 9162 access-log
 * tree, in process, with no database. Appends N leaves (default 1 M, each a ~300-byte record) to
 * the in-memory stored-subtree tree and reports µs per append; re-hashes them into a bare frontier
 * (what a streaming `audit verify` does per record); grows the tree to the proof size (default
 * 10 M leaves, ~640 MB of subtree hashes) and reports inclusion and consistency proof generation
 * and verification time (CPU time, user + system), proof size in hashes and the stored nodes each proof reads; and the cost
 * of one signed checkpoint (root from the frontier, note text, Ed25519 signature).
 */
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { signCheckpoint } from '../src/audit/tlog/checkpoint.ts';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/audit/tlog/merkle.ts';
import { planConsistency, planInclusion } from '../src/audit/tlog/merkle-proof.ts';
import { MemoryTree, MerkleFrontier } from '../src/audit/tlog/merkle-tree.ts';
import { ed25519Signer } from '../src/audit/tlog/note-keys.ts';

/** What the bench measured; times in µs. */
export interface MerkleBenchResult {
  appends: number;
  appendMicros: number;
  verifyMicrosPerRecord: number;
  proofTreeSize: number;
  inclusionMicros: number;
  inclusionHashes: number;
  inclusionNodesRead: number;
  verifyInclusionMicros: number;
  consistencyMicros: number;
  consistencyHashes: number;
  consistencyNodesRead: number;
  verifyConsistencyMicros: number;
  checkpointMicros: number;
  heapMB: number;
}

const record = (i: number): Buffer =>
  Buffer.from(
    JSON.stringify({
      seq: i,
      access_id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      time: 1_750_000_000_000 + i,
      client_id: 'fee-service',
      consent_record_id: `urn:uuid:rec-${i % 1000}`,
      source: 'https://gw.example/sources/incomes',
      operation: 'get-income',
      datatypes_released: ['income', 'employer'],
      purpose: 'Setting the day-care fee',
      outcome: 'allowed',
      status: 200,
    }),
  );

/** CPU time (user + system) in µs: steadier than wall time on a shared machine. */
function cpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function micros<T>(times: number, f: (i: number) => T): { micros: number; last: T } {
  let last = f(0);
  const start = cpu();
  for (let i = 0; i < times; i += 1) last = f(i);
  return { micros: (cpu() - start) / times, last };
}

/** A deterministic spread of numbers in [0, n). */
const spread = (i: number, n: number): number => Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * n);

function appendPhase(tree: MemoryTree, count: number): { appendMicros: number; verifyMicrosPerRecord: number } {
  const data = Array.from({ length: Math.min(count, 10_000) }, (_, i) => record(i));
  const start = cpu();
  for (let i = 0; i < count; i += 1) tree.append(data[i % data.length] as Buffer);
  const appendMicros = (cpu() - start) / count;
  const frontier = new MerkleFrontier();
  const vStart = cpu();
  for (let i = 0; i < count; i += 1) frontier.append(leafHash(data[i % data.length] as Buffer));
  const verifyMicrosPerRecord = (cpu() - vStart) / count;
  if (Buffer.compare(frontier.root(), tree.root()) !== 0) throw new Error('frontier and stored tree disagree');
  return { appendMicros, verifyMicrosPerRecord };
}

function proofPhase(
  tree: MemoryTree,
  samples: number,
): Omit<MerkleBenchResult, 'appends' | 'appendMicros' | 'verifyMicrosPerRecord' | 'checkpointMicros' | 'heapMB'> {
  const n = tree.size;
  const root = tree.root();
  const index = (i: number) => spread(i + 1, n);
  const inc = micros(samples, (i) => tree.inclusionProof(index(i)));
  const leaf = (i: number) => tree.node(0, index(i));
  const proofs = Array.from({ length: samples }, (_, i) => tree.inclusionProof(index(i)));
  const vInc = micros(samples, (i) => verifyInclusion(index(i), n, leaf(i), proofs[i] as Uint8Array[], root));
  if (!vInc.last) throw new Error('an inclusion proof did not verify');
  const old = (i: number) => 1 + spread(i + 7, n - 1);
  const con = micros(samples, (i) => tree.consistencyProof(old(i)));
  const cProofs = Array.from({ length: samples }, (_, i) => tree.consistencyProof(old(i)));
  const oldRoots = Array.from({ length: samples }, (_, i) => tree.rootAt(old(i)));
  const vCon = micros(samples, (i) => verifyConsistency(old(i), n, cProofs[i] as Uint8Array[], oldRoots[i] as Uint8Array, root));
  if (!vCon.last) throw new Error('a consistency proof did not verify');
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    proofTreeSize: n,
    inclusionMicros: inc.micros,
    inclusionHashes: avg(proofs.map((p) => p.length)),
    inclusionNodesRead: avg(proofs.map((_, i) => planInclusion(index(i), n).nodes.length)),
    verifyInclusionMicros: vInc.micros,
    consistencyMicros: con.micros,
    consistencyHashes: avg(cProofs.map((p) => p.length)),
    consistencyNodesRead: avg(cProofs.map((_, i) => planConsistency(old(i), n).nodes.length)),
    verifyConsistencyMicros: vCon.micros,
  };
}

/** Runs the bench; `proofTreeSize` below `appends` measures proofs at `appends` leaves. */
export function merkleBench(options: { appends?: number; proofTreeSize?: number; samples?: number } = {}): MerkleBenchResult {
  const appends = options.appends ?? 1_000_000;
  const proofTreeSize = Math.max(appends, options.proofTreeSize ?? 10_000_000);
  const tree = new MemoryTree();
  const { appendMicros, verifyMicrosPerRecord } = appendPhase(tree, appends);
  const filler = record(0);
  while (tree.size < proofTreeSize) tree.append(filler);
  const proofs = proofPhase(tree, options.samples ?? 10_000);
  const signer = ed25519Signer('gateway.example/log/bench', generateKeyPairSync('ed25519').privateKey);
  const checkpoint = micros(1000, () =>
    signCheckpoint({ origin: signer.name, size: tree.size, rootHash: tree.root(), extensions: [] }, [signer]),
  );
  return {
    appends,
    appendMicros,
    verifyMicrosPerRecord,
    ...proofs,
    checkpointMicros: checkpoint.micros,
    heapMB: process.memoryUsage().rss / 2 ** 20,
  };
}

function print(r: MerkleBenchResult): void {
  const f = (x: number) => x.toFixed(2);
  const lines = [
    `append to the stored-subtree tree      ${f(r.appendMicros)} µs per leaf (${r.appends.toLocaleString('en')} leaves)`,
    `re-hash into a frontier (audit verify) ${f(r.verifyMicrosPerRecord)} µs per record, ${f(r.verifyMicrosPerRecord)} s per million`,
    `inclusion proof at ${r.proofTreeSize.toLocaleString('en')} leaves    ${f(r.inclusionMicros)} µs, ` +
      `${f(r.inclusionHashes)} hashes, ${f(r.inclusionNodesRead)} nodes read`,
    `  verify                               ${f(r.verifyInclusionMicros)} µs`,
    `consistency proof to ${r.proofTreeSize.toLocaleString('en')} leaves  ${f(r.consistencyMicros)} µs, ` +
      `${f(r.consistencyHashes)} hashes, ${f(r.consistencyNodesRead)} nodes read`,
    `  verify                               ${f(r.verifyConsistencyMicros)} µs`,
    `signed checkpoint (root + Ed25519)     ${f(r.checkpointMicros)} µs`,
    `resident memory                        ${r.heapMB.toFixed(0)} MB`,
  ];
  console.log(lines.join('\n'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : Number(process.argv[i + 1]);
  };
  const r = merkleBench({ appends: arg('--appends'), proofTreeSize: arg('--proof-size') });
  print(r);
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
}
