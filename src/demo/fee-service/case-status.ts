/**
 * Where a daycare-fee case stands, derived from its consent records and its fee alone (no
 * I/O): the status the City employee's case list filters by, who still has to consent, and
 * how the consents ended (who, when, how) when they did.
 */
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { Application, Guardian } from './applications.ts';

/** A case's status in the case list. */
export type CaseStatus = 'waiting_for_consents' | 'consented' | 'fee_decided' | 'consent_withdrawn' | 'consent_declined' | 'consent_ended';

/** Every case status, in the order the filter lists them. */
export const CASE_STATUSES: CaseStatus[] = [
  'waiting_for_consents',
  'consented',
  'fee_decided',
  'consent_withdrawn',
  'consent_declined',
  'consent_ended',
];

/** Record statuses that end a consent for good, the one named first winning when several did. */
export const ENDED_STATUSES: ConsentStatus[] = ['withdrawn', 'declined', 'expired', 'suspended', 'moved'];

/** How the income data stopped being usable: a record ended, or the gateway refused a read. */
export interface ConsentEnd {
  status: ConsentStatus | 'refused';
  /** Identity codes of the guardians whose consent ended (empty when the operator did not say whose). */
  guardians: string[];
  /** When it ended, as the operator said, or when the service noticed. */
  at: string;
}

type CaseFacts = Pick<Application, 'consents' | 'fee' | 'guardians' | 'refused'>;

/** How the case's consents ended, or undefined while they have not. */
export function consentEnd(a: CaseFacts): ConsentEnd | undefined {
  for (const status of ENDED_STATUSES) {
    const track = a.consents.find((c) => c.status === status);
    if (!track) continue;
    const named = track.subjects.filter((s) => s.status === 'withdrawn' || s.status === 'declined');
    const whose = named.length > 0 ? named : track.subjects.length === 1 ? track.subjects : [];
    return { status, guardians: whose.map((s) => s.identifier), at: track.changed_at ?? new Date(0).toISOString() };
  }
  return a.refused ? { status: 'refused', guardians: a.refused.guardians, at: a.refused.at } : undefined;
}

/** The case's status: ended consents first, then waiting, then decided or merely consented. */
export function caseStatus(a: CaseFacts): CaseStatus {
  const end = consentEnd(a);
  if (end) return end.status === 'withdrawn' ? 'consent_withdrawn' : end.status === 'declined' ? 'consent_declined' : 'consent_ended';
  if (a.consents.some((c) => c.status !== 'active')) return 'waiting_for_consents';
  return a.fee ? 'fee_decided' : 'consented';
}

/** The guardians who have not decided yet (none once the case's consents ended). */
export function stillToConsent(a: CaseFacts): Guardian[] {
  if (consentEnd(a)) return [];
  return a.guardians.filter((g) => {
    const track = a.consents.find((c) => c.subjects.some((s) => s.identifier === g.personal_identity_code));
    if (!track || track.status !== 'pending') return false;
    return track.subjects.find((s) => s.identifier === g.personal_identity_code)?.status !== 'approved';
  });
}
