/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree hashing and proof verification, pure:
 * leaf hash SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right), the empty tree's
 * hash SHA-256(""), and the verification algorithms of §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency). Sizes and indexes are plain numbers (safe integers, so up to 2^53 leaves);
 * the bit steps of the RFC are done with arithmetic because JavaScript's bitwise operators
 * work on 32 bits.
 */
import { hash } from 'node:crypto';

/** Bytes in every hash of the tree (SHA-256). */
export const HASH_SIZE = 32;

/** A 32-byte SHA-256 tree hash. */
export type Hash = Uint8Array;

/** The root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Hash = hash('sha256', Buffer.alloc(0), 'buffer');

/** No proof is longer than this: a tree of 2^53 leaves has a depth of 53. */
const MAX_PROOF = 64;

const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** The hash of one leaf, SHA-256(0x00 || leaf): the domain-separated leaf hash of RFC 9162. */
export function leafHash(leaf: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(leaf.length + 1);
  input[0] = 0x00;
  input.set(leaf, 1);
  return hash('sha256', input, 'buffer');
}

/** The hash of an interior node, SHA-256(0x01 || left || right). Both children are 32-byte hashes. */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) throw new RangeError('a Merkle node hash needs two 32-byte hashes');
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

/** Whether two hashes are the same bytes. */
export function equalHashes(a: Hash, b: Hash): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A tree size or leaf index this module can work with: a non-negative safe integer. */
export function isTreeSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Whether n is 1, 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  if (!(n >= 2)) throw new RangeError(`a tree of ${n} leaves has no split point`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function wellFormed(hashes: readonly Hash[]): boolean {
  return hashes.length <= MAX_PROOF && hashes.every((h) => h.length === HASH_SIZE);
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): that the leaf with hash `leaf` is at `index`
 * in the tree of `size` leaves whose root is `root`. False for any malformed input.
 */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) return false;
  if (!wellFormed(proof) || leaf.length !== HASH_SIZE || root.length !== HASH_SIZE) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(r, root);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): that the tree of `size2` leaves with root
 * `root2` extends the tree of `size1` leaves with root `root1`. Equal sizes need an empty proof
 * and equal roots. The empty tree is consistent with every tree (as C2SP tlog-witness has it):
 * size1 = 0 needs an empty proof and the empty root as `root1`, and says nothing of `root2`.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Hash[], root1: Hash, root2: Hash): boolean {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2) return false;
  if (!wellFormed(proof) || root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  if (size1 === 0) return proof.length === 0 && equalHashes(root1, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(fr, root1) && equalHashes(sr, root2);
}
