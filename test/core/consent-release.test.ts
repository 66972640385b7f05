/**
 * A subject's data is released only by that subject's own deciders: another participant's
 * approval (any_activator_activates, or a guardian of another child) never releases it.
 */
import { describe, expect, it } from 'vitest';
import { decide, subjectsForSource, type ConsentState, type Party } from '../../src/core/consent.ts';

const SRC = 'https://gw/sources/incomes';
const party = (id: string, role: Party['role'], actingFor: string | null = null): Party => ({
  party_id: id,
  role,
  identifier_type: 'fi_hetu',
  identifier: `hetu-${id}`,
  account_id: null,
  acting_for: actingFor,
  status: 'pending',
  choices: null,
  decided_at: null,
});

function record(mode: ConsentState['activation_mode'], parties: Party[]): ConsentState {
  return {
    record_id: 'r',
    client_id: 'svc',
    status: 'pending',
    activation_mode: mode,
    parties,
    created_at: 0,
    updated_at: 0,
    expires_at: null,
    validity_duration: null,
    replaces: null,
    version: 1,
    purposes: [
      {
        purpose: 'p',
        lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a',
        retention_period: 'P1Y',
        recipient_third_parties: [],
        withdrawal_method: 'w',
        agreement_uid: 'a',
        pii_information: [{ pii_attribute_id: 'annual_income', pii_type: 't', pii_optional: false, source: SRC }],
      },
    ],
  };
}

describe('release per data subject', () => {
  it("any_activator_activates with two subjects: the approving subject's data only", () => {
    const state = record('any_activator_activates', [party('aino', 'data_subject'), party('mikko', 'data_subject')]);
    const { state: active } = decide(state, 'aino', { approve: true }, 'account:aino', 1);
    expect(active.status).toBe('active');
    expect(subjectsForSource(active, SRC).map((s) => [s.ref, s.datatypes])).toEqual([
      ['aino', ['annual_income']],
      ['mikko', []],
    ]);
  });

  it('a guardian of one child does not release another child in the same record', () => {
    const state = record('any_activator_activates', [
      party('x', 'data_subject'),
      party('gx', 'guardian', 'x'),
      party('y', 'data_subject'),
      party('gy', 'guardian', 'y'),
    ]);
    const { state: active } = decide(state, 'gx', { approve: true }, 'account:gx', 1);
    expect(subjectsForSource(active, SRC).map((s) => [s.ref, s.datatypes.length])).toEqual([
      ['x', 1],
      ['y', 0],
    ]);
  });

  it('all_activators_activate releases everyone once all approved', () => {
    let state = record('all_activators_activate', [party('aino', 'data_subject'), party('mikko', 'data_subject')]);
    state = decide(state, 'aino', { approve: true }, 'a', 1).state;
    expect(subjectsForSource(state, SRC).find((s) => s.ref === 'mikko')!.datatypes).toEqual([]);
    state = decide(state, 'mikko', { approve: true }, 'm', 2).state;
    expect(subjectsForSource(state, SRC).every((s) => s.datatypes.length === 1)).toBe(true);
  });
});
