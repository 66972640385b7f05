/**
 * Every per-status table answers every status: a `ConsentStatus` (or `PartyStatus`) added
 * without its label, webhook event and rules fails to compile here, and so does a table
 * loosened to `Partial` or to string keys. tsc checks this file (tsconfig includes test/);
 * the runtime half pins each table's contents to what the code decided before the tables.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ConsentStatus } from '../../src/core/consent-event.ts';
import { PARTY_GAVE_CONSENT, STATUS_RULES, type StatusRule } from '../../src/core/consent-rules.ts';
import type { PartyRole, PartyStatus } from '../../src/core/consent.ts';
import { WEBHOOK_EVENT } from '../../src/operator/webhooks/webhooks.ts';
import { t, type MessageKey } from '../../src/web/i18n.ts';
import { ACCESS_OUTCOME_LABEL, CONSENT_STATUS_LABEL, MESSAGES, PARTY_ROLE_LABEL, PARTY_STATUS_LABEL } from '../../src/web/messages.ts';

/** The statuses as a list; a status missing here (or here but not in the union) fails the two checks below. */
const CONSENT_STATUSES = ['pending', 'active', 'declined', 'suspended', 'withdrawn', 'expired', 'moved'] as const;
const PARTY_STATUSES = ['pending', 'approved', 'declined', 'withdrawn'] as const;

describe('per-status tables (compile-time)', () => {
  it('the lists name exactly the unions', () => {
    expectTypeOf<(typeof CONSENT_STATUSES)[number]>().toEqualTypeOf<ConsentStatus>();
    expectTypeOf<(typeof PARTY_STATUSES)[number]>().toEqualTypeOf<PartyStatus>();
  });

  it('every consent status has its label, webhook event and rules, each required', () => {
    expectTypeOf<keyof typeof CONSENT_STATUS_LABEL>().toEqualTypeOf<ConsentStatus>();
    expectTypeOf(CONSENT_STATUS_LABEL).toExtend<{ readonly [S in ConsentStatus]-?: MessageKey }>();
    expectTypeOf<keyof typeof WEBHOOK_EVENT>().toEqualTypeOf<ConsentStatus>();
    expectTypeOf(WEBHOOK_EVENT).toExtend<{ readonly [S in ConsentStatus]-?: string | null }>();
    expectTypeOf<keyof typeof STATUS_RULES>().toEqualTypeOf<ConsentStatus>();
    expectTypeOf(STATUS_RULES).toExtend<{ readonly [S in ConsentStatus]-?: StatusRule }>();
  });

  it('every participant status and role has its label and rule', () => {
    expectTypeOf<keyof typeof PARTY_STATUS_LABEL>().toEqualTypeOf<PartyStatus>();
    expectTypeOf(PARTY_STATUS_LABEL).toExtend<{ readonly [S in PartyStatus]-?: MessageKey }>();
    expectTypeOf<keyof typeof PARTY_GAVE_CONSENT>().toEqualTypeOf<PartyStatus>();
    expectTypeOf(PARTY_GAVE_CONSENT).toExtend<{ readonly [S in PartyStatus]-?: boolean }>();
    expectTypeOf<keyof typeof PARTY_ROLE_LABEL>().toEqualTypeOf<PartyRole>();
  });

  it('a status the tables do not answer is a compile error', () => {
    type WithUnknown = ConsentStatus | 'no_such_status';
    // @ts-expect-error the rules have no row for a status they do not list
    expectTypeOf(STATUS_RULES).toExtend<{ readonly [S in WithUnknown]-?: StatusRule }>();
    // @ts-expect-error the labels have no row for a status they do not list
    expectTypeOf(CONSENT_STATUS_LABEL).toExtend<{ readonly [S in WithUnknown]-?: MessageKey }>();
    // @ts-expect-error the webhook events have no row for a status they do not list
    expectTypeOf(WEBHOOK_EVENT).toExtend<{ readonly [S in WithUnknown]-?: string | null }>();
  });

  it('a table missing a status, or a Partial one, does not type', () => {
    // @ts-expect-error `moved` has no webhook event
    const _noMoved: typeof WEBHOOK_EVENT = { pending: null, active: 'a', declined: 'd', suspended: 'd', withdrawn: 'w', expired: 'e' };
    const loose: Partial<Record<ConsentStatus, string>> = { active: 'consent.allowed' };
    // @ts-expect-error a Partial table (what WEBHOOK_EVENT was) is not a per-status table
    const _partial: typeof WEBHOOK_EVENT = loose;
    expect(_noMoved).toBeDefined();
    expect(_partial).toBeDefined();
  });

  it('t accepts only keys of the message table, and every key has all three languages', () => {
    // @ts-expect-error there is no `status_paused` message (this threw at run time before)
    const unknownKey = () => t('en', 'status_paused');
    expect(unknownKey).toThrow();
    expectTypeOf<MessageKey>().toEqualTypeOf<keyof typeof MESSAGES>();
    expectTypeOf(MESSAGES).toExtend<Record<MessageKey, { fi: string; sv: string; en: string }>>();
  });
});

describe('per-status tables (contents)', () => {
  it('labels are the status_* and role_* messages they were', () => {
    for (const s of CONSENT_STATUSES) expect(CONSENT_STATUS_LABEL[s]).toBe(`status_${s}`);
    for (const s of PARTY_STATUSES) expect(PARTY_STATUS_LABEL[s]).toBe(`status_${s}`);
    for (const r of ['data_subject', 'guardian', 'activator'] as const) expect(PARTY_ROLE_LABEL[r]).toBe(`role_${r}`);
    for (const o of ['allowed', 'refused', 'error'] as const) expect(ACCESS_OUTCOME_LABEL[o]).toBe(`outcome_${o}`);
    expect(t('fi', CONSENT_STATUS_LABEL.active)).toBe('voimassa');
    expect(t('sv', PARTY_STATUS_LABEL.approved)).toBe('godkänt');
  });

  it('webhook events are the ones services were sent (none for pending)', () => {
    expect(WEBHOOK_EVENT).toEqual({
      pending: null,
      active: 'consent.allowed',
      declined: 'consent.disallowed',
      suspended: 'consent.disallowed',
      withdrawn: 'consent.withdrawn',
      expired: 'consent.expired',
      moved: 'consent.moved',
    });
  });

  it('the rules say what the status comparisons said', () => {
    const where = (rule: keyof StatusRule) => CONSENT_STATUSES.filter((s) => STATUS_RULES[s][rule]);
    expect(where('live')).toEqual(['active']);
    expect(where('withdrawable')).toEqual(['active', 'suspended']);
    expect(where('open')).toEqual(['pending', 'active', 'suspended']);
    expect(where('standing')).toEqual(['pending', 'active']);
    expect(PARTY_STATUSES.filter((s) => PARTY_GAVE_CONSENT[s])).toEqual(['approved', 'withdrawn']);
  });
});
