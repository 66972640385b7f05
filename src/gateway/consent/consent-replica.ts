/**
 * The gateway's local replica of consent state, fed by the operators' consent feeds.
 * Lookups are in memory (one Map get per request); every applied event is persisted
 * with its feed cursor in one transaction (replica.repository.ts), so a restart resumes
 * where it stopped.
 *
 * Memory (a gateway may hold millions of records): entries are keyed by record id alone (no
 * composite key string per entry), repeated strings (issuer, source, client, purpose, legal
 * basis, status) are shared, subjects stay JSON text until a request needs them, and the
 * store is loaded in pages so the load never holds every row at once.
 */
import type { Kysely } from 'kysely';
import type { ConsentStatus, ReplicaSubject } from '../../core/consent-event.ts';
import type { ConsentEvent } from '../../core/consent-feed.ts';
import { STATUS_RULES, whyNotLive } from '../../core/consent-rules.ts';
import { StoredEntry, type ReplicaEntry } from './replica-entry.ts';
import { replicaCursors, replicaRows, saveApplied } from './replica.repository.ts';
import type { ReplicaDatabase } from './replica.tables.ts';

/** Why an entry is or is not honoured now (`expired`: its status is live but its time ran out). */
export type Honour = { honoured: true } | { honoured: false; status: ConsentStatus; expired: boolean };

const LOAD_PAGE = 20_000;

/** Whether `next` no longer holds an identifier `current` held (a record ended, or a person was erased). */
function forgets(current: ReplicaEntry, next: ReplicaEntry): boolean {
  const kept = new Set(next.subjects.map((x) => `${x.identifier_type}:${x.identifier}`));
  return current.subjects.some((x) => x.identifier !== '' && !kept.has(`${x.identifier_type}:${x.identifier}`));
}

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

  /** Told after an applied event made the replica forget identifiers it held (the store then erases its residue). */
  private readonly forgot: () => void;

  constructor(db: Kysely<ReplicaDatabase>, handoverMs = 30_000, forgot: () => void = () => undefined) {
    this.db = db;
    this.handoverMs = handoverMs;
    this.forgot = forgot;
  }

  /**
   * Whether a record is honoured now. For a moved consent exactly one of the old and the new
   * record is honoured at every instant: the old one until the new one arrives, then only the
   * new one (both changes happen in one synchronous step of {@link apply}). Otherwise an
   * entry is honoured while it is live (core's rule: status and expiry).
   */
  honours(entry: ReplicaEntry, now = Date.now()): Honour {
    if (entry.superseded_by) return { honoured: false, status: 'moved', expired: false };
    const handingOver = entry.status === 'moved' && entry.moved_at !== null && now - entry.moved_at < this.handoverMs;
    // while its replacement is on its way, a moved record counts as the active record it was
    const why = whyNotLive(handingOver ? { status: 'active', expires_at: entry.expires_at } : entry, now);
    if (why === null) return { honoured: true };
    return { honoured: false, status: why === 'expired' ? 'expired' : entry.status, expired: why === 'expired' };
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
    for await (const rows of replicaRows(this.db, LOAD_PAGE)) {
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
    }
    for (const [iss, eventId] of await replicaCursors(this.db)) this.cursors.set(iss, eventId);
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

  /** Notes that an operator's feed got past `eventId` with an event kept elsewhere (a token revocation). */
  advance(iss: string, eventId: string): void {
    const current = this.cursors.get(iss);
    if (current === undefined || Number(current) < Number(eventId)) this.cursors.set(iss, eventId);
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
    const fresh = !current || current.event_seq < event.seq;
    const entry = this.entryOf(event, current);
    if (fresh && event.status === 'moved') this.handOver(entry, event);
    const superseded = fresh && event.replaces && STATUS_RULES[event.status].live ? this.supersede(event, event.replaces) : [];
    // memory first: a revocation must bite on the very next request
    if (fresh) this.put(entry);
    const before = this.cursors.get(event.iss);
    this.cursors.set(event.iss, eventId);
    // the event applied in memory again (the feed repeats it after a failed save): store it again,
    // since the stored row may be the older state (the store refuses to go back, so this is safe)
    const toSave = fresh ? entry : current?.event_seq === event.seq ? current : undefined;
    try {
      await saveApplied(this.db, { entry: toSave, superseded, iss: event.iss, eventId });
    } catch (err) {
      // not stored: the feed must repeat this event, or a restart would load the older state
      // under a cursor past the event (a withdrawal honoured in memory, forgotten in the store)
      if (before === undefined) this.cursors.delete(event.iss);
      else this.cursors.set(event.iss, before);
      throw err;
    }
    if (fresh && current && forgets(current, entry)) this.forgot();
    for (const e of fresh ? [entry, ...superseded] : superseded) for (const l of this.listeners) l(e);
  }

  /** The entry an event makes (a known replacement carries over). */
  private entryOf(event: ConsentEvent, current: ReplicaEntry | undefined): ReplicaEntry {
    return {
      iss: this.intern(event.iss),
      record_id: event.record_id,
      source: this.intern(event.source),
      client_id: this.intern(event.client_id),
      status: event.status,
      // a record that can never be honoured again keeps no identifier (core's `identified` rule)
      subjects: STATUS_RULES[event.status].identified ? event.subjects : event.subjects.map((x) => ({ ...x, identifier: '' })),
      purpose: event.purpose,
      legal_basis: event.legal_basis,
      expires_at: event.expires_at,
      event_seq: event.seq,
      superseded_by: current?.superseded_by ?? null,
      moved_at: null,
    };
  }

  /** The old operator handed the record over: honour it until its replacement arrives. */
  private handOver(entry: ReplicaEntry, event: ConsentEvent): void {
    const replacement = event.replaced_by ? this.byRecord(event.replaced_by, event.source) : [];
    if (replacement.length === 0 && !entry.superseded_by) entry.moved_at = Date.now();
    else entry.superseded_by ??= event.replaced_by ?? null;
  }

  /**
   * A record moved here from another operator: the old one stops in the same step, if it is
   * the same service's consent about the same people. Returns the entries it stopped.
   */
  private supersede(event: ConsentEvent, replaces: string): ReplicaEntry[] {
    const people = (subjects: ReplicaSubject[]) =>
      subjects
        .map((x) => `${x.identifier_type}:${x.identifier}`)
        .sort()
        .join('|');
    const superseded: ReplicaEntry[] = [];
    for (const old of this.byRecord(replaces, event.source)) {
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
    return superseded;
  }

  get size(): number {
    return this.count;
  }
}
