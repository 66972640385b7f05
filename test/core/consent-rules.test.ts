// The consent rules every component shares: liveness (status and expiry), withdrawal, and the statuses a rule selects.
import { describe, expect, it } from 'vitest';
import { canWithdraw, hasExpired, isLive, statusesWhere, whyNotLive, withdrawalRefusal } from '../../src/core/consent-rules.ts';
import type { ConsentStatus } from '../../src/core/consent-event.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const STATUSES: ConsentStatus[] = ['pending', 'active', 'declined', 'suspended', 'withdrawn', 'expired', 'moved'];

describe('isLive', () => {
  it('is true only for an active record that has not expired', () => {
    expect(isLive({ status: 'active', expires_at: null }, NOW)).toBe(true);
    expect(isLive({ status: 'active', expires_at: NOW + 1 }, NOW)).toBe(true);
    expect(isLive({ status: 'active', expires_at: NOW }, NOW)).toBe(false);
    expect(isLive({ status: 'active', expires_at: NOW - 1 }, NOW)).toBe(false);
    for (const status of STATUSES.filter((s) => s !== 'active')) expect(isLive({ status, expires_at: null }, NOW), status).toBe(false);
  });

  it('says why not: the status first, then the expiry', () => {
    expect(whyNotLive({ status: 'active', expires_at: null }, NOW)).toBeNull();
    expect(whyNotLive({ status: 'active', expires_at: NOW - 1 }, NOW)).toBe('expired');
    expect(whyNotLive({ status: 'suspended', expires_at: NOW - 1 }, NOW)).toBe('status');
    expect(whyNotLive({ status: 'pending', expires_at: null }, NOW)).toBe('status');
  });

  it('an expiry is reached at its instant, and null never expires', () => {
    expect(hasExpired({ expires_at: null }, NOW)).toBe(false);
    expect(hasExpired({ expires_at: NOW }, NOW)).toBe(true);
    expect(hasExpired({ expires_at: NOW + 1 }, NOW)).toBe(false);
  });
});

describe('canWithdraw', () => {
  it('allows active and suspended consent-based records only', () => {
    const allowed = STATUSES.filter((status) => canWithdraw({ status, activation_mode: 'all_activators_activate' }));
    expect(allowed).toEqual(['active', 'suspended']);
    expect(canWithdraw({ status: 'active', activation_mode: 'automatically_activated' })).toBe(false);
  });

  it('explains a refusal in the state machine’s words', () => {
    expect(withdrawalRefusal({ status: 'pending', activation_mode: 'any_activator_activates' })).toBe(
      'the record is pending; only active or suspended records can be withdrawn',
    );
    expect(withdrawalRefusal({ status: 'active', activation_mode: 'automatically_activated' })).toMatch(/not based on consent/);
    expect(withdrawalRefusal({ status: 'suspended', activation_mode: 'data_subject_activates' })).toBeNull();
  });
});

describe('statusesWhere', () => {
  it('lists the statuses a rule answers yes for (the expiry scheduler queries the open ones)', () => {
    expect(statusesWhere('open')).toEqual(['pending', 'active', 'suspended']);
    expect(statusesWhere('live')).toEqual(['active']);
  });
});
