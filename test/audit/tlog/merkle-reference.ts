/**
 * A naive, recursive RFC 9162 reference for the tests: MTH, PATH and PROOF/SUBPROOF written
 * exactly as §2.1.1, §2.1.3.1 and §2.1.4.1 define them, over the whole list of leaves.
 */
import { EMPTY_ROOT, leafHash, nodeHash, splitPoint, type Hash } from '../../../src/audit/tlog/merkle.ts';

/** MTH(D[n]) over leaf data. */
export function refRoot(leaves: readonly Uint8Array[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0] as Uint8Array);
  const k = splitPoint(leaves.length);
  return nodeHash(refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}

/** PATH(m, D[n]). */
export function refInclusion(m: number, leaves: readonly Uint8Array[]): Hash[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  if (m < k) return [...refInclusion(m, leaves.slice(0, k)), refRoot(leaves.slice(k))];
  return [...refInclusion(m - k, leaves.slice(k)), refRoot(leaves.slice(0, k))];
}

function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Hash[] {
  if (m === leaves.length) return b ? [] : [refRoot(leaves)];
  const k = splitPoint(leaves.length);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), refRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), refRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]); empty for m = 0 (nothing to prove). */
export function refConsistency(m: number, leaves: readonly Uint8Array[]): Hash[] {
  return m === 0 ? [] : subproof(m, leaves, true);
}
