/**
 * The consent record's state machine (ISO/IEC TS 27560 names, PROFILE statuses) with
 * several participants and activation modes. Pure functions: each transition takes a
 * state and returns the next one plus the history entry, or throws an InvalidTransition.
 * Which status allows what (liveness, withdrawal, expiry) is decided in consent-rules.ts.
 */
import type { ConsentStatus, ReplicaSubject } from './consent-event.ts';
import { hasExpired, PARTY_GAVE_CONSENT, STATUS_RULES, withdrawalRefusal } from './consent-rules.ts';

export type ActivationMode = 'all_activators_activate' | 'any_activator_activates' | 'data_subject_activates' | 'automatically_activated';

export const ACTIVATION_MODES: ActivationMode[] = [
  'all_activators_activate',
  'any_activator_activates',
  'data_subject_activates',
  'automatically_activated',
];

export type PartyRole = 'data_subject' | 'guardian' | 'activator';
export type PartyStatus = 'pending' | 'approved' | 'declined' | 'withdrawn';

/** One participant of a record. */
export interface Party {
  party_id: string;
  role: PartyRole;
  identifier_type: string;
  identifier: string;
  account_id: string | null;
  /** For a guardian: the data subject party they act for. */
  acting_for: string | null;
  status: PartyStatus;
  /** Optional attribute keys (`<source>#<attribute>`) this party chose; null until decided. */
  choices: string[] | null;
  decided_at: number | null;
}

/** One attribute a purpose processes (27560 `pii_information`). */
export interface PiiItem {
  pii_attribute_id: string;
  /** DPV personal-data category IRI. */
  pii_type: string;
  pii_optional: boolean;
  /** Resource URI of the source holding it. */
  source: string;
}

export interface Purpose {
  purpose: string;
  purpose_type?: string;
  lawful_basis: string;
  pii_information: PiiItem[];
  recipient_third_parties: string[];
  retention_period: string;
  withdrawal_method: string;
  agreement_uid: string;
}

/** A transition in the record's history. */
export interface HistoryEntry {
  time: number;
  event_type: string;
  from_status: ConsentStatus | null;
  to_status: ConsentStatus;
  /** `account:<id>`, `client:<id>`, `operator` or `system`. */
  actor: string;
  party_id: string | null;
  reason: string | null;
}

export interface ConsentState {
  record_id: string;
  client_id: string;
  status: ConsentStatus;
  activation_mode: ActivationMode;
  purposes: Purpose[];
  parties: Party[];
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  /** ISO 8601 duration the consent lasts once active (27560 `validity_duration`). */
  validity_duration: string | null;
  replaces: string | null;
  /** Set when the record moved: the record that replaced it at the new operator. */
  replaced_by?: string | null;
  version: number;
}

/** Raised for a transition the state machine does not allow; becomes a 409 problem. */
export class InvalidTransition extends Error {
  readonly from: ConsentStatus;
  constructor(from: ConsentStatus, message: string) {
    super(message);
    this.name = 'InvalidTransition';
    this.from = from;
  }
}

/** Key of an attribute in choices: `<source resource>#<attribute id>`. */
export const attrKey = (item: Pick<PiiItem, 'source' | 'pii_attribute_id'>) => `${item.source}#${item.pii_attribute_id}`;

/** True when the lawful basis is consent (GDPR 6(1)(a) or 9(2)(a)). */
export function isConsentBasis(lawfulBasis: string): boolean {
  return /A6-1-a$|A9-2-a$|#Consent$/.test(lawfulBasis);
}

/** Parties whose decision counts for activation under the record's mode. */
export function activators(state: Pick<ConsentState, 'activation_mode' | 'parties'>): Party[] {
  const represented = new Set(state.parties.filter((p) => p.role === 'guardian' && p.acting_for).map((p) => p.acting_for));
  const deciders = state.parties.filter((p) => {
    if (p.role === 'data_subject') return !represented.has(p.party_id);
    return true; // guardians and activators
  });
  if (state.activation_mode === 'data_subject_activates') {
    return deciders.filter((p) => p.role === 'data_subject' || (p.role === 'guardian' && p.acting_for !== null));
  }
  return deciders;
}

function optionalKeys(state: ConsentState): Set<string> {
  return new Set(state.purposes.flatMap((p) => p.pii_information.filter((i) => i.pii_optional).map(attrKey)));
}

/** Status the record reaches from its parties' decisions (for a pending record). */
function settle(state: ConsentState): ConsentStatus {
  const acts = activators(state);
  const approved = acts.filter((p) => p.status === 'approved').length;
  const declined = acts.filter((p) => p.status === 'declined').length;
  if (state.activation_mode === 'any_activator_activates') {
    if (approved > 0) return 'active';
    return declined === acts.length ? 'declined' : 'pending';
  }
  if (declined > 0) return 'declined';
  return approved === acts.length && acts.length > 0 ? 'active' : 'pending';
}

function transition(
  state: ConsentState,
  to: ConsentStatus,
  entry: Omit<HistoryEntry, 'from_status' | 'to_status'>,
  parties = state.parties,
) {
  const next: ConsentState = { ...state, parties, status: to, updated_at: entry.time, version: state.version + 1 };
  return { state: next, history: { ...entry, from_status: state.status, to_status: to } satisfies HistoryEntry };
}

/** Adds an ISO 8601 duration (PnYnMnDTnHnMnS subset) to an epoch time. */
export function addDuration(epochMs: number, duration: string): number {
  const m =
    /^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,10}(?:\.\d+)?)S)?)?$/.exec(
      duration,
    );
  if (!m || duration === 'P' || duration.endsWith('T')) throw new Error(`not an ISO 8601 duration: ${duration}`);
  const [, y, mo, w, d, h, mi, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  const date = new Date(epochMs);
  const day = date.getUTCDate();
  // calendar months: keep the day, but clamp to the target month's last day (31 Jan + P1M = 28 Feb)
  date.setUTCDate(1);
  date.setUTCFullYear(date.getUTCFullYear() + (y as number), date.getUTCMonth() + (mo as number));
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  const result =
    date.getTime() + (((w as number) * 7 + (d as number)) * 86400 + (h as number) * 3600 + (mi as number) * 60 + (s as number)) * 1000;
  // Date handles ±8.64e15 ms; anything beyond is not a usable expiry
  if (!Number.isFinite(result) || Math.abs(result) > 8.64e15) throw new Error(`duration ${duration} is out of range`);
  return result;
}

function activate(state: ConsentState, now: number): ConsentState {
  const expires = state.validity_duration ? addDuration(now, state.validity_duration) : state.expires_at;
  return { ...state, expires_at: expires };
}

/**
 * A participant approves (with optional-attribute choices) or declines a pending record.
 *
 * @example decide(state, partyId, { approve: true, choices: ['https://gw/sources/incomes#employer'] }, 'account:a1', Date.now())
 */
export function decide(
  state: ConsentState,
  partyId: string,
  decision: { approve: boolean; choices?: string[] },
  actor: string,
  now: number,
) {
  if (state.status !== 'pending')
    throw new InvalidTransition(state.status, `the record is ${state.status}; only pending records can be decided`);
  const party = state.parties.find((p) => p.party_id === partyId);
  if (!party) throw new InvalidTransition(state.status, 'you are not a participant of this record');
  if (!activators(state).some((p) => p.party_id === partyId)) {
    throw new InvalidTransition(state.status, 'your decision is not needed for this record (a guardian decides for this data subject)');
  }
  if (party.status !== 'pending') throw new InvalidTransition(state.status, `you have already ${party.status} this record`);
  const optional = optionalKeys(state);
  const choices = decision.approve ? [...new Set(decision.choices ?? [])] : [];
  const notOptional = choices.filter((c) => !optional.has(c));
  if (notOptional.length > 0) {
    throw new InvalidTransition(state.status, `these are not optional attributes of this record: ${notOptional.join(', ')}`);
  }
  const parties = state.parties.map((p) =>
    p.party_id === partyId
      ? { ...p, status: decision.approve ? ('approved' as const) : ('declined' as const), choices, decided_at: now }
      : p,
  );
  const interim = { ...state, parties };
  const to = settle(interim);
  const eventType = decision.approve ? 'dpv:ConsentGiven' : 'dpv:ConsentRefused';
  const result = transition(interim, to, { time: now, event_type: eventType, actor, party_id: partyId, reason: null }, parties);
  if (to === 'active') result.state = activate(result.state, now);
  return result;
}

/** A participant withdraws: the record stops for everyone (either parent can revoke). */
export function withdraw(state: ConsentState, partyId: string, actor: string, now: number) {
  const refusal = withdrawalRefusal(state);
  if (refusal !== null) throw new InvalidTransition(state.status, refusal);
  const party = state.parties.find((p) => p.party_id === partyId);
  if (!party || !activators(state).some((p) => p.party_id === partyId)) {
    throw new InvalidTransition(state.status, 'only a participant who decides on this record can withdraw it');
  }
  const parties = state.parties.map((p) => (p.party_id === partyId ? { ...p, status: 'withdrawn' as const, decided_at: now } : p));
  return transition(state, 'withdrawn', { time: now, event_type: 'dpv:ConsentWithdrawn', actor, party_id: partyId, reason: null }, parties);
}

/** The operator suspends an active record (e.g. a service under investigation). */
export function suspend(state: ConsentState, actor: string, reason: string, now: number) {
  if (state.status !== 'active')
    throw new InvalidTransition(state.status, `the record is ${state.status}; only active records can be suspended`);
  return transition(state, 'suspended', { time: now, event_type: 'dpv:ConsentSuspended', actor, party_id: null, reason });
}

/** The operator lifts a suspension. */
export function resume(state: ConsentState, actor: string, now: number) {
  if (state.status !== 'suspended')
    throw new InvalidTransition(state.status, `the record is ${state.status}; only suspended records can be resumed`);
  if (hasExpired(state, now)) throw new InvalidTransition(state.status, 'the record has expired meanwhile');
  return transition(state, 'active', { time: now, event_type: 'dpv:ConsentResumed', actor, party_id: null, reason: null });
}

/** The scheduler expires a record whose validity has run out. */
export function expire(state: ConsentState, now: number) {
  if (!STATUS_RULES[state.status].open) throw new InvalidTransition(state.status, `the record is ${state.status}; it cannot expire`);
  if (!hasExpired(state, now)) throw new InvalidTransition(state.status, 'the record has not reached its expiry');
  return transition(state, 'expired', { time: now, event_type: 'dpv:ConsentExpired', actor: 'system', party_id: null, reason: null });
}

/** The record moved to another operator (portability); it stops here for good. */
export function markMoved(state: ConsentState, newRecordId: string, actor: string, now: number) {
  if (!STATUS_RULES[state.status].open) throw new InvalidTransition(state.status, `the record is ${state.status}; only live records move`);
  const result = transition(state, 'moved', {
    time: now,
    event_type: 'portti:ConsentMoved',
    actor,
    party_id: null,
    reason: `replaced by ${newRecordId}`,
  });
  result.state.replaced_by = newRecordId;
  return result;
}

/**
 * What each data subject allows, per source: required attributes plus the optional ones
 * chosen by whoever decides for that subject (the subject, or all of their guardians).
 * A subject none of whose own deciders approved releases nothing, whatever the record's
 * status: another participant's approval never releases someone else's data.
 */
export function subjectsForSource(state: ConsentState, source: string): ReplicaSubject[] {
  const items = state.purposes.flatMap((p) => p.pii_information).filter((i) => i.source === source);
  const required = items.filter((i) => !i.pii_optional).map((i) => i.pii_attribute_id);
  const optional = items.filter((i) => i.pii_optional);
  return state.parties
    .filter((p) => p.role === 'data_subject')
    .map((subject) => {
      const guardians = state.parties.filter((p) => p.role === 'guardian' && p.acting_for === subject.party_id);
      const deciders = guardians.length > 0 ? guardians : [subject];
      const auto = state.activation_mode === 'automatically_activated';
      const approvedByOwn = auto || deciders.some((d) => PARTY_GAVE_CONSENT[d.status]);
      if (!approvedByOwn)
        return { ref: subject.party_id, identifier_type: subject.identifier_type, identifier: subject.identifier, datatypes: [] };
      const chosen =
        state.activation_mode === 'automatically_activated'
          ? optional
          : optional.filter((i) => deciders.every((d) => d.choices?.includes(attrKey(i))));
      return {
        ref: subject.party_id,
        identifier_type: subject.identifier_type,
        identifier: subject.identifier,
        datatypes: [...new Set([...required, ...chosen.map((i) => i.pii_attribute_id)])],
      };
    });
}

/** Sources a record touches. */
export function sourcesOf(state: Pick<ConsentState, 'purposes'>): string[] {
  return [...new Set(state.purposes.flatMap((p) => p.pii_information.map((i) => i.source)))];
}
