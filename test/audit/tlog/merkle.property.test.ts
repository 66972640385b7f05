/**
 * Property tests for the RFC 9162 Merkle tree (fast-check): the stored-subtree tree gives the
 * same roots and proofs as the naive recursive reference; every proof verifies; any mutated
 * proof, leaf, index, root or size fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalHashes, leafHash, verifyConsistency, verifyInclusion, type Hash } from '../../../src/audit/tlog/merkle.ts';
import { MemoryTree } from '../../../src/audit/tlog/merkle-tree.ts';
import { refConsistency, refInclusion, refRoot } from './merkle-reference.ts';

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const leaves = (n: number, seed: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${seed}/${i}`));
const same = (a: readonly Hash[], b: readonly Hash[]): boolean => a.length === b.length && a.every((h, i) => equalHashes(h, b[i] as Hash));

function build(data: readonly Uint8Array[]): MemoryTree {
  const t = new MemoryTree();
  for (const d of data) t.append(d);
  return t;
}

function flip(proof: readonly Hash[], at: number, bit: number): Hash[] {
  return proof.map((h, i) => {
    if (i !== at) return h;
    const copy = Buffer.from(h);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    return copy;
  });
}

const flipOne = (h: Hash, bit: number): Hash => flip([h], 0, bit)[0] as Hash;

/** A tree of n leaves, a size s ≤ n, a leaf index < s, an older size m ≤ s and a few random choices. */
const scenario = fc
  .record({
    n: fc.integer({ min: 1, max: 300 }),
    seed: fc.nat(),
    a: fc.nat(),
    b: fc.nat(),
    c: fc.nat(),
    bit: fc.integer({ min: 0, max: 255 }),
  })
  .map((r) => {
    const s = 1 + (r.a % r.n);
    return { ...r, s, index: r.b % s, m: r.c % (s + 1) };
  });

describe('Merkle tree properties', () => {
  it('gives the reference roots and proofs at every size', () => {
    fc.assert(
      fc.property(scenario, ({ n, seed, s, index, m }) => {
        const data = leaves(n, seed);
        const t = build(data);
        expect(hex(t.root())).toBe(hex(refRoot(data)));
        expect(hex(t.rootAt(s))).toBe(hex(refRoot(data.slice(0, s))));
        expect(t.inclusionProof(index, s).map(hex)).toEqual(refInclusion(index, data.slice(0, s)).map(hex));
        expect(t.consistencyProof(m, s).map(hex)).toEqual(refConsistency(m, data.slice(0, s)).map(hex));
      }),
      { numRuns: 150 },
    );
  });

  it('verifies every inclusion proof and refuses any mutation of it', () => {
    fc.assert(
      fc.property(scenario, ({ n, seed, s, index, a, c, bit }) => {
        const data = leaves(n, seed);
        const t = build(data);
        const leaf = leafHash(data[index] as Uint8Array);
        const root = t.rootAt(s);
        const proof = t.inclusionProof(index, s);
        expect(verifyInclusion(index, s, leaf, proof, root)).toBe(true);
        if (proof.length > 0) {
          expect(verifyInclusion(index, s, leaf, flip(proof, a % proof.length, bit), root)).toBe(false);
          expect(verifyInclusion(index, s, leaf, proof.slice(0, -1), root)).toBe(false);
        }
        expect(verifyInclusion(index, s, leaf, [...proof, root], root)).toBe(false);
        expect(verifyInclusion(index, s, flipOne(leaf, bit), proof, root)).toBe(false);
        expect(verifyInclusion(index, s, leaf, proof, flipOne(root, bit))).toBe(false);
        const other = (index + 1 + (c % Math.max(1, s - 1))) % s;
        if (other !== index) expect(verifyInclusion(other, s, leaf, proof, root)).toBe(false);
        const s2 = index + 1 + (c % (n - index));
        if (s2 !== s) {
          const honest = same(proof, t.inclusionProof(index, s2));
          expect(verifyInclusion(index, s2, leaf, proof, t.rootAt(s2))).toBe(honest);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('verifies every consistency proof and refuses a changed root, size or proof', () => {
    fc.assert(
      fc.property(scenario, ({ n, seed, s, m, a, c, bit }) => {
        const t = build(leaves(n, seed));
        const proof = t.consistencyProof(m, s);
        const [r1, r2] = [t.rootAt(m), t.rootAt(s)];
        expect(verifyConsistency(m, s, proof, r1, r2)).toBe(true);
        expect(verifyConsistency(m, s, proof, flipOne(r1, bit), r2)).toBe(false);
        if (m > 0) expect(verifyConsistency(m, s, proof, r1, flipOne(r2, bit))).toBe(false);
        if (proof.length > 0) {
          expect(verifyConsistency(m, s, flip(proof, a % proof.length, bit), r1, r2)).toBe(false);
          expect(verifyConsistency(m, s, proof.slice(0, -1), r1, r2)).toBe(false);
        }
        expect(verifyConsistency(m, s, [...proof, r2], r1, r2)).toBe(false);
        const m2 = c % (s + 1);
        if (m2 !== m) expect(verifyConsistency(m2, s, proof, t.rootAt(m2), r2)).toBe(same(proof, t.consistencyProof(m2, s)));
        const s2 = m + (c % (n - m + 1));
        if (s2 !== s && m > 0) expect(verifyConsistency(m, s2, proof, r1, t.rootAt(s2))).toBe(same(proof, t.consistencyProof(m, s2)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps proofs between old sizes valid as the tree grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 200 }), (first, more) => {
        const data = leaves(first + more, 7);
        const t = build(data.slice(0, first));
        const rootBefore = t.root();
        for (const d of data.slice(first)) t.append(d);
        expect(verifyConsistency(first, t.size, t.consistencyProof(first), rootBefore, t.root())).toBe(true);
        expect(hex(t.rootAt(first))).toBe(hex(rootBefore));
      }),
      { numRuns: 100 },
    );
  });
});
