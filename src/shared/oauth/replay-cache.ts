/**
 * Remembers DPoP proof identifiers (`jti`) until they could no longer be accepted, so
 * a captured proof cannot be replayed. In-memory per process; bounded in size.
 */

/** Answers whether a key is new (and remembers it) or a replay. */
export interface ReplayCache {
  /** Returns true the first time `key` is seen before `expiresAtMs`, false for a replay. */
  firstUse(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}

/**
 * A Map-backed replay cache. Entries share one TTL bound, so they expire roughly in
 * insertion order and a sweep from the head is enough.
 */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(maxEntries = 1_000_000) {
    this.maxEntries = maxEntries;
  }

  firstUse(key: string, expiresAtMs: number, now = Date.now()): boolean {
    this.sweep(now);
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.maxEntries) {
      // Full of live entries: refuse rather than forget, so replays stay impossible.
      return false;
    }
    this.seen.set(key, expiresAtMs);
    return true;
  }

  private sweep(now: number): void {
    let n = 0;
    for (const [key, until] of this.seen) {
      if (until > now || n > 1000) break;
      this.seen.delete(key);
      n += 1;
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
