/**
 * Known-answer tests for the RFC 9162 Merkle tree: the 8-leaf tree of the Certificate Transparency
 * test suites (leaf inputs, every complete-subtree hash and the roots of sizes 0..8 as published in
 * transparency-dev/merkle `testonly/constants.go`, taken from certificate-transparency's
 * merkle_tree_test), and the happy-path inclusion and consistency proofs of transparency-dev/merkle
 * `testdata/`, checked both ways: generated from stored subtrees and verified.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, verifyConsistency, verifyInclusion, type Hash } from '../../../src/audit/tlog/merkle.ts';
import { planConsistency, planInclusion, proveAsync, rangeNodes } from '../../../src/audit/tlog/merkle-proof.ts';
import { MemoryTree, MerkleFrontier, frontierNodes } from '../../../src/audit/tlog/merkle-tree.ts';

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const b64 = (s: string): Hash => Buffer.from(s, 'base64');

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  Buffer.from(h, 'hex'),
);

/** NodeHashes(): [level][index] for every complete subtree of the 8-leaf tree. */
const NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** RootHashes(): the root for each size 0..8. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** testdata/inclusion/{0..4}/happy-path.json */
const INCLUSION = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=',
      'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=',
      '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=',
    ],
  },
  { index: 2, size: 3, proof: ['+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU='] },
  {
    index: 1,
    size: 5,
    proof: [
      'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=',
    ],
  },
];

/** testdata/consistency/{0..4}/happy-path.json */
const CONSISTENCY = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=',
      'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=',
      'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      'DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=',
      'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=',
      '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=',
    ],
  },
  { size1: 2, size2: 5, proof: ['Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms='] },
  {
    size1: 6,
    size2: 7,
    proof: [
      'DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=',
      'sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=',
      '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=',
    ],
  },
];

function tree(size = 8): MemoryTree {
  const t = new MemoryTree();
  for (const leaf of LEAVES.slice(0, size)) t.append(leaf);
  return t;
}

describe('RFC 9162 Merkle tree: the Certificate Transparency 8-leaf vectors', () => {
  it('hashes the empty tree, leaves and every complete subtree as published', () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    const t = tree();
    NODES.forEach((level, k) => level.forEach((h, i) => expect(hex(t.node(k, i)), `node ${k}/${i}`).toBe(h)));
    LEAVES.forEach((leaf, i) => expect(hex(leafHash(leaf))).toBe(NODES[0]?.[i]));
  });

  it('has the published root at every size 0..8, from the frontier and from stored subtrees', () => {
    const t = new MemoryTree();
    expect(hex(t.root())).toBe(ROOTS[0]);
    LEAVES.forEach((leaf, i) => {
      t.append(leaf);
      expect(hex(t.root())).toBe(ROOTS[i + 1]);
    });
    ROOTS.forEach((root, size) => expect(hex(t.rootAt(size))).toBe(root));
  });

  it('generates and verifies the published inclusion proofs', () => {
    const t = tree();
    for (const v of INCLUSION) {
      const proof = t.inclusionProof(v.index, v.size);
      expect(proof.map(hex)).toEqual(v.proof.map((p) => hex(b64(p))));
      expect(verifyInclusion(v.index, v.size, leafHash(LEAVES[v.index] as Uint8Array), proof, b64ToRoot(v.size))).toBe(true);
    }
  });

  it('generates and verifies the published consistency proofs', () => {
    const t = tree();
    for (const v of CONSISTENCY) {
      const proof = t.consistencyProof(v.size1, v.size2);
      expect(proof.map(hex)).toEqual(v.proof.map((p) => hex(b64(p))));
      expect(verifyConsistency(v.size1, v.size2, proof, b64ToRoot(v.size1), b64ToRoot(v.size2))).toBe(true);
    }
  });

  it('verifies a single-leaf tree whose root is the leaf hash (testdata/inclusion/single-entry)', () => {
    const h = b64('DTrtAjFI/9KiWfvQzcf7PPl1ZYdg03dbgq9vkKrMLfw=');
    expect(verifyInclusion(0, 1, h, [], h)).toBe(true);
    expect(verifyInclusion(0, 1, h, [], EMPTY_ROOT)).toBe(false);
  });

  it('refuses the edge cases of testdata/consistency/additional', () => {
    const r1 = b64ToRoot(1);
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(true);
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, r1)).toBe(false);
    expect(verifyConsistency(0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(1, 1, [r1], r1, r1)).toBe(false);
    expect(verifyConsistency(1, 1, [], r1, b64ToRoot(2))).toBe(false);
    expect(verifyConsistency(2, 1, [], b64ToRoot(2), r1)).toBe(false);
    expect(verifyConsistency(1, 2, [], r1, b64ToRoot(2))).toBe(false);
    // From the empty tree, no proof is needed (C2SP tlog-witness) and none is accepted.
    expect(verifyConsistency(0, 1, [], EMPTY_ROOT, r1)).toBe(true);
    expect(verifyConsistency(0, 1, [EMPTY_ROOT], EMPTY_ROOT, r1)).toBe(false);
    expect(verifyConsistency(0, 1, [], r1, r1)).toBe(false);
  });

  it('refuses malformed input instead of throwing', () => {
    const leaf = leafHash(LEAVES[0] as Uint8Array);
    expect(verifyInclusion(-1, 8, leaf, [], b64ToRoot(8))).toBe(false);
    expect(verifyInclusion(0.5, 8, leaf, [], b64ToRoot(8))).toBe(false);
    expect(verifyInclusion(8, 8, leaf, [], b64ToRoot(8))).toBe(false);
    expect(verifyInclusion(0, 2, leaf, [new Uint8Array(31)], b64ToRoot(2))).toBe(false);
    expect(verifyConsistency(1, 2 ** 60, [leaf], leaf, leaf)).toBe(false);
  });
});

describe('stored-subtree proofs', () => {
  it('names the frontier nodes of a size (one per set bit, largest first)', () => {
    expect(frontierNodes(0)).toEqual([]);
    expect(frontierNodes(7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(frontierNodes(10_000_000).length).toBe(8);
  });

  it('resumes appending from the frontier read back from storage', () => {
    const t = tree(5);
    const resumed = new MerkleFrontier(
      5,
      frontierNodes(5).map((n) => t.node(n.level, n.index)),
    );
    for (const leaf of LEAVES.slice(5)) resumed.append(leafHash(leaf));
    expect(hex(resumed.root())).toBe(ROOTS[8]);
  });

  it('reports the subtrees each append completes', () => {
    const f = new MerkleFrontier();
    const writes = LEAVES.map((leaf) => f.append(leafHash(leaf)).map((w) => `${w.level}/${w.index}`));
    expect(writes).toEqual([
      ['0/0'],
      ['0/1', '1/0'],
      ['0/2'],
      ['0/3', '1/1', '2/0'],
      ['0/4'],
      ['0/5', '1/2'],
      ['0/6'],
      ['0/7', '1/3', '2/1', '3/0'],
    ]);
  });

  it('reads O(log n) nodes for a proof in a tree of 10 million leaves', () => {
    const n = 10_000_000;
    for (const index of [0, 1, 4_999_999, n - 1]) expect(planInclusion(index, n).nodes.length).toBeLessThanOrEqual(2 * 24);
    expect(planConsistency(1_234_567, n).nodes.length).toBeLessThanOrEqual(2 * 24);
  });

  it('runs a plan against a batched asynchronous reader', async () => {
    const t = tree();
    const reads: number[] = [];
    const reader = {
      nodes: async (ids: readonly { level: number; index: number }[]) => {
        reads.push(ids.length);
        return ids.map((n) => t.node(n.level, n.index));
      },
    };
    expect((await proveAsync(planInclusion(5, 8), reader)).map(hex)).toEqual(t.inclusionProof(5, 8).map(hex));
    expect((await proveAsync(planConsistency(6, 7), reader)).map(hex)).toEqual(t.consistencyProof(6, 7).map(hex));
    expect(reads).toEqual([3, 3]);
  });

  it('refuses ranges that are not RFC 9162 subtrees and sizes beyond the tree', () => {
    expect(() => rangeNodes({ start: 1, end: 4 })).toThrow(RangeError);
    expect(() => planInclusion(3, 3)).toThrow(RangeError);
    expect(() => planConsistency(4, 3)).toThrow(RangeError);
    expect(() => tree(4).inclusionProof(0, 5)).toThrow(RangeError);
    expect(() => tree(4).node(0, 4)).toThrow(RangeError);
  });
});

function b64ToRoot(size: number): Hash {
  return Buffer.from(ROOTS[size] as string, 'hex');
}
