/**
 * The only code that queries the consent feed's table: a change takes the writers' lock,
 * reserves a feed position and stores its signed event there (in the change's transaction);
 * the feed route reads the events after a gateway's cursor.
 */
import { sql } from 'kysely';
import type { FeedEventName } from '../../core/consent-feed.ts';
import type { Dialect, Queryable } from '../../store/database.ts';
import type { FeedDatabase } from './feed.tables.ts';

type Db = Queryable<FeedDatabase>;

/** Advisory-lock key serialising consent-feed writers on PostgreSQL ("portti" in hex). */
const FEED_LOCK = 0x706f72747469;

/**
 * Serialises the feed's writers until the transaction ends. PostgreSQL hands out sequence
 * numbers before commit: with writers in turn, commit order equals seq order and a feed
 * reading `seq > cursor` can never skip an event. (SQLite has one writer at a time anyway.)
 */
export async function lockFeedWriters(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(db);
}

/** Reserves the next feed position for a record's event at a source; the JWS is set after signing. */
export async function reserveFeedEvent(
  db: Db,
  recordId: string,
  source: string,
  time: number,
  event: FeedEventName = 'consent',
): Promise<number> {
  const inserted = await db
    .insertInto('consent_events')
    .values({ record_id: recordId, source, time, jws: '', event })
    .returning('seq')
    .executeTakeFirstOrThrow();
  return Number(inserted.seq);
}

/** Stores the signed event at its feed position. */
export async function setFeedEventJws(db: Db, seq: number, jws: string): Promise<void> {
  await db.updateTable('consent_events').set({ jws }).where('seq', '=', seq).execute();
}

/** The next events after `cursor` for the given sources, in feed order. */
export async function feedEventsAfter(
  db: Db,
  cursor: number,
  sources: string[],
  limit: number,
): Promise<Array<{ seq: number; jws: string; event: FeedEventName }>> {
  const rows = await db
    .selectFrom('consent_events')
    .select(['seq', 'jws', 'event'])
    .where('seq', '>', cursor)
    .where('source', 'in', sources.length > 0 ? sources : [''])
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: r.seq, jws: r.jws, event: r.event === 'token.revoked' ? 'token.revoked' : 'consent' }));
}

/**
 * Removes a record's consent events other than `keep` (after an erasure its newest events
 * carry its whole state without the erased identifiers; the older ones named them).
 */
export async function deleteConsentEventsExcept(db: Db, recordId: string, keep: number[]): Promise<void> {
  await db
    .deleteFrom('consent_events')
    .where('record_id', '=', recordId)
    .where('event', '=', 'consent')
    .where('seq', 'not in', keep.length > 0 ? keep : [-1])
    .execute();
}
