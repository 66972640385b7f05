/**
 * An append-only RFC 9162 tree kept incrementally: the frontier (the roots of the perfect
 * subtrees that cover the leaves, one per set bit of the size, about log2 n hashes) gives the
 * root, and each append costs one leaf hash plus one node hash per subtree it completes
 * (amortised two hashes, at most log2 n). Every completed subtree is handed to the caller to
 * store at its aligned position (level, index), which is what merkle-proof.ts reads proofs from.
 * `MemoryTree` is that storage in memory, for tests, benches and small logs.
 */
import { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash, type Hash } from './merkle.ts';
import { inclusionProof, consistencyProof, rangeNodes, rootAt, type NodeId, type SubtreeReader } from './merkle-proof.ts';

/** A complete subtree an append produced, to be stored at (level, index). */
export interface NodeWrite extends NodeId {
  hash: Hash;
}

/** The frontier's nodes for a tree of `size` leaves, largest first: what to read to resume appending. */
export function frontierNodes(size: number): NodeId[] {
  return size === 0 ? [] : rangeNodes({ start: 0, end: size });
}

/**
 * The right edge of a tree: appends leaf hashes and reports the subtrees they complete. Holds
 * only the frontier, so a log of any size resumes from `frontierNodes(size)` read back.
 */
export class MerkleFrontier {
  private count: number;
  /** Perfect-subtree roots, largest first, with their levels. */
  private readonly hashes: Hash[];
  private readonly levels: number[];

  /** A frontier for `size` leaves from the hashes of `frontierNodes(size)`, in that order. */
  constructor(size = 0, hashes: readonly Hash[] = []) {
    const ids = frontierNodes(size);
    if (ids.length !== hashes.length)
      throw new RangeError(`a tree of ${size} leaves has ${ids.length} frontier nodes, got ${hashes.length}`);
    this.count = size;
    this.hashes = [...hashes];
    this.levels = ids.map((n) => n.level);
  }

  /** The number of leaves. */
  get size(): number {
    return this.count;
  }

  /** An independent copy (to append tentatively and keep or drop). */
  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.count = this.count;
    copy.hashes.push(...this.hashes);
    copy.levels.push(...this.levels);
    return copy;
  }

  /**
   * Appends one leaf hash; returns the subtrees now complete (the leaf itself at level 0 first,
   * then each parent it closes), which the storage must keep for proofs.
   */
  append(leaf: Hash): NodeWrite[] {
    if (leaf.length !== HASH_SIZE) throw new RangeError('a leaf hash has 32 bytes');
    const writes: NodeWrite[] = [{ level: 0, index: this.count, hash: leaf }];
    let h = leaf;
    let level = 0;
    let index = this.count;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      this.levels.pop();
      h = nodeHash(this.hashes.pop() as Hash, h);
      level += 1;
      index = Math.floor(index / 2);
      writes.push({ level, index, hash: h });
    }
    this.hashes.push(h);
    this.levels.push(level);
    this.count += 1;
    return writes;
  }

  /** The root hash at the current size (the right fold of the frontier). */
  root(): Hash {
    let h = this.hashes[this.hashes.length - 1];
    if (h === undefined) return EMPTY_ROOT;
    for (let i = this.hashes.length - 2; i >= 0; i -= 1) h = nodeHash(this.hashes[i] as Hash, h);
    return h;
  }

  /** The frontier's hashes, largest subtree first (what `frontierNodes(size)` names). */
  nodes(): readonly Hash[] {
    return [...this.hashes];
  }
}

/** One level of the memory store: hashes back to back in a growing buffer. */
class Level {
  private bytes = Buffer.alloc(HASH_SIZE * 16);
  count = 0;

  push(h: Hash): void {
    if ((this.count + 1) * HASH_SIZE > this.bytes.length) {
      const bigger = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(bigger, 0, 0, this.count * HASH_SIZE);
      this.bytes = bigger;
    }
    this.bytes.set(h, this.count * HASH_SIZE);
    this.count += 1;
  }

  get(index: number): Hash {
    return this.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

/**
 * The whole tree in memory: every complete subtree hash, about 64 bytes per leaf. Answers
 * roots and proofs at any size up to the current one.
 */
export class MemoryTree implements SubtreeReader {
  private readonly frontier = new MerkleFrontier();
  private readonly levels: Level[] = [];

  /** The number of leaves. */
  get size(): number {
    return this.frontier.size;
  }

  /** Appends a leaf (its data, hashed here); returns its index. */
  append(leaf: Uint8Array): number {
    return this.appendHash(leafHash(leaf));
  }

  /** Appends an already computed leaf hash; returns its index. */
  appendHash(leaf: Hash): number {
    const index = this.frontier.size;
    for (const w of this.frontier.append(leaf)) {
      const level = this.levels[w.level] ?? (this.levels[w.level] = new Level());
      level.push(w.hash);
    }
    return index;
  }

  /** The stored hash of a complete subtree. */
  node(level: number, index: number): Hash {
    const l = this.levels[level];
    if (l === undefined || !Number.isSafeInteger(index) || index < 0 || index >= l.count) {
      throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    }
    return l.get(index);
  }

  /** The root at the current size, from the frontier. */
  root(): Hash {
    return this.frontier.root();
  }

  /** The root the tree had at `size` leaves. */
  rootAt(size: number): Hash {
    if (size > this.size) throw new RangeError(`the tree has only ${this.size} leaves`);
    return rootAt(this, size);
  }

  /** The inclusion proof of leaf `index` in the tree at `size` leaves (default: now). */
  inclusionProof(index: number, size = this.size): Hash[] {
    if (size > this.size) throw new RangeError(`the tree has only ${this.size} leaves`);
    return inclusionProof(this, index, size);
  }

  /** The consistency proof from `size1` to `size2` leaves (default: now). */
  consistencyProof(size1: number, size2 = this.size): Hash[] {
    if (size2 > this.size) throw new RangeError(`the tree has only ${this.size} leaves`);
    return consistencyProof(this, size1, size2);
  }
}
