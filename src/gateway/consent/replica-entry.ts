/**
 * One replicated consent record at one source, as the request path reads it. Entries loaded
 * from the store keep their subjects as JSON text until a request needs them (a gateway may
 * hold millions of records, most never read between two restarts).
 */
import type { ConsentStatus, ReplicaSubject } from '../../core/consent-event.ts';

/** The replica's view of one consent record at one source. */
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

/** An entry loaded from the store: subjects are parsed on first use. */
export class StoredEntry implements ReplicaEntry {
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
