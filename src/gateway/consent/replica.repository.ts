/**
 * The only code that queries the replica tables: the paged load at start-up, the feed
 * cursors, and the one transaction that persists an applied event with its cursor (other
 * events of the feed move the cursor with `saveCursor` in their own transaction).
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { ReplicaEntry } from './replica-entry.ts';
import type { ReplicaConsentsTable, ReplicaDatabase } from './replica.tables.ts';

/** Every stored entry, in pages of `pageSize` rows in primary-key order (a load never holds all rows at once). */
export async function* replicaRows(db: Kysely<ReplicaDatabase>, pageSize: number): AsyncGenerator<Selectable<ReplicaConsentsTable>[]> {
  let after: { iss: string; record_id: string; source: string } | undefined;
  for (;;) {
    let q = db.selectFrom('replica_consents').selectAll();
    if (after) {
      const a = after;
      // a row-value comparison walks the primary key (SQLite and PostgreSQL alike)
      q = q.where((eb) => eb(eb.refTuple('iss', 'record_id', 'source'), '>', eb.tuple(a.iss, a.record_id, a.source)));
    }
    const rows = await q.orderBy('iss').orderBy('record_id').orderBy('source').limit(pageSize).execute();
    yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { iss: last.iss, record_id: last.record_id, source: last.source };
  }
}

/** The last applied event id of each operator's feed. */
export async function replicaCursors(db: Kysely<ReplicaDatabase>): Promise<Map<string, string>> {
  const cursors = new Map<string, string>();
  for (const c of await db.selectFrom('replica_cursors').selectAll().execute()) {
    if (c.last_event_id) cursors.set(c.iss, c.last_event_id);
  }
  return cursors;
}

/** What applying one event changed: the new entry (unless the event was old), the entries it stopped, the cursor. */
export interface AppliedEvent {
  entry: ReplicaEntry | undefined;
  superseded: ReplicaEntry[];
  iss: string;
  eventId: string;
}

/**
 * Persists one applied event in one transaction. Several instances may share the store: a
 * lagging one never writes an older state over a newer one, nor moves a cursor back.
 */
export async function saveApplied(db: Kysely<ReplicaDatabase>, applied: AppliedEvent): Promise<void> {
  const { entry, superseded, iss, eventId } = applied;
  await db.transaction().execute(async (trx) => {
    if (entry) {
      const row = {
        iss: entry.iss,
        record_id: entry.record_id,
        source: entry.source,
        client_id: entry.client_id,
        status: entry.status,
        subjects: JSON.stringify(entry.subjects),
        purpose: entry.purpose,
        legal_basis: entry.legal_basis,
        expires_at: entry.expires_at,
        event_seq: entry.event_seq,
        updated_at: Date.now(),
        superseded_by: entry.superseded_by,
        moved_at: entry.moved_at,
      };
      await trx
        .insertInto('replica_consents')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['iss', 'record_id', 'source']).doUpdateSet(row).where('replica_consents.event_seq', '<', entry.event_seq),
        )
        .execute();
    }
    for (const old of superseded) {
      await trx
        .updateTable('replica_consents')
        .set({ superseded_by: old.superseded_by, moved_at: null, updated_at: Date.now() })
        .where('iss', '=', old.iss)
        .where('record_id', '=', old.record_id)
        .where('source', '=', old.source)
        .execute();
    }
    await saveCursor(trx, iss, eventId);
  });
}

/**
 * Moves an operator's feed cursor to `eventId` (inside the caller's transaction, with what the
 * event changed); a lagging instance sharing the store never moves it back.
 */
export async function saveCursor(db: Queryable<ReplicaDatabase>, iss: string, eventId: string): Promise<void> {
  await db
    .insertInto('replica_cursors')
    .values({ iss, last_event_id: eventId, last_event_at: Date.now() })
    .onConflict((oc) =>
      oc
        .column('iss')
        .doUpdateSet({ last_event_id: eventId, last_event_at: Date.now() })
        .where(sql`cast(replica_cursors.last_event_id as bigint)`, '<', Number(eventId)),
    )
    .execute();
}
