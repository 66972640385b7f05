/**
 * The consent rules every component applies alike: one row per status, so adding a
 * `ConsentStatus` (or a `PartyStatus`) fails the build here until each rule answers it.
 * The gateway, the authorization server, the service API and the state machine all ask
 * {@link isLive} and {@link canWithdraw}; none compares statuses or expiry times itself.
 * Pure; no I/O.
 */
import type { ConsentStatus } from './consent-event.ts';
import type { ActivationMode, PartyStatus } from './consent.ts';

/** What a record may do in one status. */
export interface StatusRule {
  /** Data flows: tokens are issued and introspected active, gateways release (until the record expires). */
  live: boolean;
  /** A participant who decides may withdraw it (when the processing is based on consent). */
  withdrawable: boolean;
  /** Not final yet: the record can still expire, or move to another operator. */
  open: boolean;
  /** In force or awaiting its decision: its tokens survive a change, and a move to another operator carries it. */
  standing: boolean;
  /**
   * Gateways keep its subjects' identifiers: it may still be honoured, or it is being handed over
   * to another operator (its replacement is matched by the same people). Otherwise a read is
   * refused on the status alone and the identifiers go (data minimisation).
   */
  identified: boolean;
}

/** The rules of each consent status (PROFILE statuses, plus `moved`). */
export const STATUS_RULES: Readonly<Record<ConsentStatus, Readonly<StatusRule>>> = {
  pending: { live: false, withdrawable: false, open: true, standing: true, identified: true },
  active: { live: true, withdrawable: true, open: true, standing: true, identified: true },
  declined: { live: false, withdrawable: false, open: false, standing: false, identified: false },
  suspended: { live: false, withdrawable: true, open: true, standing: false, identified: true },
  withdrawn: { live: false, withdrawable: false, open: false, standing: false, identified: false },
  expired: { live: false, withdrawable: false, open: false, standing: false, identified: false },
  moved: { live: false, withdrawable: false, open: false, standing: false, identified: true },
};

/**
 * The statuses whose rule answers yes, for queries (`where status in (...)`).
 *
 * @example statusesWhere('open') // ['pending', 'active', 'suspended']
 */
export function statusesWhere(rule: keyof StatusRule): ConsentStatus[] {
  return (Object.keys(STATUS_RULES) as ConsentStatus[]).filter((status) => STATUS_RULES[status][rule]);
}

/** The facts liveness depends on (a consent record, a feed event or a gateway's replica entry). */
export interface LivenessFacts {
  status: ConsentStatus;
  /** Epoch milliseconds, or null for no expiry. */
  expires_at: number | null;
}

/** True once the record's validity has run out (whatever its status says yet). */
export function hasExpired(state: Pick<LivenessFacts, 'expires_at'>, now: number): boolean {
  return state.expires_at !== null && state.expires_at <= now;
}

/**
 * Why a record lets no data flow at `now`: its `status` forbids it, or its time has `expired`
 * (a live status whose expiry passed before the scheduler marked it); null when it is live.
 * Callers that explain a refusal ask this; callers that only decide ask {@link isLive}.
 */
export function whyNotLive(state: LivenessFacts, now: number): 'status' | 'expired' | null {
  if (!STATUS_RULES[state.status].live) return 'status';
  if (hasExpired(state, now)) return 'expired';
  return null;
}

/**
 * Whether a record lets data flow at `now` (status and expiry): tokens are issued and
 * introspected active only for a live record, and gateways release only under one.
 *
 * @example isLive({ status: 'active', expires_at: null }, Date.now()) // true
 */
export function isLive(state: LivenessFacts, now: number): boolean {
  return whyNotLive(state, now) === null;
}

/**
 * Why a record cannot be withdrawn, in words (the state machine's refusal), or null when it
 * can: only active or suspended records can, and only when the processing is based on consent
 * (automatically activated processing is objected to through the controller, GDPR Art. 21).
 */
export function withdrawalRefusal(state: { status: ConsentStatus; activation_mode: ActivationMode }): string | null {
  if (!STATUS_RULES[state.status].withdrawable) {
    return `the record is ${state.status}; only active or suspended records can be withdrawn`;
  }
  if (state.activation_mode === 'automatically_activated') {
    return 'this processing is not based on consent, so it cannot be withdrawn; you can object to it (GDPR Art. 21) through the controller';
  }
  return null;
}

/** Whether a deciding participant may withdraw the record now (the dashboard offers the button only then). */
export function canWithdraw(state: { status: ConsentStatus; activation_mode: ActivationMode }): boolean {
  return withdrawalRefusal(state) === null;
}

/**
 * Per participant status: whether the participant gave consent at some point (and may have
 * withdrawn it since), so that their optional-attribute choices describe what the record covers.
 */
export const PARTY_GAVE_CONSENT: Readonly<Record<PartyStatus, boolean>> = {
  pending: false,
  approved: true,
  declined: false,
  withdrawn: true,
};
