/**
 * One adult's income year for the demo incomes register, in steps: the employment
 * status, the job and its monthly earnings (with parental leave), the benefits the
 * status and the children bring, and the taxes. Every figure is drawn from a random
 * source seeded by the global seed and the person, so it never changes between runs.
 */
import { makeBusinessId, makeFinnishIban } from '../population/finnish-ids.ts';
import { ageAt, type Family, type Person } from '../population/population.ts';
import { mulberry32, normal, pick, seedFrom, type Rng } from '../population/random.ts';
import type { Benefit, BenefitType, Employment, EmploymentStatus } from './income-model.ts';
import {
  BANK_PREFIXES,
  BASIC_DAILY,
  CHILD_BENEFIT,
  DEMO_JOBS,
  EMPLOYERS,
  HOME_CARE,
  INCOME_YEAR,
  MIN_PARENTAL,
  PENSION_PAYERS,
  SINGLE_PARENT_SUPPLEMENT,
  STUDY_GRANT,
  type DemoJob,
  type Occupation,
} from './incomes.data.ts';

/** A child of the person, with the family and whether the person is its first guardian. */
export interface ChildLink {
  child: Person;
  family: Family;
  first: boolean;
  relationship: string;
}

const EMPLOYER_IDS = EMPLOYERS.map((e, i) => ({ ...e, business_id: makeBusinessId(3_012_345 + i * 48_611) }));
type EmployerEntry = (typeof EMPLOYER_IDS)[number];

/** A job held in the income year. */
export interface Job {
  employer: EmployerEntry;
  occupation: Occupation;
  employment: Employment;
}

/** Everything the income and employment documents of one adult are made of. */
export interface IncomeProfile {
  person: Person;
  status: EmploymentStatus;
  job: Job | null;
  benefits: Benefit[];
  /** Gross earnings of each month (0–11). */
  monthly: number[];
  gross: number;
  taxable: number;
  withheld: number;
  taxDebt: number;
  iban: string;
}

/** The year being worked out: who, their random source, and the earnings and benefits so far. */
interface YearDraft {
  code: string;
  rng: Rng;
  age: number;
  kids: readonly ChildLink[];
  /** Birth date of the youngest child. */
  youngest: string | undefined;
  demo: DemoJob | undefined;
  status: EmploymentStatus;
  benefits: Benefit[];
  monthly: number[];
}

/** Rounds to whole cents. */
export const cents = (x: number): number => Math.round(x * 100) / 100;
/** The first day of month `m` (0–11) of the income year. */
export const monthStart = (m: number): string => `${INCOME_YEAR}-${String(m + 1).padStart(2, '0')}-01`;

/** Months (0–11) of the income year in which `test(first day of month)` holds. */
function months(test: (firstOfMonth: string) => boolean): number[] {
  return Array.from({ length: 12 }, (_, m) => m).filter((m) => test(monthStart(m)));
}

function addYears(iso: string, years: number): string {
  return `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
}

function addBenefit(y: YearDraft, type: BenefitType, amount: number, payer = 'Kela'): void {
  if (amount > 0) y.benefits.push({ type, amount_eur: cents(amount), payer });
}

/** Works out the income year of an adult with these children under this seed. */
export function incomeProfile(person: Person, seed: number, kids: readonly ChildLink[]): IncomeProfile {
  const code = person.personal_identity_code;
  const rng = mulberry32(seedFrom(seed, 'income', code));
  const age = ageAt(person.birth_date);
  const youngest = kids
    .map((k) => k.child.birth_date)
    .sort()
    .at(-1);
  const demo = DEMO_JOBS[code];
  const status = employmentStatus(person, rng, age, youngest, demo);
  const y: YearDraft = { code, rng, age, kids, youngest, demo, status, benefits: [], monthly: new Array<number>(12).fill(0) };
  const job = status === 'employed' || (status === 'student' && rng() < 0.6) ? work(y) : null;
  addStatusBenefits(y);
  addChildBenefit(y);
  const gross = cents(y.monthly.reduce((s, x) => s + cents(x), 0));
  addHousingAllowance(y, gross);
  return { person, status, job, benefits: y.benefits, monthly: y.monthly, gross, ...taxes(y, gross, seed), iban: iban(seed, code) };
}

function employmentStatus(
  person: Person,
  rng: Rng,
  age: number,
  youngest: string | undefined,
  demo: DemoJob | undefined,
): EmploymentStatus {
  const under3 = youngest !== undefined && youngest >= `${INCOME_YEAR - 2}-01-01`;
  const r = rng();
  if (demo) return 'employed';
  if (age >= 65 || (age >= 63 && r < 0.5)) return 'retired';
  if (age < 25 && r < 0.45) return 'student';
  if (under3 && person.sex === 'female' && r > 0.8) return 'home_care';
  return rng() < (age < 25 ? 0.15 : 0.08) ? 'unemployed' : 'employed';
}

/** The job of the year: employer, occupation and salary, monthly earnings, and the benefits around them. */
function work(y: YearDraft): Job {
  const { rng, age, demo, status } = y;
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
    (startsThisYear ? monthStart(startMonth) : new Date(Date.UTC(INCOME_YEAR, 0, 1) - tenureDays * 86_400_000).toISOString().slice(0, 10));
  const working = status === 'student' ? [5, 6, 7] : months((d) => d >= start);
  const off = leaveMonths(y);
  const base = annual / 12.5;
  for (const m of working) if (!off.includes(m)) y.monthly[m] = base * (1 + 0.03 * normal(rng)) + (m === 5 ? base * 0.5 : 0);
  if (startMonth > 0) addBenefit(y, 'labour_market_subsidy', startMonth * BASIC_DAILY * 21.5);
  if (off.length > 0) {
    const parental = Math.max(MIN_PARENTAL, 0.7 * Math.min(base, 5_500) + 0.4 * Math.max(0, base - 5_500));
    addBenefit(y, 'parental_allowance', off.length * parental);
  }
  const contract = demo || rng() > (age < 25 ? 0.4 : 0.15) ? 'permanent' : 'fixed_term';
  return {
    employer,
    occupation,
    employment: { start_date: start, contract_type: contract, working_time: partTime ? 'part_time' : 'full_time' },
  };
}

/** Months a parent of a 2025 newborn is on leave: the first guardian eight from the birth month, the other two. */
function leaveMonths(y: YearDraft): number[] {
  if (y.status !== 'employed') return [];
  const newborn = y.kids.find((k) => k.child.birth_date.startsWith(String(INCOME_YEAR)));
  if (!newborn) return [];
  const born = Number(newborn.child.birth_date.slice(5, 7)) - 1;
  const all = Array.from({ length: 12 }, (_, m) => m);
  return newborn.first ? all.filter((m) => m >= born && m < born + 8) : all.filter((m) => m > born && m <= born + 2);
}

/** Study grant, unemployment benefits, child home care allowance or pensions, by status. */
function addStatusBenefits(y: YearDraft): void {
  const { rng, status, youngest } = y;
  if (status === 'student') addBenefit(y, 'study_grant', 9 * STUDY_GRANT);
  if (status === 'unemployed') {
    if (rng() < 0.6) {
      const allowance = 12 * Math.max(800, 0.55 * (38_000 / 12) * Math.exp(0.25 * normal(rng)));
      addBenefit(y, 'earnings_related_unemployment_allowance', allowance, 'Yleinen työttömyyskassa YTK');
    } else addBenefit(y, 'labour_market_subsidy', 12 * BASIC_DAILY * 21.5);
  }
  if (status === 'home_care' && youngest) {
    addBenefit(y, 'child_home_care_allowance', HOME_CARE * months((d) => d > youngest && d < addYears(youngest, 3)).length);
  }
  if (status === 'retired') {
    const pension = 1_800 * Math.exp(0.45 * normal(rng));
    addBenefit(y, 'earnings_related_pension', 12 * pension, pick(rng, PENSION_PAYERS));
    const national = 775 - 0.5 * Math.max(0, pension - 70);
    if (national > 7) addBenefit(y, 'national_pension', 12 * national);
    if (pension < 1_500 && rng() < 0.4) addBenefit(y, 'pensioners_housing_allowance', 12 * (150 + rng() * 300));
  }
}

function addChildBenefit(y: YearDraft): void {
  // Kela pays child benefit to one guardian: the first one listed in the family.
  const paid = y.kids.filter((k) => k.first).sort((a, b) => a.child.birth_date.localeCompare(b.child.birth_date));
  let total = 0;
  for (const [rank, k] of paid.entries()) {
    const b = k.child.birth_date;
    const n = months((d) => d > b && d <= addYears(b, 17)).length;
    total += n * ((CHILD_BENEFIT[Math.min(rank, 4)] ?? 0) + (k.family.guardians.length === 1 ? SINGLE_PARENT_SUPPLEMENT : 0));
  }
  addBenefit(y, 'child_benefit', total);
}

function addHousingAllowance(y: YearDraft, gross: number): void {
  const { rng } = y;
  const single = y.kids.some((k) => k.family.guardians.length === 1);
  if (y.status !== 'retired' && (gross < 28_000 || (single && gross < 45_000)) && rng() < (single ? 0.6 : 0.45)) {
    addBenefit(y, 'housing_allowance', 12 * (180 + rng() * 370));
  }
}

/** Taxable income, tax withheld, and (for a few) a tax debt from a random source of its own. */
function taxes(y: YearDraft, gross: number, seed: number): Pick<IncomeProfile, 'taxable' | 'withheld' | 'taxDebt'> {
  const taxableBenefits = y.benefits
    .filter((b) => !['child_benefit', 'housing_allowance', 'pensioners_housing_allowance'].includes(b.type))
    .reduce((s, b) => s + b.amount_eur, 0);
  const taxable = Math.max(0, gross * (1 - 0.085) - Math.min(750, gross) + taxableBenefits);
  const rate = taxable > 10_000 ? 0.05 + 0.35 * (1 - Math.exp(-(taxable - 10_000) / 50_000)) : 0;
  const debtRng = mulberry32(seedFrom(seed, 'tax-debt', y.code));
  const taxDebt = debtRng() < 0.07 ? Math.min(50_000, 1_500 * Math.exp(normal(debtRng))) : 0;
  return { taxable: cents(taxable), withheld: cents(taxable * rate), taxDebt: cents(taxDebt) };
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
