import { afterAll, describe, expect, it } from 'vitest';
import {
  businessIdCheckDigit,
  hetuControlChar,
  isValidBusinessId,
  isValidHetu,
  isValidIban,
  makeFinnishIban,
  makeHetu,
} from '../../src/demo/population/finnish-ids.ts';
import { FINNISH, SWEDISH } from '../../src/demo/population/names.data.ts';
import { ageAt, DEMO_RESIDENTS, generatePopulation, generatePopulationData, guardianships } from '../../src/demo/population/population.ts';
import { mulberry32 } from '../../src/demo/population/random.ts';
import type { EmploymentDocument, IncomeDocument } from '../../src/demo/registers/income-model.ts';
import { createIncomesRegister } from '../../src/demo/registers/incomes-register.ts';
import { createPopulationRegister } from '../../src/demo/registers/population-register.ts';

const { people, families } = generatePopulationData(300, 2026);
const incomes = createIncomesRegister(people, { families });
const population = createPopulationRegister(people, families);
afterAll(async () => {
  await incomes.close();
  await population.close();
});

const get = async (app: typeof incomes, url: string, headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
};

describe('Finnish identifiers', () => {
  it('validates henkilötunnus control characters', () => {
    expect(isValidHetu('131052-308T')).toBe(true);
    expect(isValidHetu('131052-308U')).toBe(false);
    expect(hetuControlChar('131052308')).toBe('T');
    expect(isValidHetu('131052-308t')).toBe(false);
    expect(isValidHetu('310252-308T')).toBe(false); // 31 February
    expect(isValidHetu('131052-001T')).toBe(false); // individual numbers start at 002
    expect(isValidHetu('010594Y9032')).toBe(true); // a new 1900s century sign (2023)
    expect(makeHetu('1952-10-13', 308)).toBe('131052-308T');
    expect(makeHetu('2022-05-11', 905)).toBe('110522A9050');
  });

  it('computes business id and IBAN check digits', () => {
    expect(isValidBusinessId('0201256-6')).toBe(true);
    expect(isValidBusinessId('0201256-7')).toBe(false);
    expect(businessIdCheckDigit('0201256')).toBe(6);
    expect(isValidIban('FI2112345600000785')).toBe(true);
    expect(isValidIban('FI2112345600000786')).toBe(false);
    expect(makeFinnishIban('1234560000078')).toBe('FI2112345600000785');
  });
});

describe('synthetic population', () => {
  it('is deterministic per seed', () => {
    expect(generatePopulationData(300, 2026)).toEqual({ people, families });
    expect(generatePopulation(300, 7)).not.toEqual(people);
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('has valid, unique, clearly synthetic identity codes matching birth date and sex', () => {
    expect(people).toHaveLength(300);
    expect(new Set(people.map((p) => p.personal_identity_code)).size).toBe(300);
    for (const p of people) {
      const code = p.personal_identity_code;
      expect(isValidHetu(code)).toBe(true);
      expect(Number(code.slice(7, 10))).toBeGreaterThanOrEqual(900);
      expect(Number(code.slice(7, 10)) % 2 === 1 ? 'male' : 'female').toBe(p.sex);
      expect(`${code.slice(4, 6)}${code.slice(2, 4)}${code.slice(0, 2)}`).toBe(p.birth_date.slice(2).replaceAll('-', ''));
    }
  });

  it('uses rich name lists and a realistic language mix', () => {
    for (const g of [FINNISH, SWEDISH]) {
      expect(g.female.length).toBeGreaterThanOrEqual(40);
      expect(g.male.length).toBeGreaterThanOrEqual(40);
      expect(g.surnames.length).toBeGreaterThanOrEqual(40);
    }
    const big = generatePopulation(5000, 1);
    const share = (lang: string) => big.filter((p) => p.mother_tongue === lang).length / big.length;
    expect(share('fi')).toBeGreaterThan(0.82);
    expect(share('fi')).toBeLessThan(0.92);
    expect(share('sv')).toBeGreaterThan(0.03);
    expect(share('sv')).toBeLessThan(0.08);
  });

  it('starts with the demo residents and their families', () => {
    const codes = people.slice(0, 5).map((p) => p.personal_identity_code);
    expect(codes).toEqual(Object.values(DEMO_RESIDENTS).map((r) => r.personal_identity_code));
    expect(DEMO_RESIDENTS.aino).toEqual({ personal_identity_code: '140388-9028', name: 'Aino Virtanen', birth_date: '1988-03-14' });
    for (const r of Object.values(DEMO_RESIDENTS)) expect(isValidHetu(r.personal_identity_code)).toBe(true);
    const links = guardianships(families);
    const guardiansOf = (child: string) => links.filter((l) => l.child === child).map((l) => [l.guardian, l.relationship]);
    expect(guardiansOf(DEMO_RESIDENTS.eelis.personal_identity_code)).toEqual([
      [DEMO_RESIDENTS.aino.personal_identity_code, 'mother'],
      [DEMO_RESIDENTS.mikko.personal_identity_code, 'father'],
    ]);
    expect(guardiansOf(DEMO_RESIDENTS.ella.personal_identity_code)).toEqual([[DEMO_RESIDENTS.sara.personal_identity_code, 'mother']]);
    expect(people[0]?.municipality).toEqual({ code: '091', name: 'Helsinki' });
    expect(people[3]?.municipality).toEqual({ code: '049', name: 'Espoo' });
    expect(people[3]?.mother_tongue).toBe('sv');
  });

  it('builds families of adults with children under 18', () => {
    const byCode = new Map(people.map((p) => [p.personal_identity_code, p]));
    expect(families.length).toBeGreaterThan(5);
    for (const f of families) {
      expect(f.guardians.length).toBeGreaterThanOrEqual(1);
      expect(f.guardians.length).toBeLessThanOrEqual(2);
      expect(f.children.length).toBeLessThanOrEqual(3);
      for (const g of f.guardians) expect(ageAt(byCode.get(g.personal_identity_code)?.birth_date ?? '')).toBeGreaterThanOrEqual(18);
      for (const c of f.children) {
        const child = byCode.get(c);
        expect(ageAt(child?.birth_date ?? '')).toBeLessThan(18);
        expect(child?.address).toEqual(byCode.get(f.guardians[0]?.personal_identity_code ?? '')?.address);
      }
    }
  });
});

describe('population register', () => {
  const { aino, eelis, sara, ella } = DEMO_RESIDENTS;

  it('answers basic person data', async () => {
    const res = await get(population, `/people/${aino.personal_identity_code}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      personal_identity_code: aino.personal_identity_code,
      name: 'Aino Virtanen',
      family_name: 'Virtanen',
      birth_date: '1988-03-14',
      municipality: { code: '091', name: 'Helsinki' },
      address: { postal_code: '00530', post_office: 'HELSINKI' },
      mother_tongue: 'fi',
      nationality: 'FI',
    });
  });

  it('answers guardians of a child and children of a guardian', async () => {
    const g = await get(population, `/people/${eelis.personal_identity_code}/guardians`);
    expect(g.body).toEqual({
      child: { personal_identity_code: eelis.personal_identity_code, name: 'Eelis Virtanen' },
      guardians: [
        { personal_identity_code: aino.personal_identity_code, name: 'Aino Virtanen', relationship: 'mother' },
        { personal_identity_code: DEMO_RESIDENTS.mikko.personal_identity_code, name: 'Mikko Virtanen', relationship: 'father' },
      ],
    });
    const c = await get(population, `/people/${sara.personal_identity_code}/children`);
    expect(c.body).toEqual({
      guardian: { personal_identity_code: sara.personal_identity_code, name: 'Sara Lindqvist' },
      children: [{ personal_identity_code: ella.personal_identity_code, name: 'Ella Lindqvist', birth_date: '2023-02-08' }],
    });
    expect((await get(population, `/people/${aino.personal_identity_code}/guardians`)).body.guardians).toEqual([]);
    expect((await get(population, `/people/${ella.personal_identity_code}/children`)).body.children).toEqual([]);
  });

  it('answers 400, 404 and 401 with JSON errors', async () => {
    expect(await get(population, '/people/131052-308U')).toMatchObject({ status: 400, body: { error: 'invalid_identity_code' } });
    expect(await get(population, '/people/131052-308T/guardians')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await get(population, '/nothing/here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const locked = createPopulationRegister(people, families, { apiKey: 'secret-key' });
    expect(await get(locked, `/people/${aino.personal_identity_code}`)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await get(locked, `/people/${aino.personal_identity_code}`, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await get(locked, `/people/${aino.personal_identity_code}`, { 'x-api-key': 'secret-key' })).status).toBe(200);
    await locked.close();
  });
});

describe('incomes register', () => {
  const { aino, mikko, sara, eelis } = DEMO_RESIDENTS;

  it('answers an income document with consistent figures', async () => {
    const res = await get(incomes, `/people/${aino.personal_identity_code}/income`);
    expect(res.status).toBe(200);
    const doc = res.body as unknown as IncomeDocument;
    expect(doc.person).toEqual({ personal_identity_code: aino.personal_identity_code, name: 'Aino Virtanen' });
    expect(doc.income_year).toBe(2025);
    expect(doc.employment_status).toBe('employed');
    expect(doc.employer?.name).toBe('Lääkärikeskus Aalto Oy');
    expect(doc.occupation).toEqual({ code: '2221', title: 'Nursing professionals' });
    expect(doc.monthly_income.months.map((m) => m.month)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`),
    );
    const sum = doc.monthly_income.months.reduce((s, m) => s + m.gross_eur, 0);
    expect(Math.abs(sum - doc.annual_income.gross_eur)).toBeLessThan(0.01);
    expect(doc.annual_income.gross_eur).toBeGreaterThan(35_000);
    expect(doc.annual_income.taxable_eur).toBeLessThan(doc.annual_income.gross_eur);
    expect(doc.benefits).toContainEqual(expect.objectContaining({ type: 'child_benefit', payer: 'Kela' }));
    expect(isValidIban(doc.bank_account.iban)).toBe(true);
    expect((await get(incomes, `/people/${aino.personal_identity_code}/income`)).body).toEqual(res.body);
    const single = (await get(incomes, `/people/${sara.personal_identity_code}/income`)).body as unknown as IncomeDocument;
    const benefit = (d: IncomeDocument) => d.benefits.find((b) => b.type === 'child_benefit')?.amount_eur ?? 0;
    expect(benefit(single)).toBeGreaterThan(benefit(doc)); // single-parent supplement
  });

  it('answers employment', async () => {
    const res = await get(incomes, `/people/${mikko.personal_identity_code}/employment`);
    const doc = res.body as unknown as EmploymentDocument;
    expect(doc).toMatchObject({
      employment_status: 'employed',
      employer: { name: 'Itämeren Ohjelmisto Oy' },
      occupation: { code: '2512', title: 'Software developers' },
      employment: { start_date: '2019-03-01', contract_type: 'permanent', working_time: 'full_time' },
    });
    expect(isValidBusinessId(doc.employer?.business_id ?? '')).toBe(true);
  });

  it('answers 404 for children and unknown people, 400 for malformed codes, 401 without the key', async () => {
    expect(await get(incomes, `/people/${eelis.personal_identity_code}/income`)).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect((await get(incomes, '/people/131052-308T/employment')).status).toBe(404);
    expect(await get(incomes, '/people/not-a-code/income')).toMatchObject({ status: 400, body: { error: 'invalid_identity_code' } });
    const locked = createIncomesRegister(people, { apiKey: 'k3y' });
    expect((await get(locked, `/people/${aino.personal_identity_code}/income`)).status).toBe(401);
    expect((await get(locked, `/people/${aino.personal_identity_code}/income`, { 'x-api-key': 'k3y' })).status).toBe(200);
    await locked.close();
  });

  it('has valid business ids and IBANs and a realistic income distribution', async () => {
    const docs: IncomeDocument[] = [];
    for (const p of people) {
      const res = await incomes.inject({ method: 'GET', url: `/people/${p.personal_identity_code}/income` });
      if (res.statusCode === 200) docs.push(res.json());
      else expect(ageAt(p.birth_date)).toBeLessThan(18);
    }
    for (const d of docs) {
      expect(isValidIban(d.bank_account.iban)).toBe(true);
      if (d.employer) expect(isValidBusinessId(d.employer.business_id)).toBe(true);
    }
    const earnings = docs
      .filter((d) => d.employment_status === 'employed')
      .map((d) => d.annual_income.gross_eur)
      .sort((a, b) => a - b);
    const median = earnings[Math.floor(earnings.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(30_000);
    expect(median).toBeLessThan(55_000);
    expect(docs.some((d) => d.employment_status === 'unemployed' && d.annual_income.gross_eur === 0 && d.benefits.length > 0)).toBe(true);
    expect(docs.some((d) => d.benefits.some((b) => b.type === 'earnings_related_pension'))).toBe(true);
  });

  it('is deterministic per seed', async () => {
    const again = createIncomesRegister(people, { families });
    const other = createIncomesRegister(people, { families, seed: 99 });
    const url = `/people/${people.slice(5).find((p) => ageAt(p.birth_date) >= 18)?.personal_identity_code}/income`;
    expect((await get(again, url)).body).toEqual((await get(incomes, url)).body);
    expect((await get(other, url)).body).not.toEqual((await get(incomes, url)).body);
    await again.close();
    await other.close();
  });
});
