/**
 * The pure model behind the demo incomes register (modelled on the Finnish Incomes
 * Register, Tulorekisteri): the documents it answers with, and how they are made from
 * the people, their families and a seed. The same population and seed always give the
 * same documents; `income-profile.ts` works out each adult's year.
 */
import { ageAt, type Family, type Person } from '../population/population.ts';
import { cents, incomeProfile, monthStart, type ChildLink } from './income-profile.ts';
import { INCOME_YEAR } from './incomes.data.ts';
import { personRef } from './register-app.ts';

/** What an adult mainly did in the income year. */
export type EmploymentStatus = 'employed' | 'student' | 'unemployed' | 'retired' | 'home_care';
/** The benefits the register knows (Kela's, pensions, unemployment funds'). */
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

/** An employer as the documents name it. */
export interface Employer {
  name: string;
  business_id: string;
}
/** One benefit paid in the income year, in total. */
export interface Benefit {
  type: BenefitType;
  amount_eur: number;
  payer: string;
}
/** The terms of a job. */
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

/** What the figures are derived from besides the people. */
export interface IncomeModelOptions {
  /** Seed of all figures (default 2026). */
  seed?: number;
  /** Families of the population; with them guardians get child benefit, parental and home care allowances. */
  families?: readonly Family[];
}

/** Computes income and employment documents for the people, deterministically per seed. */
export function createIncomeModel(people: readonly Person[], options: IncomeModelOptions = {}): IncomeModel {
  const seed = options.seed ?? 2026;
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const childrenOf = childLinks(index, options.families ?? []);

  /** Both documents of an adult; undefined for children and unknown codes. */
  function documents(code: string): { income: IncomeDocument; employment: EmploymentDocument } | undefined {
    const p = index.get(code);
    if (!p || ageAt(p.birth_date) < 18) return undefined;
    const f = incomeProfile(p, seed, childrenOf(code));
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

/** The children of a guardian (by identity code) in the given families, with the guardian's role in each. */
function childLinks(index: ReadonlyMap<string, Person>, families: readonly Family[]): (code: string) => ChildLink[] {
  const roles = new Map<string, { family: Family; relationship: string; first: boolean }[]>();
  for (const f of families) {
    f.guardians.forEach((g, i) =>
      roles.set(g.personal_identity_code, [
        ...(roles.get(g.personal_identity_code) ?? []),
        { family: f, relationship: g.relationship, first: i === 0 },
      ]),
    );
  }
  return (code) =>
    (roles.get(code) ?? []).flatMap((r) =>
      r.family.children.flatMap((c) => (index.get(c) ? [{ child: index.get(c) as Person, ...r }] : [])),
    );
}
