/**
 * A demo data source modelled on the Finnish Incomes Register (Tulorekisteri): earnings,
 * benefits and employment of adults for one income year, keyed by the personal identity code.
 * Every figure is derived deterministically from the seed and the person, so the same
 * population and seed always give the same answers. Benefit rates approximate 2025 levels.
 */
import type { FastifyInstance } from 'fastify';
import { makeBusinessId, makeFinnishIban } from './finnish-ids.ts';
import { EMPLOYERS, type Occupation } from './names.ts';
import { createRegisterApp, findPerson, personRef, sendError, type RegisterOptions } from './population-register.ts';
import { ageAt, DEMO_RESIDENTS, mulberry32, normal, seedFrom, type Family, type Person, type Rng } from './population.ts';

/** The income year the register reports. */
export const INCOME_YEAR = 2025;

export type EmploymentStatus = 'employed' | 'student' | 'unemployed' | 'retired' | 'home_care';
export type BenefitType =
  | 'child_benefit'
  | 'housing_allowance'
  | 'labour_market_subsidy'
  | 'earnings_related_unemployment_allowance'
  | 'study_grant'
  | 'parental_allowance'
  | 'child_home_care_allowance'
  | 'earnings_related_pension'
  | 'national_pension'
  | 'pensioners_housing_allowance';

export interface Employer {
  name: string;
  business_id: string;
}
export interface Benefit {
  type: BenefitType;
  amount_eur: number;
  payer: string;
}
export interface Employment {
  start_date: string;
  contract_type: 'permanent' | 'fixed_term';
  working_time: 'full_time' | 'part_time';
}

/** The answer of `GET /people/:id/income`. */
export interface IncomeDocument {
  person: { personal_identity_code: string; name: string };
  income_year: number;
  employment_status: EmploymentStatus;
  annual_income: { gross_eur: number; taxable_eur: number; tax_withheld_eur: number };
  monthly_income: { average_gross_eur: number; months: { month: string; gross_eur: number }[] };
  employer: Employer | null;
  occupation: { code: string; title: string } | null;
  benefits: Benefit[];
  tax_debt_eur: number;
  bank_account: { iban: string };
}

/** The answer of `GET /people/:id/employment`. */
export interface EmploymentDocument {
  person: { personal_identity_code: string; name: string };
  employment_status: EmploymentStatus;
  employer: Employer | null;
  occupation: { code: string; title: string } | null;
  employment: Employment | null;
}

/** Pure lookups behind the incomes register's endpoints. */
export interface IncomeModel {
  income(code: string): IncomeDocument | undefined;
  employment(code: string): EmploymentDocument | undefined;
}

export interface IncomesRegisterOptions extends RegisterOptions {
  /** Seed of all figures (default 2026). */
  seed?: number;
  /** Families of the population; with them guardians get child benefit, parental and home care allowances. */
  families?: readonly Family[];
}

const EMPLOYER_IDS = EMPLOYERS.map((e, i) => ({ ...e, business_id: makeBusinessId(3_012_345 + i * 48_611) }));
type EmployerEntry = (typeof EMPLOYER_IDS)[number];

/** Fixed jobs of the demo adults, so demos tell the same story whatever the seed. */
const DEMO_JOBS: Record<string, { employer: string; occupation: string; start: string; annual: number; part?: boolean }> = {
  [DEMO_RESIDENTS.aino.personal_identity_code]: {
    employer: 'Lääkärikeskus Aalto Oy',
    occupation: '2221',
    start: '2014-08-01',
    annual: 44_600,
  },
  [DEMO_RESIDENTS.mikko.personal_identity_code]: {
    employer: 'Itämeren Ohjelmisto Oy',
    occupation: '2512',
    start: '2019-03-01',
    annual: 63_200,
  },
  [DEMO_RESIDENTS.sara.personal_identity_code]: {
    employer: 'Lindholm & Söner Ab',
    occupation: '4311',
    start: '2021-09-01',
    annual: 34_900,
    part: true,
  },
};

const CHILD_BENEFIT = [94.88, 104.84, 133.79, 153.24, 172.69]; // per month, by the child's rank
const SINGLE_PARENT_SUPPLEMENT = 73.3;
const BASIC_DAILY = 37.21; // labour market subsidy / basic allowance, per day, ~21.5 days a month
const MIN_PARENTAL = 31.99 * 25;
const HOME_CARE = 377.68;
const STUDY_GRANT = 279.38;
const PENSION_PAYERS = ['Keva', 'Varma', 'Ilmarinen', 'Elo'] as const;
const BANK_PREFIXES = ['50', '52', '53', '55', '57', '11', '12', '15', '17', '20', '22', '80', '34', '39', '36', '405', '47', '31'];

const cents = (x: number): number => Math.round(x * 100) / 100;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
const monthStart = (m: number): string => `${INCOME_YEAR}-${String(m + 1).padStart(2, '0')}-01`;

/** Months (0–11) of the income year in which `test(first day of month)` holds. */
function months(test: (firstOfMonth: string) => boolean): number[] {
  return Array.from({ length: 12 }, (_, m) => m).filter((m) => test(monthStart(m)));
}

function addYears(iso: string, years: number): string {
  return `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
}

/** Computes income and employment documents for the people, deterministically per seed. */
export function createIncomeModel(people: readonly Person[], options: IncomesRegisterOptions = {}): IncomeModel {
  const seed = options.seed ?? 2026;
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const roles = new Map<string, { family: Family; relationship: string; first: boolean }[]>();
  for (const f of options.families ?? []) {
    f.guardians.forEach((g, i) =>
      roles.set(g.personal_identity_code, [
        ...(roles.get(g.personal_identity_code) ?? []),
        { family: f, relationship: g.relationship, first: i === 0 },
      ]),
    );
  }
  const childrenOf = (code: string): { child: Person; family: Family; first: boolean; relationship: string }[] =>
    (roles.get(code) ?? []).flatMap((r) =>
      r.family.children.flatMap((c) => (index.get(c) ? [{ child: index.get(c) as Person, ...r }] : [])),
    );

  function profile(person: Person) {
    const code = person.personal_identity_code;
    const rng = mulberry32(seedFrom(seed, 'income', code));
    const age = ageAt(person.birth_date);
    const kids = childrenOf(code);
    const youngest = kids
      .map((k) => k.child.birth_date)
      .sort()
      .at(-1);
    const under3 = youngest !== undefined && youngest >= `${INCOME_YEAR - 2}-01-01`;
    const demo = DEMO_JOBS[code];
    const r = rng();
    let status: EmploymentStatus;
    if (demo) status = 'employed';
    else if (age >= 65 || (age >= 63 && r < 0.5)) status = 'retired';
    else if (age < 25 && r < 0.45) status = 'student';
    else if (under3 && person.sex === 'female' && r > 0.8) status = 'home_care';
    else status = rng() < (age < 25 ? 0.15 : 0.08) ? 'unemployed' : 'employed';

    const benefits: Benefit[] = [];
    const add = (type: BenefitType, amount: number, payer = 'Kela'): void => {
      if (amount > 0) benefits.push({ type, amount_eur: cents(amount), payer });
    };
    const monthly = new Array<number>(12).fill(0);
    let job: { employer: EmployerEntry; occupation: Occupation; employment: Employment } | null = null;

    if (status === 'employed' || (status === 'student' && rng() < 0.6)) {
      const employer = demo ? (EMPLOYER_IDS.find((e) => e.name === demo.employer) as EmployerEntry) : weightedEmployer(rng, age);
      const occupations = employer.occupations.filter((o) => age >= 25 || o.median < 45_000);
      const occupation = demo
        ? (employer.occupations.find((o) => o.code === demo.occupation) as Occupation)
        : pick(rng, occupations.length > 0 ? occupations : employer.occupations);
      const partTime = demo ? Boolean(demo.part) : status === 'student' || rng() < 0.12;
      const factor = status === 'student' ? 0.9 : partTime ? 0.6 + rng() * 0.2 : 1;
      const annual = demo?.annual ?? occupation.median * Math.exp(0.22 * normal(rng)) * factor;
      const startsThisYear = !demo && status === 'employed' && age >= 20 && rng() < 0.12;
      const startMonth = startsThisYear ? 1 + Math.floor(rng() * 10) : 0;
      const tenureDays = Math.min((age - 18) * 365, Math.floor(-Math.log(1 - rng()) * 6 * 365) + 30);
      const start =
        demo?.start ??
        (startsThisYear
          ? monthStart(startMonth)
          : new Date(Date.UTC(INCOME_YEAR, 0, 1) - tenureDays * 86_400_000).toISOString().slice(0, 10));
      const working = status === 'student' ? [5, 6, 7] : months((d) => d >= start);
      const off = leaveMonths(code, kids, status);
      const base = annual / 12.5;
      for (const m of working) if (!off.includes(m)) monthly[m] = base * (1 + 0.03 * normal(rng)) + (m === 5 ? base * 0.5 : 0);
      if (startMonth > 0) add('labour_market_subsidy', startMonth * BASIC_DAILY * 21.5);
      if (off.length > 0)
        add('parental_allowance', off.length * Math.max(MIN_PARENTAL, 0.7 * Math.min(base, 5_500) + 0.4 * Math.max(0, base - 5_500)));
      job = {
        employer,
        occupation,
        employment: {
          start_date: start,
          contract_type: demo || rng() > (age < 25 ? 0.4 : 0.15) ? 'permanent' : 'fixed_term',
          working_time: partTime ? 'part_time' : 'full_time',
        },
      };
    }
    if (status === 'student') add('study_grant', 9 * STUDY_GRANT);
    if (status === 'unemployed') {
      if (rng() < 0.6)
        add(
          'earnings_related_unemployment_allowance',
          12 * Math.max(800, 0.55 * (38_000 / 12) * Math.exp(0.25 * normal(rng))),
          'Yleinen työttömyyskassa YTK',
        );
      else add('labour_market_subsidy', 12 * BASIC_DAILY * 21.5);
    }
    if (status === 'home_care' && youngest) {
      add('child_home_care_allowance', HOME_CARE * months((d) => d > youngest && d < addYears(youngest, 3)).length);
    }
    if (status === 'retired') {
      const pension = 1_800 * Math.exp(0.45 * normal(rng));
      add('earnings_related_pension', 12 * pension, pick(rng, PENSION_PAYERS));
      const national = 775 - 0.5 * Math.max(0, pension - 70);
      if (national > 7) add('national_pension', 12 * national);
      if (pension < 1_500 && rng() < 0.4) add('pensioners_housing_allowance', 12 * (150 + rng() * 300));
    }
    addChildBenefit(kids, add);

    const gross = cents(monthly.reduce((s, x) => s + cents(x), 0));
    const single = kids.some((k) => k.family.guardians.length === 1);
    if (status !== 'retired' && (gross < 28_000 || (single && gross < 45_000)) && rng() < (single ? 0.6 : 0.45)) {
      add('housing_allowance', 12 * (180 + rng() * 370));
    }
    const taxableBenefits = benefits
      .filter((b) => !['child_benefit', 'housing_allowance', 'pensioners_housing_allowance'].includes(b.type))
      .reduce((s, b) => s + b.amount_eur, 0);
    const taxable = Math.max(0, gross * (1 - 0.085) - Math.min(750, gross) + taxableBenefits);
    const rate = taxable > 10_000 ? 0.05 + 0.35 * (1 - Math.exp(-(taxable - 10_000) / 50_000)) : 0;
    const debtRng = mulberry32(seedFrom(seed, 'tax-debt', code));
    const taxDebt = debtRng() < 0.07 ? Math.min(50_000, 1_500 * Math.exp(normal(debtRng))) : 0;
    return {
      person,
      status,
      job,
      benefits,
      monthly,
      gross,
      taxable: cents(taxable),
      withheld: cents(taxable * rate),
      taxDebt: cents(taxDebt),
      iban: iban(seed, code),
    };
  }

  /** Months a parent of a 2025 newborn is on leave: the first guardian eight from the birth month, the other two. */
  function leaveMonths(code: string, kids: ReturnType<typeof childrenOf>, status: EmploymentStatus): number[] {
    if (status !== 'employed') return [];
    const newborn = kids.find((k) => k.child.birth_date.startsWith(String(INCOME_YEAR)));
    if (!newborn) return [];
    const born = Number(newborn.child.birth_date.slice(5, 7)) - 1;
    const all = Array.from({ length: 12 }, (_, m) => m);
    return newborn.first ? all.filter((m) => m >= born && m < born + 8) : all.filter((m) => m > born && m <= born + 2);
  }

  function addChildBenefit(kids: ReturnType<typeof childrenOf>, add: (t: BenefitType, amount: number) => void): void {
    // Kela pays child benefit to one guardian: the first one listed in the family.
    const paid = kids.filter((k) => k.first).sort((a, b) => a.child.birth_date.localeCompare(b.child.birth_date));
    let total = 0;
    for (const [rank, k] of paid.entries()) {
      const b = k.child.birth_date;
      const n = months((d) => d > b && d <= addYears(b, 17)).length;
      total += n * ((CHILD_BENEFIT[Math.min(rank, 4)] ?? 0) + (k.family.guardians.length === 1 ? SINGLE_PARENT_SUPPLEMENT : 0));
    }
    add('child_benefit', total);
  }

  /** Both documents of an adult; undefined for children and unknown codes. */
  function documents(code: string): { income: IncomeDocument; employment: EmploymentDocument } | undefined {
    const p = index.get(code);
    if (!p || ageAt(p.birth_date) < 18) return undefined;
    const f = profile(p);
    const employer = f.job ? { name: f.job.employer.name, business_id: f.job.employer.business_id } : null;
    const occupation = f.job ? { code: f.job.occupation.code, title: f.job.occupation.title } : null;
    return {
      income: {
        person: personRef(p),
        income_year: INCOME_YEAR,
        employment_status: f.status,
        annual_income: { gross_eur: f.gross, taxable_eur: f.taxable, tax_withheld_eur: f.withheld },
        monthly_income: {
          average_gross_eur: cents(f.gross / 12),
          months: f.monthly.map((x, m) => ({ month: monthStart(m).slice(0, 7), gross_eur: cents(x) })),
        },
        employer,
        occupation,
        benefits: f.benefits,
        tax_debt_eur: f.taxDebt,
        bank_account: { iban: f.iban },
      },
      employment: { person: personRef(p), employment_status: f.status, employer, occupation, employment: f.job?.employment ?? null },
    };
  }

  return {
    /** The income document of an adult, or undefined for children and unknown codes. */
    income: (code: string): IncomeDocument | undefined => documents(code)?.income,
    /** The employment document of an adult, or undefined for children and unknown codes. */
    employment: (code: string): EmploymentDocument | undefined => documents(code)?.employment,
  };
}

function weightedEmployer(rng: Rng, age: number): EmployerEntry {
  const candidates = EMPLOYER_IDS.filter((e) => age >= 25 || e.occupations.some((o) => o.median < 45_000));
  const total = candidates.reduce((s, e) => s + e.weight, 0);
  let x = rng() * total;
  for (const e of candidates) if ((x -= e.weight) < 0) return e;
  return candidates[candidates.length - 1] as EmployerEntry;
}

/** A person's Finnish IBAN: a bank group prefix, random digits, Luhn digit, mod-97 check digits. */
function iban(seed: number, code: string): string {
  const rng = mulberry32(seedFrom(seed, 'iban', code));
  let digits = pick(rng, BANK_PREFIXES);
  while (digits.length < 13) digits += String(Math.floor(rng() * 10));
  return makeFinnishIban(digits);
}

/** Fastify app of the demo incomes register over the given people. */
export function createIncomesRegister(people: Person[], options: IncomesRegisterOptions = {}): FastifyInstance {
  const app = createRegisterApp(options);
  const model = createIncomeModel(people, options);
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const answer =
    (kind: 'income' | 'employment') => async (request: { params: { id: string } }, reply: Parameters<typeof findPerson>[2]) => {
      if (!findPerson(index, request.params.id, reply)) return reply;
      const doc = model[kind](request.params.id);
      if (!doc) return sendError(reply, 404, 'not_found', 'the incomes register holds no data for this person');
      return doc;
    };
  app.get<{ Params: { id: string } }>('/people/:id/income', answer('income'));
  app.get<{ Params: { id: string } }>('/people/:id/employment', answer('employment'));
  return app;
}
