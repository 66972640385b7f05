/**
 * A DPoP replay cache in the gateway store, for several gateway instances behind one URL:
 * a proof accepted by one instance is a replay at every other. One insert per request;
 * expired entries are swept periodically.
 */
import { sql, type Kysely } from 'kysely';
import type { ReplayCache } from '../../shared/oauth/replay-cache.ts';
import type { ReplayDatabase } from './replay.tables.ts';

/** The DPoP replay cache shared by every instance on one store. */
export class StoreReplayCache implements ReplayCache {
  private readonly db: Kysely<ReplayDatabase>;
  private readonly timer: NodeJS.Timeout;

  constructor(db: Kysely<ReplayDatabase>, sweepEveryMs = 30_000) {
    this.db = db;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), sweepEveryMs);
    this.timer.unref();
  }

  /** Inserts the key; a live existing key means replay. An expired one is taken over. */
  async firstUse(key: string, expiresAtMs: number, now = Date.now()): Promise<boolean> {
    const row = await this.db
      .insertInto('dpop_replay')
      .values({ key, expires_at: expiresAtMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: expiresAtMs }).where(sql.ref('dpop_replay.expires_at'), '<', now))
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async sweep(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('dpop_replay').where('expires_at', '<', now).execute();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
