/**
 * Seedable randomness for the synthetic population and incomes: a small PRNG, seeds
 * derived from names, and the draws the generators share (weighted choice, normal
 * variates). The same seed always gives the same sequence, so demos are repeatable.
 */

/** A random source returning floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast, seedable 32-bit PRNG. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived (FNV-1a) from any parts, e.g. a global seed and an identity code. */
export function seedFrom(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Standard normal variate (Box–Muller). */
export function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** One element of `list`, uniformly. */
export function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)] as T;
}

/** A whole number from `lo` to `hi`, both included. */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** One item, chosen with probability proportional to its weight. */
export function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** 1 + index drawn from the probabilities (e.g. [0.4, 0.4, 0.2] → 1, 2 or 3). */
export function pickCount(rng: Rng, probabilities: readonly number[]): number {
  return (
    1 +
    weighted(
      rng,
      probabilities.map((p, i) => [i, p] as const),
    )
  );
}
