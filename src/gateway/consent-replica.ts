/**
 * The gateway's local replica of consent state, fed by the operators' consent feeds.
 * Lookups are in memory (one Map get per request); every applied event is persisted
 * with its feed cursor in one transaction, so a restart resumes where it stopped.
 */
import { sql, type Kysely } from 'kysely';
import type { ConsentEvent, ConsentStatus, ReplicaSubject } from '../core/consent-event.ts';
import type { GatewayDatabase } from './gateway.tables.ts';

export interface ReplicaEntry {
  iss: string;
  record_id: string;
  source: string;
  client_id: string;
  status: ConsentStatus;
  subjects: ReplicaSubject[];
  purpose: string | null;
  legal_basis: string | null;
  expires_at: number | null;
  event_seq: number;
}

const keyOf = (iss: string, recordId: string, source: string) => `${iss}\n${recordId}\n${source}`;

/** Replica of consent records for the sources this gateway fronts. */
export class ConsentReplica {
  private readonly entries = new Map<string, ReplicaEntry>();
  private readonly cursors = new Map<string, string>();
  private readonly db: Kysely<GatewayDatabase>;
  /** Listeners told after each applied event (tests measure propagation with it). */
  private readonly listeners = new Set<(e: ReplicaEntry) => void>();

  constructor(db: Kysely<GatewayDatabase>) {
    this.db = db;
  }

  /** Loads the persisted replica and cursors. */
  async load(): Promise<void> {
    const rows = await this.db.selectFrom('replica_consents').selectAll().execute();
    for (const r of rows) {
      this.entries.set(keyOf(r.iss, r.record_id, r.source), {
        iss: r.iss,
        record_id: r.record_id,
        source: r.source,
        client_id: r.client_id,
        status: r.status as ConsentStatus,
        subjects: JSON.parse(r.subjects) as ReplicaSubject[],
        purpose: r.purpose,
        legal_basis: r.legal_basis,
        expires_at: r.expires_at,
        event_seq: r.event_seq,
      });
    }
    for (const c of await this.db.selectFrom('replica_cursors').selectAll().execute()) {
      if (c.last_event_id) this.cursors.set(c.iss, c.last_event_id);
    }
  }

  /** Looks up the entry for a record at a source. */
  get(iss: string, recordId: string, source: string): ReplicaEntry | undefined {
    return this.entries.get(keyOf(iss, recordId, source));
  }

  /** The last applied feed event id of an operator (SSE `Last-Event-ID`). */
  cursor(iss: string): string | undefined {
    return this.cursors.get(iss);
  }

  /** Subscribes to applied events; returns an unsubscribe function. */
  onApply(listener: (e: ReplicaEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies one verified event. Older events than the stored one are ignored
   * (the feed is ordered, but a reconnect may repeat an event).
   */
  async apply(event: ConsentEvent, eventId: string): Promise<void> {
    const key = keyOf(event.iss, event.record_id, event.source);
    const current = this.entries.get(key);
    const entry: ReplicaEntry = {
      iss: event.iss,
      record_id: event.record_id,
      source: event.source,
      client_id: event.client_id,
      status: event.status,
      subjects: event.subjects,
      purpose: event.purpose,
      legal_basis: event.legal_basis,
      expires_at: event.expires_at,
      event_seq: event.seq,
    };
    const fresh = !current || current.event_seq < event.seq;
    // memory first: a revocation must bite on the very next request
    if (fresh) this.entries.set(key, entry);
    this.cursors.set(event.iss, eventId);
    await this.db.transaction().execute(async (trx) => {
      if (fresh) {
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
        };
        await trx
          .insertInto('replica_consents')
          .values(row)
          // several instances may share the store: a lagging one never writes an older state over a newer
          .onConflict((oc) => oc.columns(['iss', 'record_id', 'source']).doUpdateSet(row).where('replica_consents.event_seq', '<', entry.event_seq))
          .execute();
      }
      await trx
        .insertInto('replica_cursors')
        .values({ iss: event.iss, last_event_id: eventId, last_event_at: Date.now() })
        .onConflict((oc) =>
          oc
            .column('iss')
            .doUpdateSet({ last_event_id: eventId, last_event_at: Date.now() })
            .where(sql`cast(replica_cursors.last_event_id as bigint)`, '<', Number(eventId)),
        )
        .execute();
    });
    if (fresh) for (const l of this.listeners) l(entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
