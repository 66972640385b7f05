/**
 * The consent-feed protocol, shared by its producer (the operator's feed route) and its
 * consumer (the gateway's feed client): what an operator tells gateways about one consent
 * record and one source. The feed is Server-Sent Events; each `consent` event's data is a
 * compact JWS of typ {@link CONSENT_EVENT_JWS_TYP} signed with the operator's keys, its id the
 * feed position, and its payload the record's whole current state (not a delta), so applying
 * the newest event is always enough. A `token.revoked` event (JWS typ
 * {@link TOKEN_REVOKED_JWS_TYP}) names a revoked access token by `jti`, or every token of a
 * suspended service issued up to a time; a gateway keeps it until the token's `exp`. A `sync`
 * event says the backlog has been sent.
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
  /** One signed token revocation (RFC 7009 at the operator, or a suspended service). */
  revoked: 'token.revoked',
  /** Everything up to now has been sent: the gateway's replica is caught up. */
  sync: 'sync',
} as const;

/** The names of the feed's signed events (each stored event has one). */
export type FeedEventName = typeof FEED_EVENT.consent | typeof FEED_EVENT.revoked;

/** The SSE frame of one signed event at feed position `seq`. */
export function consentEventFrame(seq: number | string, jws: string, event: FeedEventName = FEED_EVENT.consent): string {
  return `id: ${seq}\nevent: ${event}\ndata: ${jws}\n\n`;
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

/** The JWS `typ` of a signed token revocation. */
export const TOKEN_REVOKED_JWS_TYP = 'token-revoked+jws';

/** The revocation payload's own `typ` member. */
export const TOKEN_REVOKED_PAYLOAD_TYP = 'token-revoked';

/**
 * The signed payload of a `token.revoked` event: one token by `jti`, or (no `jti`) every token
 * of `client_id` issued at or before `issued_before` (a suspended service). Either way the
 * gateway keeps it until `exp` (plus its clock skew): no token it covers is valid after that.
 */
export interface TokenRevokedEvent {
  typ: typeof TOKEN_REVOKED_PAYLOAD_TYP;
  iss: string;
  /** Feed position (the SSE id). */
  seq: number;
  /** Resource URI of the source the revoked tokens are for. */
  source: string;
  client_id: string;
  jti?: string;
  /** Epoch seconds: for a suspended service, tokens with `iat` up to this are revoked. */
  issued_before?: number;
  /** Epoch seconds: the revoked token's `exp` (the last one a covered token can have). */
  exp: number;
  /** Epoch milliseconds. */
  revoked_at: number;
}

/** Checks an untrusted (but signature-verified) payload has the revocation shape. */
export function isTokenRevokedEvent(v: unknown): v is TokenRevokedEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const jti = typeof e.jti === 'string' && e.jti.length > 0 && e.issued_before === undefined;
  const client = e.jti === undefined && typeof e.issued_before === 'number';
  return (
    e.typ === TOKEN_REVOKED_PAYLOAD_TYP &&
    typeof e.iss === 'string' &&
    typeof e.seq === 'number' &&
    typeof e.source === 'string' &&
    typeof e.client_id === 'string' &&
    (jti || client) &&
    typeof e.exp === 'number' &&
    typeof e.revoked_at === 'number'
  );
}
