/**
 * The tokens the operators revoked, as their consent feeds said (`token.revoked`): a token
 * by `jti`, or every token of a suspended service issued up to a time. The token verifier asks
 * it on every request (two Map lookups); an event counts in memory first, then is stored with
 * the feed cursor, so a restarted gateway keeps refusing. An entry is dropped once no token it
 * covers can be valid any more (`exp` plus the clock skew the verifier allows).
 */
import type { Kysely } from 'kysely';
import type { TokenRevokedEvent } from '../../core/consent-feed.ts';
import type { ReplicaDatabase } from '../consent/replica.tables.ts';
import { deleteRevocationsBefore, liveRevocations, saveRevocation, type RevokedTokenRow } from './revocations.repository.ts';
import type { RevocationsDatabase } from './revocations.tables.ts';

/** The claims of a verified token the list is asked about. */
export interface RevocationQuery {
  iss: string;
  client_id: string;
  jti?: string;
  /** Epoch seconds. */
  iat: number;
}

const SWEEP_EVERY_MS = 60_000;

/** Revoked tokens and suspended services, by operator. */
export class RevocationList {
  /** `iss \n jti` → exp (epoch s). */
  private readonly tokens = new Map<string, number>();
  /** `iss \n client_id` → the newest suspension: tokens issued up to `issuedBefore` are refused until `exp`. */
  private readonly clients = new Map<string, { issuedBefore: number; exp: number }>();
  private readonly db: Kysely<RevocationsDatabase & ReplicaDatabase>;
  private readonly skewS: number;
  private lastSweep = Date.now();

  constructor(db: Kysely<RevocationsDatabase & ReplicaDatabase>, clockSkewS: number) {
    this.db = db;
    this.skewS = clockSkewS;
  }

  /** Loads the stored revocations that may still matter. */
  async load(now = Date.now()): Promise<void> {
    for (const row of await liveRevocations(this.db, Math.floor(now / 1000) - this.skewS)) this.remember(row);
  }

  /** Applies one verified `token.revoked` event: memory first (the next request is refused), then the store with the cursor. */
  async apply(event: TokenRevokedEvent, eventId: string, now = Date.now()): Promise<void> {
    const row: RevokedTokenRow = {
      iss: event.iss,
      rule_id: event.jti !== undefined ? `jti:${event.jti}` : `client:${event.client_id}@${event.issued_before}`,
      client_id: event.client_id,
      jti: event.jti ?? null,
      issued_before: event.issued_before ?? null,
      exp: event.exp,
    };
    this.remember(row);
    await saveRevocation(this.db, row, eventId);
    if (now - this.lastSweep > SWEEP_EVERY_MS) await this.sweep(now);
  }

  /** Whether a verified token is revoked now: its own `jti`, or its service suspended after it was issued. */
  isRevoked(token: RevocationQuery, now = Date.now()): boolean {
    const nowS = now / 1000;
    const exp = token.jti === undefined ? undefined : this.tokens.get(`${token.iss}\n${token.jti}`);
    if (exp !== undefined && exp + this.skewS >= nowS) return true;
    const rule = this.clients.get(`${token.iss}\n${token.client_id}`);
    return rule !== undefined && token.iat <= rule.issuedBefore && rule.exp + this.skewS >= nowS;
  }

  /** How many revocations are held. */
  get size(): number {
    return this.tokens.size + this.clients.size;
  }

  /** Forgets revocations no token can outlive, in memory and in the store. */
  async sweep(now = Date.now()): Promise<void> {
    this.lastSweep = now;
    const before = now / 1000 - this.skewS;
    for (const [key, exp] of this.tokens) if (exp < before) this.tokens.delete(key);
    for (const [key, rule] of this.clients) if (rule.exp < before) this.clients.delete(key);
    await deleteRevocationsBefore(this.db, Math.floor(before));
  }

  private remember(row: RevokedTokenRow): void {
    if (row.jti !== null) {
      this.tokens.set(`${row.iss}\n${row.jti}`, row.exp);
      return;
    }
    const key = `${row.iss}\n${row.client_id}`;
    const known = this.clients.get(key);
    // a later suspension covers every token an earlier one did, and more
    this.clients.set(key, {
      issuedBefore: Math.max(known?.issuedBefore ?? 0, row.issued_before ?? 0),
      exp: Math.max(known?.exp ?? 0, row.exp),
    });
  }
}
