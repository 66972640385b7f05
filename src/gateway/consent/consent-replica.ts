/**
 * The gateway's local replica of consent state, fed by the operators' consent feeds.
 * Lookups are in memory (one Map get per request); every applied event is persisted
 * with its feed cursor in one transaction, so a restart resumes where it stopped.
 *
 * Memory (a gateway may hold millions of records): entries are keyed by record id alone (no
 * composite key string per entry), repeated strings (issuer, source, client, purpose, legal
 * basis, status) are shared, subjects stay JSON text until a request needs them, and the
 * store is loaded in pages so the load never holds every row at once.
 */
import { sql, type Kysely } from 'kysely';
import type { ConsentStatus, ReplicaSubject } from '../../core/consent-event.ts';
import type { ConsentEvent } from '../../core/consent-feed.ts';
import type { ReplicaDatabase } from './replica.tables.ts';

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

/** An entry loaded from the store: subjects are parsed on first use. */
class StoredEntry implements ReplicaEntry {
  iss: string;
  record_id: string;
  source: string;
  client_id: string;
  status: ConsentStatus;
  purpose: string | null;
  legal_basis: string | null;
  expires_at: number | null;
  event_seq: number;
  superseded_by: string | null;
  moved_at: number | null;
  private raw: string | ReplicaSubject[];

  constructor(fields: Omit<ReplicaEntry, 'subjects'>, subjects: string) {
    this.iss = fields.iss;
    this.record_id = fields.record_id;
    this.source = fields.source;
    this.client_id = fields.client_id;
    this.status = fields.status;
    this.purpose = fields.purpose;
    this.legal_basis = fields.legal_basis;
    this.expires_at = fields.expires_at;
    this.event_seq = fields.event_seq;
    this.superseded_by = fields.superseded_by;
    this.moved_at = fields.moved_at;
    this.raw = subjects;
  }

  get subjects(): ReplicaSubject[] {
    if (typeof this.raw === 'string') this.raw = JSON.parse(this.raw) as ReplicaSubject[];
    return this.raw;
  }
}

const LOAD_PAGE = 20_000;

/** Replica of consent records for the sources this gateway fronts. */
export class ConsentReplica {
  /** By record id; the rare id shared by several issuers or sources holds a list. */
  private readonly entries = new Map<string, ReplicaEntry | ReplicaEntry[]>();
  private count = 0;
  private readonly strings = new Map<string, string>();
  private readonly cursors = new Map<string, string>();
  private readonly db: Kysely<ReplicaDatabase>;
  /** Listeners told after each applied event (tests measure propagation with it). */
  private readonly listeners = new Set<(e: ReplicaEntry) => void>();

  /**
   * How long a `moved` record stays honoured while its replacement has not arrived: the new
   * operator committed the replacement before the old one marked the move, so it is on its
   * way; past this bound (the feed staleness bound) the old record stops on its own.
   */
  private readonly handoverMs: number;

  constructor(db: Kysely<ReplicaDatabase>, handoverMs = 30_000) {
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
    const e = this.entries.get(recordId);
    return (e === undefined ? [] : Array.isArray(e) ? e : [e]).filter((x) => x.source === source);
  }

  /** One shared instance of a repeated string. */
  private intern<T extends string | null>(value: T): T {
    if (value === null) return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known as T;
    if (this.strings.size < 100_000) this.strings.set(value, value);
    return value;
  }

  private put(entry: ReplicaEntry): void {
    const current = this.entries.get(entry.record_id);
    if (current === undefined) {
      this.entries.set(entry.record_id, entry);
      this.count += 1;
    } else if (Array.isArray(current)) {
      const i = current.findIndex((e) => e.iss === entry.iss && e.source === entry.source);
      if (i >= 0) current[i] = entry;
      else {
        current.push(entry);
        this.count += 1;
      }
    } else if (current.iss === entry.iss && current.source === entry.source) this.entries.set(entry.record_id, entry);
    else {
      this.entries.set(entry.record_id, [current, entry]);
      this.count += 1;
    }
  }

  /** Loads the persisted replica (in pages, by primary key) and cursors. */
  async load(): Promise<void> {
    let after: { iss: string; record_id: string; source: string } | undefined;
    for (;;) {
      let q = this.db.selectFrom('replica_consents').selectAll();
      if (after) {
        const a = after;
        // a row-value comparison walks the primary key (SQLite and PostgreSQL alike)
        q = q.where((eb) => eb(eb.refTuple('iss', 'record_id', 'source'), '>', eb.tuple(a.iss, a.record_id, a.source)));
      }
      const rows = await q.orderBy('iss').orderBy('record_id').orderBy('source').limit(LOAD_PAGE).execute();
      for (const r of rows) {
        this.put(
          new StoredEntry(
            {
              iss: this.intern(r.iss),
              record_id: r.record_id,
              source: this.intern(r.source),
              client_id: this.intern(r.client_id),
              status: this.intern(r.status) as ConsentStatus,
              purpose: this.intern(r.purpose),
              legal_basis: this.intern(r.legal_basis),
              expires_at: r.expires_at,
              event_seq: r.event_seq,
              superseded_by: r.superseded_by ?? null,
              moved_at: r.moved_at ?? null,
            },
            r.subjects,
          ),
        );
      }
      if (rows.length < LOAD_PAGE) break;
      const last = rows[rows.length - 1]!;
      after = { iss: last.iss, record_id: last.record_id, source: last.source };
    }
    for (const c of await this.db.selectFrom('replica_cursors').selectAll().execute()) {
      if (c.last_event_id) this.cursors.set(c.iss, c.last_event_id);
    }
  }

  /** Looks up the entry for a record at a source. */
  get(iss: string, recordId: string, source: string): ReplicaEntry | undefined {
    const e = this.entries.get(recordId);
    if (e === undefined) return undefined;
    if (Array.isArray(e)) return e.find((x) => x.iss === iss && x.source === source);
    return e.iss === iss && e.source === source ? e : undefined;
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
    const current = this.get(event.iss, event.record_id, event.source);
    const entry: ReplicaEntry = {
      iss: this.intern(event.iss),
      record_id: event.record_id,
      source: this.intern(event.source),
      client_id: this.intern(event.client_id),
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
    if (fresh && event.status === 'moved') {
      // the old operator handed the record over: honour it until its replacement arrives
      const replacement = event.replaced_by ? this.byRecord(event.replaced_by, event.source) : [];
      if (replacement.length === 0 && !entry.superseded_by) entry.moved_at = Date.now();
      else entry.superseded_by ??= event.replaced_by ?? null;
    }
    const superseded: ReplicaEntry[] = [];
    if (fresh && event.replaces && event.status === 'active') {
      // a record moved here from another operator: the old one stops in the same step,
      // if it is the same service's consent about the same people
      const people = (subjects: ReplicaSubject[]) =>
        subjects
          .map((x) => `${x.identifier_type}:${x.identifier}`)
          .sort()
          .join('|');
      for (const old of this.byRecord(event.replaces, event.source)) {
        if (
          old.iss === event.iss ||
          old.client_id !== event.client_id ||
          old.superseded_by ||
          people(old.subjects) !== people(event.subjects)
        )
          continue;
        old.superseded_by = event.record_id;
        old.moved_at = null;
        superseded.push(old);
      }
    }
    // memory first: a revocation must bite on the very next request
    if (fresh) this.put(entry);
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
          superseded_by: entry.superseded_by,
          moved_at: entry.moved_at,
        };
        await trx
          .insertInto('replica_consents')
          .values(row)
          // several instances may share the store: a lagging one never writes an older state over a newer
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
    for (const e of fresh ? [entry, ...superseded] : superseded) for (const l of this.listeners) l(e);
  }

  get size(): number {
    return this.count;
  }
}
