import { describe, expect, it } from 'vitest';
import { DPV_PURPOSES, purposeIsA, purposeLabel } from '../../src/core/dpv.ts';
import { arrangementDecision, permittedAttributes, satisfied, type EvaluationContext } from '../../src/core/odrl-evaluator.ts';
import { buildArrangementSet, ruleOfSet, type ArrangementRule } from '../../src/core/odrl.ts';

const DPV = 'https://w3id.org/dpv#';
const GW = 'https://gw.example/sources/incomes';
const ctx: EvaluationContext = {
  purpose: `${DPV}PaymentManagement`,
  recipient: 'city-fees',
  serviceKind: 'public_service',
  trustGroups: ['urn:group:helsinki-region'],
  now: Date.parse('2026-11-25T12:00:00Z'),
};
const rule: ArrangementRule = {
  label: 'City services may read my income',
  purpose: `${DPV}ServiceProvision`,
  service_kind: 'public_service',
  trust_group: 'urn:group:helsinki-region',
  attributes: [`${GW}#annual_income`, `${GW}#income_year`],
  until: '2027-01-01T00:00:00.000Z',
};
const set = buildArrangementSet('urn:uuid:r1', 'urn:portti:account:a1', rule);

describe('DPV purpose taxonomy', () => {
  it('isA holds for the purpose itself, narrower purposes and dpv:Purpose', () => {
    expect(purposeIsA(`${DPV}ServiceProvision`, `${DPV}ServiceProvision`)).toBe(true);
    expect(purposeIsA(`${DPV}DeliveryOfGoods`, `${DPV}ServiceProvision`)).toBe(true); // two levels down
    expect(purposeIsA(`${DPV}Marketing`, `${DPV}Purpose`)).toBe(true);
  });
  it('names every purpose of the table in Finnish, Swedish and English, and falls back to the local name', () => {
    expect(purposeLabel(`${DPV}ServiceProvision`, 'fi')).toBe('Palvelun tarjoaminen');
    expect(purposeLabel(`${DPV}ServiceProvision`, 'sv')).toBe('Tillhandahållande av tjänster');
    for (const iri of DPV_PURPOSES)
      for (const l of ['fi', 'sv', 'en'] as const) expect(purposeLabel(iri, l)).not.toMatch(/^[A-Z][a-z]+[A-Z]/);
    expect(purposeLabel(`${DPV}MadeUpPurpose`, 'fi')).toBe('Made Up Purpose');
  });
  it('isA fails upwards, sideways and for unknown purposes', () => {
    expect(purposeIsA(`${DPV}ServiceProvision`, `${DPV}PaymentManagement`)).toBe(false);
    expect(purposeIsA(`${DPV}Marketing`, `${DPV}ServiceProvision`)).toBe(false);
    expect(purposeIsA(`${DPV}MadeUpPurpose`, `${DPV}ServiceProvision`)).toBe(false);
    expect(purposeIsA('https://evil.example/#ServiceProvision', `${DPV}ServiceProvision`)).toBe(false);
  });
});

describe('ODRL constraints', () => {
  const c = (leftOperand: string, operator: string, rightOperand: unknown) => ({ leftOperand, operator, rightOperand });
  it('purpose isA against the DPV taxonomy', () => {
    expect(satisfied(c('purpose', 'isA', { '@id': `${DPV}ServiceProvision` }), ctx)).toBe(true);
    expect(satisfied(c('purpose', 'isA', { '@id': `${DPV}Marketing` }), ctx)).toBe(false);
    // isA is only meaningful for purposes
    expect(satisfied(c('recipient', 'isA', 'city-fees'), ctx)).toBe(false);
  });
  it('dateTime compares with the evaluation time', () => {
    expect(satisfied(c('dateTime', 'lt', { '@value': '2027-01-01T00:00:00Z' }), ctx)).toBe(true);
    expect(satisfied(c('dateTime', 'lt', { '@value': '2026-01-01T00:00:00Z' }), ctx)).toBe(false);
    expect(satisfied(c('dateTime', 'gteq', '2026-11-25T12:00:00Z'), ctx)).toBe(true);
    expect(satisfied(c('dateTime', 'lt', 'not a date'), ctx)).toBe(false);
  });
  it('recipient, service kind and trust group with set operators', () => {
    expect(satisfied(c('recipient', 'isAnyOf', ['other', 'city-fees']), ctx)).toBe(true);
    expect(satisfied(c('recipient', 'isNoneOf', ['city-fees']), ctx)).toBe(false);
    expect(satisfied(c('portti:serviceKind', 'eq', 'public_service'), ctx)).toBe(true);
    expect(satisfied(c('portti:serviceKind', 'neq', 'public_service'), ctx)).toBe(false);
    expect(satisfied(c('portti:trustGroup', 'eq', 'urn:group:helsinki-region'), ctx)).toBe(true);
    expect(satisfied(c('portti:trustGroup', 'eq', 'urn:group:other'), { ...ctx, trustGroups: [] })).toBe(false);
    expect(satisfied(c('http://www.w3.org/ns/odrl/2/recipient', 'http://www.w3.org/ns/odrl/2/eq', 'city-fees'), ctx)).toBe(true);
  });
  it('logical constraints and, or, xone', () => {
    const yes = c('recipient', 'eq', 'city-fees');
    const no = c('recipient', 'eq', 'someone-else');
    expect(satisfied({ and: [yes, yes] }, ctx)).toBe(true);
    expect(satisfied({ and: [yes, no] }, ctx)).toBe(false);
    expect(satisfied({ and: [] }, ctx)).toBe(false);
    expect(satisfied({ or: [no, yes] }, ctx)).toBe(true);
    expect(satisfied({ xone: [yes, yes] }, ctx)).toBe(false);
    expect(satisfied({ xone: [no, yes] }, ctx)).toBe(true);
  });
  it('fails closed on unknown operands, operators and empty right operands', () => {
    expect(satisfied(c('spatial', 'eq', 'FI'), ctx)).toBe(false);
    expect(satisfied(c('recipient', 'hasPart', 'city-fees'), ctx)).toBe(false);
    expect(satisfied(c('recipient', 'eq', []), ctx)).toBe(false);
    expect(satisfied(c('recipient', 'eq', { nested: true }), ctx)).toBe(false);
  });
});

describe('permission arrangement as an ODRL Set', () => {
  it('is a Set policy with the rule as constraints, and reads back to the same rule', () => {
    expect(set['@type']).toBe('Set');
    expect(set.permission[0]!.action).toBe('read');
    expect(ruleOfSet(set)).toEqual(rule);
  });
  it('permits its attributes when every constraint holds', () => {
    expect([...permittedAttributes(set, ctx)].sort()).toEqual([`${GW}#annual_income`, `${GW}#income_year`]);
  });
  it('permits nothing once one constraint fails', () => {
    expect(permittedAttributes(set, { ...ctx, now: Date.parse('2027-02-01T00:00:00Z') }).size).toBe(0);
    expect(permittedAttributes(set, { ...ctx, serviceKind: 'commercial' }).size).toBe(0);
    expect(permittedAttributes(set, { ...ctx, trustGroups: [] }).size).toBe(0);
    expect(permittedAttributes(set, { ...ctx, purpose: `${DPV}Marketing` }).size).toBe(0);
  });
  it('decides a request only when every required attribute is covered, choosing covered optional ones', () => {
    expect(arrangementDecision(set, ctx, { required: [`${GW}#annual_income`], optional: [`${GW}#income_year`, `${GW}#employer`] })).toEqual(
      {
        applies: true,
        choices: [`${GW}#income_year`],
      },
    );
    expect(arrangementDecision(set, ctx, { required: [`${GW}#annual_income`, `${GW}#tax_debt`], optional: [] })).toEqual({
      applies: false,
    });
    expect(arrangementDecision(set, ctx, { required: [], optional: [`${GW}#employer`] })).toEqual({ applies: false });
  });
  it('ignores permissions for other actions', () => {
    const distribute = { permission: [{ ...set.permission[0]!, action: 'distribute' }] };
    expect(permittedAttributes(distribute, ctx).size).toBe(0);
  });
});
