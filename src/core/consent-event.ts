/**
 * The consent-feed event: what an operator tells gateways about one consent record and
 * one source. Each event is signed by the operator as a compact JWS; the payload is the
 * whole current state (not a delta), so applying the newest event is always enough.
 */

/** Statuses of a consent record (PROFILE), plus `moved` for records handed to another operator. */
export type ConsentStatus = 'pending' | 'active' | 'declined' | 'suspended' | 'withdrawn' | 'expired' | 'moved';

/** One data subject of a record as a gateway needs it. */
export interface ReplicaSubject {
  /** Opaque party reference inside the record; what services name in `?subject=`. */
  ref: string;
  identifier_type: string;
  identifier: string;
  /** Attribute ids this subject's deciders allowed for this source. */
  datatypes: string[];
}

/** The signed payload of one feed event. */
export interface ConsentEvent {
  typ: 'consent-state';
  iss: string;
  /** Feed position (the SSE id). */
  seq: number;
  record_id: string;
  client_id: string;
  /** Resource URI of the source. */
  source: string;
  status: ConsentStatus;
  subjects: ReplicaSubject[];
  purpose: string | null;
  legal_basis: string | null;
  /** Epoch milliseconds, or null for no expiry. */
  expires_at: number | null;
  updated_at: number;
  replaces?: string | null;
  /** For a `moved` record: the record that replaced it at the new operator. */
  replaced_by?: string | null;
}

/** Checks an untrusted (but signature-verified) payload has the event shape. */
export function isConsentEvent(v: unknown): v is ConsentEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    e.typ === 'consent-state' &&
    typeof e.iss === 'string' &&
    typeof e.seq === 'number' &&
    typeof e.record_id === 'string' &&
    typeof e.client_id === 'string' &&
    typeof e.source === 'string' &&
    typeof e.status === 'string' &&
    Array.isArray(e.subjects) &&
    e.subjects.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as ReplicaSubject).ref === 'string' &&
        typeof (s as ReplicaSubject).identifier === 'string' &&
        typeof (s as ReplicaSubject).identifier_type === 'string' &&
        Array.isArray((s as ReplicaSubject).datatypes),
    ) &&
    (e.expires_at === null || typeof e.expires_at === 'number') &&
    (e.replaces === undefined || e.replaces === null || typeof e.replaces === 'string') &&
    (e.replaced_by === undefined || e.replaced_by === null || typeof e.replaced_by === 'string') &&
    typeof e.updated_at === 'number'
  );
}
