/**
 * What Portti's statuses, events and roles are called in DPV, for the consent receipt
 * (ISO/IEC TS 27560 as the W3C DPV guide `consent-27560` profiles it). In 27560 an event has a
 * type (the kind of consent: expressed, explicit) and a state (a `dpv:ConsentStatus`); the guide
 * types each event node with both. Records on a lawful basis other than consent have no consent
 * status: their events and status are `dpv:ActivityStatus` concepts instead.
 */
import type { ConsentStatus } from '../consent-event.ts';
import type { HistoryEntry, PartyRole } from '../consent.ts';

/**
 * A record's status in DPV: `consent` for records based on consent, `other` for the rest.
 * DPV has no "suspended" or "moved" consent state: both are only "not valid for processing"
 * (the event's `dct:description` and the record's `dct:isReplacedBy` say which).
 */
export const STATUS_TERMS = {
  pending: { consent: 'dpv:ConsentRequested', other: 'dpv:ActivityProposed' },
  active: { consent: 'dpv:ConsentGiven', other: 'dpv:ActivityOngoing' },
  declined: { consent: 'dpv:ConsentRefused', other: 'dpv:ActivityNotCompleted' },
  suspended: { consent: 'dpv:ConsentStatusInvalidForProcessing', other: 'dpv:ActivityHalted' },
  withdrawn: { consent: 'dpv:ConsentWithdrawn', other: 'dpv:ActivityHalted' },
  expired: { consent: 'dpv:ConsentExpired', other: 'dpv:ActivityCompleted' },
  moved: { consent: 'dpv:ConsentStatusInvalidForProcessing', other: 'dpv:ActivityHalted' },
} as const satisfies Record<ConsentStatus, { consent: string; other: string }>;

/**
 * The `dpv:ConsentStatus` an event of a consent-based record expresses, by the history's event
 * name. What one participant did is the event (Aino gave consent), whatever the record's status
 * became (still pending while the other parent decides). Unlisted events (a record imported from
 * another operator) express the status the record arrived in.
 */
const EVENT_TERMS: Readonly<Record<string, string>> = {
  'dpv:ConsentRequested': 'dpv:ConsentRequested',
  'dpv:ConsentGiven': 'dpv:ConsentGiven',
  'dpv:ConsentRefused': 'dpv:ConsentRefused',
  'dpv:ConsentWithdrawn': 'dpv:ConsentWithdrawn',
  'dpv:ConsentExpired': 'dpv:ConsentExpired',
  'dpv:ConsentSuspended': 'dpv:ConsentStatusInvalidForProcessing',
  'dpv:ConsentResumed': 'dpv:ConsentStatusValidForProcessing',
  'portti:ConsentMoved': 'dpv:ConsentStatusInvalidForProcessing',
};

/** Consent states under which the record may be used: their events carry the validity duration. */
export const VALID_FOR_PROCESSING = new Set(['dpv:ConsentGiven', 'dpv:ConsentStatusValidForProcessing', 'dpv:ActivityOngoing']);

/** The DPV status an event expresses (see {@link EVENT_TERMS}). */
export function eventStatus(h: Pick<HistoryEntry, 'event_type' | 'to_status'>, consentBased: boolean): string {
  if (!consentBased) return STATUS_TERMS[h.to_status].other;
  return EVENT_TERMS[h.event_type] ?? STATUS_TERMS[h.to_status].consent;
}

/** The 27560 event type of a given consent: explicit for GDPR 9(2)(a), expressed otherwise (a click on the dashboard). */
export function consentType(lawfulBasis: string): string {
  return /A9-2-a$/.test(lawfulBasis) ? 'dpv:ExplicitlyExpressedConsent' : 'dpv:ExpressedConsent';
}

/** A participant's role as the DPV entity type the guide types parties with. */
export const ROLE_TERMS = {
  data_subject: 'dpv:DataSubject',
  guardian: 'dpv:GuardianOfDataSubject',
  activator: 'dpv:Representative',
} as const satisfies Record<PartyRole, string>;
