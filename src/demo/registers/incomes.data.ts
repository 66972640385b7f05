/**
 * The figures behind the demo incomes register: the income year, benefit rates
 * (approximately the 2025 levels), pension payers, bank group prefixes, fictional
 * employers with ISCO-08 occupations, and the fixed jobs of the demo adults. Data only.
 */
import { DEMO_PEOPLE } from '../population/population.data.ts';

/** The income year the register reports. */
export const INCOME_YEAR = 2025;

/** A fixed job of a demo adult: employer and ISCO-08 code, start date, annual gross salary. */
export interface DemoJob {
  employer: string;
  occupation: string;
  start: string;
  annual: number;
  part?: boolean;
}

/** Fixed jobs of the demo adults, so demos tell the same story whatever the seed. */
export const DEMO_JOBS: Readonly<Record<string, DemoJob>> = {
  [DEMO_PEOPLE.aino.personal_identity_code]: {
    employer: 'Lääkärikeskus Aalto Oy',
    occupation: '2221',
    start: '2014-08-01',
    annual: 44_600,
  },
  [DEMO_PEOPLE.mikko.personal_identity_code]: {
    employer: 'Itämeren Ohjelmisto Oy',
    occupation: '2512',
    start: '2019-03-01',
    annual: 63_200,
  },
  [DEMO_PEOPLE.sara.personal_identity_code]: {
    employer: 'Lindholm & Söner Ab',
    occupation: '4311',
    start: '2021-09-01',
    annual: 34_900,
    part: true,
  },
};

/** Child benefit per month, by the child's rank among its siblings (oldest first). */
export const CHILD_BENEFIT = [94.88, 104.84, 133.79, 153.24, 172.69];
/** Monthly supplement of child benefit for a single parent. */
export const SINGLE_PARENT_SUPPLEMENT = 73.3;
/** Labour market subsidy / basic unemployment allowance per day (about 21.5 paid days a month). */
export const BASIC_DAILY = 37.21;
/** Minimum parental allowance per month (25 paid days). */
export const MIN_PARENTAL = 31.99 * 25;
/** Child home care allowance per month. */
export const HOME_CARE = 377.68;
/** Study grant per month of study. */
export const STUDY_GRANT = 279.38;
/** Earnings-related pension providers. */
export const PENSION_PAYERS = ['Keva', 'Varma', 'Ilmarinen', 'Elo'] as const;
/** The leading digits of Finnish bank groups' account numbers. */
export const BANK_PREFIXES = ['50', '52', '53', '55', '57', '11', '12', '15', '17', '20', '22', '80', '34', '39', '36', '405', '47', '31'];

/** An ISCO-08 unit group with a rough full-time median annual salary in Finland (EUR). */
export interface Occupation {
  code: string;
  title: string;
  median: number;
}

const occ = (code: string, title: string, median: number): Occupation => ({ code, title, median });

/** A fictional employer: name, industry weight and the occupations it employs. */
export interface EmployerInfo {
  name: string;
  /** Relative share of employees. */
  weight: number;
  occupations: readonly Occupation[];
}

/** Fictional employers (any resemblance is accidental); business ids are generated. */
export const EMPLOYERS: readonly EmployerInfo[] = [
  {
    name: 'Itämeren Ohjelmisto Oy',
    weight: 6,
    occupations: [
      occ('2512', 'Software developers', 65_000),
      occ('2511', 'Systems analysts', 67_000),
      occ('3512', 'Information and communications technology user support technicians', 47_000),
      occ('1330', 'Information and communications technology service managers', 95_000),
    ],
  },
  {
    name: 'Hoivakoti Kotiranta Oy',
    weight: 9,
    occupations: [
      occ('2221', 'Nursing professionals', 46_000),
      occ('5321', 'Health care assistants', 39_000),
      occ('5322', 'Home-based personal care workers', 37_000),
    ],
  },
  {
    name: 'Lääkärikeskus Aalto Oy',
    weight: 4,
    occupations: [
      occ('2211', 'Generalist medical practitioners', 106_500),
      occ('2221', 'Nursing professionals', 47_000),
      occ('2264', 'Physiotherapists', 45_000),
    ],
  },
  {
    name: 'Päiväkoti Satakieli Oy',
    weight: 5,
    occupations: [occ('2342', 'Early childhood educators', 41_500), occ('5311', 'Child care workers', 36_000)],
  },
  {
    name: 'Opinahjo Koulutus Oy',
    weight: 5,
    occupations: [occ('2341', 'Primary school teachers', 54_000), occ('2330', 'Secondary education teachers', 58_000)],
  },
  {
    name: 'Kivijalka Rakennus Oy',
    weight: 7,
    occupations: [
      occ('7115', 'Carpenters and joiners', 45_000),
      occ('3112', 'Civil engineering technicians', 56_000),
      occ('8342', 'Earthmoving and related plant operators', 46_000),
    ],
  },
  {
    name: 'Pohjolan Kauppa Oy',
    weight: 9,
    occupations: [
      occ('5223', 'Shop sales assistants', 33_500),
      occ('5230', 'Cashiers and ticket clerks', 32_500),
      occ('1420', 'Retail and wholesale trade managers', 61_500),
    ],
  },
  {
    name: 'Rannikon Logistiikka Oy',
    weight: 6,
    occupations: [
      occ('8332', 'Heavy truck and lorry drivers', 45_000),
      occ('4321', 'Stock clerks', 38_000),
      occ('9333', 'Freight handlers', 36_000),
    ],
  },
  {
    name: 'Saaristo Konepaja Ab',
    weight: 6,
    occupations: [
      occ('7212', 'Welders and flame cutters', 45_000),
      occ('7223', 'Metal working machine tool setters and operators', 46_000),
      occ('2144', 'Mechanical engineers', 67_000),
    ],
  },
  {
    name: 'Lindholm & Söner Ab',
    weight: 3,
    occupations: [
      occ('2411', 'Accountants', 56_000),
      occ('3313', 'Accounting associate professionals', 47_000),
      occ('4311', 'Accounting and bookkeeping clerks', 42_500),
    ],
  },
  {
    name: 'Ravintola Kuu ja Tähti Oy',
    weight: 5,
    occupations: [occ('5120', 'Cooks', 36_000), occ('5131', 'Waiters', 32_500), occ('9412', 'Kitchen helpers', 31_500)],
  },
  {
    name: 'Puhdas Arki Oy',
    weight: 4,
    occupations: [occ('9112', 'Cleaners and helpers in offices, hotels and other establishments', 32_500)],
  },
  {
    name: 'Nordkapital Bank Abp',
    weight: 3,
    occupations: [
      occ('3312', 'Credit and loans officers', 51_500),
      occ('2413', 'Financial analysts', 73_000),
      occ('4211', 'Bank tellers and related clerks', 40_500),
    ],
  },
  {
    name: 'Insinööritoimisto Kaari Oy',
    weight: 3,
    occupations: [occ('2142', 'Civil engineers', 69_500), occ('2161', 'Building architects', 61_500)],
  },
  {
    name: 'Virta Energia Oy',
    weight: 4,
    occupations: [
      occ('7411', 'Building and related electricians', 49_500),
      occ('2151', 'Electrical engineers', 71_500),
      occ('3113', 'Electrical engineering technicians', 56_000),
    ],
  },
  { name: 'Kaupunkiliikenne Oy', weight: 4, occupations: [occ('8331', 'Bus and tram drivers', 42_500)] },
  { name: 'Turvallinen Huomen Oy', weight: 2, occupations: [occ('5414', 'Security guards', 37_000)] },
  {
    name: 'Viestintätoimisto Sana Oy',
    weight: 3,
    occupations: [
      occ('2432', 'Public relations professionals', 58_000),
      occ('2642', 'Journalists', 56_000),
      occ('2166', 'Graphic and multimedia designers', 47_000),
    ],
  },
];
