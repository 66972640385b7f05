/**
 * Reading the stored tree of one gateway instance's log: node (level k, index i) is kept on the
 * row of the leaf that completed it, seq (i + 1)·2^k, at bytes [32k, 32k + 32) of its `tree`
 * column, so any node is one primary-key lookup and a proof O(log n) of them, read in one batch.
 * Proofs for many leaves at once share their reads (a report's records are neighbours).
 */
import type { Kysely } from 'kysely';
import type { AuditDatabase } from './audit.tables.ts';
import { HASH_SIZE, type Hash } from './tlog/merkle.ts';
import { assemble, planConsistency, planInclusion, planRoot, type AsyncSubtreeReader, type NodeId } from './tlog/merkle-proof.ts';
import { frontierNodes } from './tlog/merkle-tree.ts';

const BATCH = 500;

/** The row (seq) that holds a node. */
export function rowOfNode(node: NodeId): number {
  return (node.index + 1) * 2 ** node.level;
}

/** The stored tree of one chain, as an asynchronous subtree reader. */
export class StoredTree implements AsyncSubtreeReader {
  private readonly db: Kysely<AuditDatabase>;
  private readonly chain: string;

  constructor(db: Kysely<AuditDatabase>, chain: string) {
    this.db = db;
    this.chain = chain;
  }

  /** The hashes of `ids`, in order; throws when one is not stored (a cut or edited log). */
  async nodes(ids: readonly NodeId[]): Promise<readonly Hash[]> {
    const seqs = [...new Set(ids.map(rowOfNode))];
    const trees = new Map<number, Uint8Array>();
    for (let i = 0; i < seqs.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('access_records')
        .select(['seq', 'tree'])
        .where('chain', '=', this.chain)
        .where('seq', 'in', seqs.slice(i, i + BATCH))
        .execute();
      for (const r of rows) trees.set(Number(r.seq), r.tree);
    }
    return ids.map((id) => {
      const tree = trees.get(rowOfNode(id));
      const at = id.level * HASH_SIZE;
      if (!tree || tree.length < at + HASH_SIZE)
        throw new Error(`the log ${this.chain} has no stored node at level ${id.level}, index ${id.index}`);
      return Uint8Array.prototype.slice.call(tree, at, at + HASH_SIZE);
    });
  }

  /** The frontier hashes of a tree of `size` leaves (to resume appending). */
  frontier(size: number): Promise<readonly Hash[]> {
    return this.nodes(frontierNodes(size));
  }

  /** The root of the tree at `size` leaves. */
  async rootAt(size: number): Promise<Hash> {
    const plan = planRoot(size);
    return assemble(plan, await this.nodes(plan.nodes))[0]!;
  }

  /** The consistency proof from `size1` to `size2`. */
  async consistency(size1: number, size2: number): Promise<Hash[]> {
    const plan = planConsistency(size1, size2);
    return assemble(plan, plan.nodes.length === 0 ? [] : await this.nodes(plan.nodes));
  }

  /** Inclusion proofs of `indices` in the tree of `size` leaves, read in shared batches. */
  async inclusions(indices: readonly number[], size: number): Promise<Hash[][]> {
    const plans = indices.map((i) => planInclusion(i, size));
    const all = await this.nodes(plans.flatMap((p) => p.nodes));
    let at = 0;
    return plans.map((p) => {
      const part = all.slice(at, at + p.nodes.length);
      at += p.nodes.length;
      return assemble(p, part);
    });
  }
}
