/**
 * Pre-anonymised sharing: an aggregate service gets generalised profiles of people who
 * opted in, under pairwise pseudonyms; it cannot ask below its k floor; groups smaller
 * than k are suppressed, and if fewer than k people remain nothing is released.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymise } from '../../src/pds/anonymise.ts';
import { PorttiConfigSchema } from '../../src/shared/config.schema.ts';
import { Value } from 'typebox/value';
import { tempDir } from '../helpers/stores.ts';
import { createDepositor, pdsConfig, signDeposit, startPds, type RunningPds } from './pds-helpers.ts';

const FIELDS = [
  { name: 'age_band', pointer: '/birth_date', generalise: 'age_band' as const, width: 10 },
  { name: 'postcode', pointer: '/postal_code', generalise: 'prefix' as const, digits: 3 },
  { name: 'income_band', pointer: '/earned_income', generalise: 'number_band' as const, width: 20000 },
];
const TODAY = new Date('2026-06-01T00:00:00Z');

describe('k-anonymous profiles (pure)', () => {
  const person = (i: number, birth: string, postal: string, income: number) => ({
    pseudonym: `p${i}`,
    document: { birth_date: birth, postal_code: postal, earned_income: income, name: `Person ${i}` },
  });

  it('generalises, drops direct identifiers and suppresses groups smaller than k', () => {
    const people = [
      ...[0, 1, 2, 3, 4].map((i) => person(i, `198${i}-03-0${i + 1}`, `0053${i}`, 41000 + i * 1000)),
      person(9, '1950-01-01', '99999', 250000), // unique: suppressed
    ];
    const answer = anonymise(people, FIELDS, 5, TODAY);
    expect(answer.suppressed_people).toBe(1);
    expect(answer.groups).toBe(1);
    expect(answer.profiles).toHaveLength(5);
    for (const p of answer.profiles) {
      expect(Object.keys(p).sort()).toEqual(['age_band', 'income_band', 'postcode', 'pseudonym']);
      expect(p).toMatchObject({ age_band: expect.stringMatching(/^(30-39|40-49)$/), postcode: '005**', income_band: '40000-59999' });
    }
  });

  it('refuses the whole answer when fewer than k people remain', () => {
    const people = [0, 1, 2, 3].map((i) => person(i, '1980-01-01', '00530', 40000));
    expect(() => anonymise(people, FIELDS, 5, TODAY)).toThrow(/fewer than 5/);
  });

  it('does not let configuration set a floor below 5', () => {
    const config = {
      personal_data_stores: [
        {
          ...pdsConfig([]),
          aggregate_services: [
            {
              id: 'stats',
              name: { fi: 'x', sv: 'x', en: 'x' },
              token: 'stats-token-0123456789',
              category: 'tax-decision',
              k_min: 3,
              fields: FIELDS,
            },
          ],
        },
      ],
    };
    expect(Value.Check(PorttiConfigSchema, config)).toBe(false);
  });
});

describe('aggregate API', () => {
  let pds: RunningPds;
  const token = 'stats-token-0123456789abcdef';
  const ask = (k?: number, t = token) =>
    fetch(`${pds.url}/aggregates/statistics${k === undefined ? '' : `?k=${k}`}`, { headers: { authorization: `Bearer ${t}` } });

  beforeAll(async () => {
    const tax = await createDepositor('tax-administration');
    pds = await startPds(
      pdsConfig([tax], {
        aggregate_services: [
          {
            id: 'statistics',
            name: { fi: 'Tilastot', sv: 'Statistik', en: 'Statistics' },
            token,
            category: 'tax-decision',
            k_min: 5,
            fields: FIELDS,
          },
        ],
      }),
      { kind: 'sqlite', path: join(tempDir(), 'pds.db') },
    );
    // twelve people alike, one outlier; the store holds identifiers only as keyed hashes
    for (let i = 0; i < 13; i += 1) {
      const outlier = i === 12;
      await pds.service.deposit(
        await signDeposit(tax, {
          identifier: `0101${String(80 + (i % 10)).padStart(2, '0')}-${String(100 + i)}X`,
          category: 'tax-decision',
          document: {
            birth_date: outlier ? '1940-05-05' : '1985-06-15',
            postal_code: outlier ? '99990' : '00530',
            earned_income: outlier ? 500000 : 45000,
            employer: `Employer ${i}`,
          },
        }),
      );
    }
  });
  afterAll(async () => pds?.close());

  const optIn = async (n: number) => {
    for (let i = 0; i < 13; i += 1) {
      const id = `0101${String(80 + (i % 10)).padStart(2, '0')}-${String(100 + i)}X`;
      await pds.service.setSharing(id, i < n || (n === 13 && i === 12) ? ['statistics'] : []);
    }
  };

  it('includes only people who opted in; refuses when fewer than k did', async () => {
    await optIn(4);
    const res = await ask();
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('k_anonymity_threshold');
  });

  it('refuses a k below the floor and a wrong credential', async () => {
    await optIn(13);
    const low = await ask(2);
    expect(low.status).toBe(400);
    expect(await low.json()).toMatchObject({ code: 'k_anonymity_threshold', k_min: 5 });
    expect((await ask(5, 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await fetch(`${pds.url}/aggregates/statistics?k=abc`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect((await fetch(`${pds.url}/aggregates/nobody`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('answers with generalised, pseudonymous profiles, the outlier suppressed; a higher k is allowed', async () => {
    await optIn(13);
    const res = await ask();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { profiles: Array<Record<string, string>>; suppressed_people: number; k: number };
    expect(body.k).toBe(5);
    expect(body.profiles).toHaveLength(12);
    expect(body.suppressed_people).toBe(1);
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/Employer|010180|1985-06-15|00530/);
    expect(new Set(body.profiles.map((p) => p.pseudonym)).size).toBe(12);
    expect((await ask(13)).status).toBe(409); // 12 alike < 13
    // pseudonyms are stable for this service and differ for another
    const again = (await (await ask()).json()) as { profiles: Array<{ pseudonym: string }> };
    expect(again.profiles.map((p) => p.pseudonym)).toEqual(body.profiles.map((p) => p.pseudonym));
    const vault = pds.service.vault;
    const s = vault.subjectOf('010180-100X');
    expect(vault.pseudonym(s, 'statistics')).not.toBe(vault.pseudonym(s, 'other-service'));
  });
});
