/**
 * RFC 9162 proof generation from stored subtree hashes, with bounded memory: a proof for a tree
 * of any size reads O(log n) hashes, never the leaves. A log keeps the hash of every complete,
 * aligned subtree — node (level k, index i) is the hash of leaves [i·2^k, (i+1)·2^k) — written as
 * appends complete them (see merkle-tree.ts). Every range the RFC recursion visits is a run of
 * such nodes, so a proof is first *planned* (which nodes to read, pure arithmetic), then the
 * nodes are read in one batch (one SQL query, or memory), then *assembled* (hash folding).
 * Proof order is the RFC's: the hashes nearest the leaf come first.
 */
import { EMPTY_ROOT, isTreeSize, nodeHash, splitPoint, type Hash } from './merkle.ts';

/** A complete subtree: the hash of leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/** Leaves [start, end) of a tree. */
export interface LeafRange {
  start: number;
  end: number;
}

/** What a proof needs: the ranges whose hashes it lists, and the stored nodes that make them up. */
export interface ProofPlan {
  /** One range per proof hash (or per root), in output order. */
  ranges: readonly LeafRange[];
  /** The nodes to read, in order: each range's nodes left to right, range after range. */
  nodes: readonly NodeId[];
}

/** Reads complete-subtree hashes synchronously (memory, `node:sqlite`). */
export interface SubtreeReader {
  /** The stored hash of a complete subtree; throws when it is not stored. */
  node(level: number, index: number): Hash;
}

/** Reads many complete-subtree hashes at once (one query against a database). */
export interface AsyncSubtreeReader {
  /** The stored hashes of these subtrees, in the same order. */
  nodes(ids: readonly NodeId[]): Promise<readonly Hash[]>;
}

/**
 * The complete subtrees that make up a range the RFC recursion visits, left to right, largest
 * first. Such a range starts at a multiple of the largest power of two below its size; its hash
 * (MTH) is then the right fold of these nodes. Other ranges are refused.
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const { start, end } = range;
  if (!isTreeSize(start) || !isTreeSize(end) || end <= start) throw new RangeError(`no subtree for leaves [${start}, ${end})`);
  if (end - start > 1 && start % splitPoint(end - start) !== 0)
    throw new RangeError(`leaves [${start}, ${end}) are not an RFC 9162 subtree`);
  const out: NodeId[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    let level = 0;
    while (at % (width * 2) === 0 && at + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    out.push({ level, index: at / width });
    at += width;
  }
  return out;
}

function plan(ranges: LeafRange[]): ProofPlan {
  return { ranges, nodes: ranges.flatMap(rangeNodes) };
}

/** The plan for the root of the tree of `size` leaves (size > 0; the empty tree needs no reads). */
export function planRoot(size: number): ProofPlan {
  if (!isTreeSize(size) || size === 0) throw new RangeError(`no stored root for a tree of ${size} leaves`);
  return plan([{ start: 0, end: size }]);
}

/** The plan for the inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1, PATH). */
export function planInclusion(index: number, size: number): ProofPlan {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size} leaves`);
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
    }
  }
  return plan(ranges.reverse());
}

/**
 * The plan for the consistency proof from the tree of `size1` leaves to the tree of `size2`
 * leaves (RFC 9162 §2.1.4.1, PROOF and SUBPROOF). Empty when size1 is 0 or equals size2.
 */
export function planConsistency(size1: number, size2: number): ProofPlan {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2) throw new RangeError(`no consistency proof from ${size1} to ${size2}`);
  const ranges: LeafRange[] = [];
  if (size1 === 0 || size1 === size2) return plan(ranges);
  let start = 0;
  let end = size2;
  let whole = true;
  while (size1 !== end) {
    const k = splitPoint(end - start);
    if (size1 <= start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      whole = false;
    }
  }
  if (!whole) ranges.push({ start, end });
  return plan(ranges.reverse());
}

/** Folds the read nodes (in `plan.nodes` order) into one hash per range of the plan. */
export function assemble(plan: ProofPlan, hashes: readonly Hash[]): Hash[] {
  if (hashes.length !== plan.nodes.length) throw new RangeError(`the plan needs ${plan.nodes.length} hashes, got ${hashes.length}`);
  const out: Hash[] = [];
  let at = 0;
  for (const range of plan.ranges) {
    const count = rangeNodes(range).length;
    const parts = hashes.slice(at, at + count);
    at += count;
    let h = parts[count - 1] as Hash;
    for (let i = count - 2; i >= 0; i -= 1) h = nodeHash(parts[i] as Hash, h);
    out.push(h);
  }
  return out;
}

/** Runs a plan against a synchronous reader. */
export function prove(plan: ProofPlan, reader: SubtreeReader): Hash[] {
  return assemble(
    plan,
    plan.nodes.map((n) => reader.node(n.level, n.index)),
  );
}

/** Runs a plan against an asynchronous reader, with one batched read. */
export async function proveAsync(plan: ProofPlan, reader: AsyncSubtreeReader): Promise<Hash[]> {
  return assemble(plan, plan.nodes.length === 0 ? [] : await reader.nodes(plan.nodes));
}

/** The root hash of the tree of `size` leaves, from stored subtrees (any size up to the stored one). */
export function rootAt(reader: SubtreeReader, size: number): Hash {
  return size === 0 ? EMPTY_ROOT : (prove(planRoot(size), reader)[0] as Hash);
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves, from stored subtrees. */
export function inclusionProof(reader: SubtreeReader, index: number, size: number): Hash[] {
  return prove(planInclusion(index, size), reader);
}

/** The consistency proof from `size1` to `size2` leaves, from stored subtrees. */
export function consistencyProof(reader: SubtreeReader, size1: number, size2: number): Hash[] {
  return prove(planConsistency(size1, size2), reader);
}
