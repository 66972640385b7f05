/**
 * The consent-feed protocol, shared by its producer (the operator's feed route) and its
 * consumer (the gateway's feed client): what an operator tells gateways about one consent
 * record and one source. The feed is Server-Sent Events; each `consent` event's data is a
 * compact JWS of typ {@link CONSENT_EVENT_JWS_TYP} signed with the operator's keys, its id the
 * feed position, and its payload the record's whole current state (not a delta), so applying
 * the newest event is always enough. A `sync` event says the backlog has been sent.
 */
import type { ConsentStatus, ReplicaSubject } from './consent-event.ts';

/** The JWS `typ` of a signed consent event. */
export const CONSENT_EVENT_JWS_TYP = 'consent-event+jws';

/** The payload's own `typ` member. */
export const CONSENT_EVENT_PAYLOAD_TYP = 'consent-state';

/** The SSE event names of the feed. */
export const FEED_EVENT = {
  /** One signed consent event; the SSE id is its feed position. */
  consent: 'consent',
  /** Everything up to now has been sent: the gateway's replica is caught up. */
  sync: 'sync',
} as const;

/** The SSE frame of one signed event at feed position `seq`. */
export function consentEventFrame(seq: number | string, jws: string): string {
  return `id: ${seq}\nevent: ${FEED_EVENT.consent}\ndata: ${jws}\n\n`;
}

/** The SSE frame that ends the backlog. */
export const SYNC_FRAME = `event: ${FEED_EVENT.sync}\ndata: {}\n\n`;

/** The signed payload of one feed event. */
export interface ConsentEvent {
  typ: typeof CONSENT_EVENT_PAYLOAD_TYP;
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
    e.typ === CONSENT_EVENT_PAYLOAD_TYP &&
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
