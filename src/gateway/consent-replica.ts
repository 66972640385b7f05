/**
 * The gateway's local replica of consent state, fed by the operators' consent feeds.
 * Lookups are in memory (one Map get per request); every applied event is persisted
 * with its feed cursor in one transaction, so a restart resumes where it stopped.
 */
import type { Kysely } from 'kysely';
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
  /** Set once the record that replaced this one (a move to another operator) has arrived. */
  superseded_by: string | null;
  /** For a `moved` record whose replacement has not arrived yet: when the move was heard. */
  moved_at: number | null;
}

/** Why an entry is or is not honoured now. */
export type Honour = { honoured: true } | { honoured: false; status: ConsentStatus };

const keyOf = (iss: string, recordId: string, source: string) => `${iss}\n${recordId}\n${source}`;

/** Replica of consent records for the sources this gateway fronts. */
export class ConsentReplica {
  private readonly entries = new Map<string, ReplicaEntry>();
  private readonly cursors = new Map<string, string>();
  private readonly db: Kysely<GatewayDatabase>;
  /** Listeners told after each applied event (tests measure propagation with it). */
  private readonly listeners = new Set<(e: ReplicaEntry) => void>();

  /**
   * How long a `moved` record stays honoured while its replacement has not arrived: the new
   * operator committed the replacement before the old one marked the move, so it is on its
   * way; past this bound (the feed staleness bound) the old record stops on its own.
   */
  private readonly handoverMs: number;

  constructor(db: Kysely<GatewayDatabase>, handoverMs = 30_000) {
    this.db = db;
    this.handoverMs = handoverMs;
  }

  /**
   * Whether a record is honoured now. For a moved consent exactly one of the old and the new
   * record is honoured at every instant: the old one until the new one arrives, then only the
   * new one (both changes happen in one synchronous step of {@link apply}).
   */
  honours(entry: ReplicaEntry, now = Date.now()): Honour {
    if (entry.superseded_by) return { honoured: false, status: 'moved' };
    if (entry.status === 'active') return { honoured: true };
    if (entry.status === 'moved' && entry.moved_at !== null && now - entry.moved_at < this.handoverMs) return { honoured: true };
    return { honoured: false, status: entry.status };
  }

  /** Entries of a record at a source, whichever operator issued it. */
  private byRecord(recordId: string, source: string): ReplicaEntry[] {
    const out: ReplicaEntry[] = [];
    for (const e of this.entries.values()) if (e.record_id === recordId && e.source === source) out.push(e);
    return out;
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
        superseded_by: r.superseded_by ?? null,
        moved_at: r.moved_at ?? null,
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
      superseded_by: current?.superseded_by ?? null,
      moved_at: null,
    };
    const fresh = !current || current.event_seq < event.seq;
    const changed: ReplicaEntry[] = fresh ? [entry] : [];
    if (fresh && event.status === 'moved') {
      // the old operator handed the record over: honour it until its replacement arrives
      const replacement = event.replaced_by ? this.byRecord(event.replaced_by, event.source) : [];
      if (replacement.length === 0 && !entry.superseded_by) entry.moved_at = Date.now();
      else entry.superseded_by ??= event.replaced_by ?? null;
    }
    if (fresh && event.replaces && event.status === 'active') {
      // a record moved here from another operator: the old one stops in the same step,
      // if it is the same service's consent about the same people
      const people = (subjects: ReplicaSubject[]) => subjects.map((x) => `${x.identifier_type}:${x.identifier}`).sort().join('|');
      for (const old of this.byRecord(event.replaces, event.source)) {
        if (old.iss === event.iss || old.client_id !== event.client_id || people(old.subjects) !== people(event.subjects) || old.superseded_by) continue;
        const superseded = { ...old, superseded_by: event.record_id, moved_at: null };
        this.entries.set(keyOf(old.iss, old.record_id, old.source), superseded);
        changed.push(superseded);
      }
    }
    // memory first: a revocation must bite on the very next request
    if (fresh) this.entries.set(key, entry);
    this.cursors.set(event.iss, eventId);
    await this.db.transaction().execute(async (trx) => {
      for (const e of changed) {
        const row = {
          iss: e.iss,
          record_id: e.record_id,
          source: e.source,
          client_id: e.client_id,
          status: e.status,
          subjects: JSON.stringify(e.subjects),
          purpose: e.purpose,
          legal_basis: e.legal_basis,
          expires_at: e.expires_at,
          event_seq: e.event_seq,
          updated_at: Date.now(),
          superseded_by: e.superseded_by,
          moved_at: e.moved_at,
        };
        await trx
          .insertInto('replica_consents')
          .values(row)
          .onConflict((oc) => oc.columns(['iss', 'record_id', 'source']).doUpdateSet(row))
          .execute();
      }
      await trx
        .insertInto('replica_cursors')
        .values({ iss: event.iss, last_event_id: eventId, last_event_at: Date.now() })
        .onConflict((oc) => oc.column('iss').doUpdateSet({ last_event_id: eventId, last_event_at: Date.now() }))
        .execute();
    });
    for (const e of changed) for (const l of this.listeners) l(e);
  }

  get size(): number {
    return this.entries.size;
  }
}
