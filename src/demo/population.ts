/**
 * A deterministic synthetic Finnish population for the demo registers: people living in
 * households (singles, couples, families with children under 18) with valid identity codes.
 *
 * Every identity code uses an individual number in 900–999. DVV reserves that range for
 * test identities, so none of these codes can belong to a real person. Fixed demo residents
 * (DEMO_RESIDENTS) always come first, so demos and tests can rely on them.
 */
import { makeHetu } from './finnish-ids.ts';
import { FINNISH, MUNICIPALITIES, OTHER_GROUPS, SWEDISH, type MunicipalityInfo, type NameGroup } from './names.ts';

export type Sex = 'male' | 'female';

export interface Municipality {
  /** Statistics Finland municipality code, e.g. "091" for Helsinki. */
  code: string;
  name: string;
}

export interface Address {
  street_address: string;
  postal_code: string;
  post_office: string;
}

export interface Person {
  personal_identity_code: string;
  /** All given names, space separated. */
  given_names: string;
  /** The given name the person goes by (kutsumanimi). */
  calling_name: string;
  family_name: string;
  /** ISO 8601 date. */
  birth_date: string;
  sex: Sex;
  /** ISO 639-1 code: "fi", "sv", or another language. */
  mother_tongue: string;
  municipality: Municipality;
  address: Address;
}

export type GuardianRelationship = 'mother' | 'father' | 'guardian';

export interface FamilyGuardian {
  personal_identity_code: string;
  relationship: GuardianRelationship;
}

/** A household with children: its guardians (one or two) and its children under 18. */
export interface Family {
  id: string;
  guardians: FamilyGuardian[];
  children: string[];
}

/** One guardian–child link, flattened from a family. */
export interface Guardianship {
  child: string;
  guardian: string;
  relationship: GuardianRelationship;
}

export interface Population {
  people: Person[];
  families: Family[];
}

/** The date ages are counted at; the demo income year is the year before it. */
export const REFERENCE_DATE = '2026-01-01';

/** A random source returning floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast, seedable 32-bit PRNG. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived (FNV-1a) from any parts, e.g. a global seed and an identity code. */
export function seedFrom(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Person's display name: calling name and family name. */
export function displayName(person: Person): string {
  return `${person.calling_name} ${person.family_name}`;
}

/** Whole years of age at `at` (ISO date, default REFERENCE_DATE). */
export function ageAt(birthDate: string, at: string = REFERENCE_DATE): number {
  const age = Number(at.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return at.slice(5) < birthDate.slice(5) ? age - 1 : age;
}

const HELSINKI = { code: '091', name: 'Helsinki' };
const ESPOO = { code: '049', name: 'Espoo' };
const VIRTANEN_HOME = { street_address: 'Kolmas linja 12 B 7', postal_code: '00530', post_office: 'HELSINKI' };
const LINDQVIST_HOME = { street_address: 'Merituulentie 5 A 3', postal_code: '02200', post_office: 'ESPOO' };

const DEMO_PEOPLE = {
  aino: {
    personal_identity_code: '140388-9028',
    given_names: 'Aino Maria',
    calling_name: 'Aino',
    family_name: 'Virtanen',
    birth_date: '1988-03-14',
    sex: 'female',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  mikko: {
    personal_identity_code: '220986-903S',
    given_names: 'Mikko Juhani',
    calling_name: 'Mikko',
    family_name: 'Virtanen',
    birth_date: '1986-09-22',
    sex: 'male',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  eelis: {
    personal_identity_code: '110522A9050',
    given_names: 'Eelis Onni',
    calling_name: 'Eelis',
    family_name: 'Virtanen',
    birth_date: '2022-05-11',
    sex: 'male',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  sara: {
    personal_identity_code: '300790-904C',
    given_names: 'Sara Elisabeth',
    calling_name: 'Sara',
    family_name: 'Lindqvist',
    birth_date: '1990-07-30',
    sex: 'female',
    mother_tongue: 'sv',
    municipality: ESPOO,
    address: LINDQVIST_HOME,
  },
  ella: {
    personal_identity_code: '080223A906X',
    given_names: 'Ella Linnea',
    calling_name: 'Ella',
    family_name: 'Lindqvist',
    birth_date: '2023-02-08',
    sex: 'female',
    mother_tongue: 'sv',
    municipality: ESPOO,
    address: LINDQVIST_HOME,
  },
} satisfies Record<string, Person>;

export type DemoResidentKey = keyof typeof DEMO_PEOPLE;

/** The fixed demo residents: identity code, display name and birth date of each. */
export const DEMO_RESIDENTS: Readonly<Record<DemoResidentKey, { personal_identity_code: string; name: string; birth_date: string }>> =
  Object.fromEntries(
    Object.entries(DEMO_PEOPLE).map(([k, p]) => [
      k,
      { personal_identity_code: p.personal_identity_code, name: displayName(p), birth_date: p.birth_date },
    ]),
  ) as Record<DemoResidentKey, { personal_identity_code: string; name: string; birth_date: string }>;

const DEMO_FAMILIES: Family[] = [
  {
    id: 'family-00001',
    guardians: [
      { personal_identity_code: DEMO_PEOPLE.aino.personal_identity_code, relationship: 'mother' },
      { personal_identity_code: DEMO_PEOPLE.mikko.personal_identity_code, relationship: 'father' },
    ],
    children: [DEMO_PEOPLE.eelis.personal_identity_code],
  },
  {
    id: 'family-00002',
    guardians: [{ personal_identity_code: DEMO_PEOPLE.sara.personal_identity_code, relationship: 'mother' }],
    children: [DEMO_PEOPLE.ella.personal_identity_code],
  },
];

/** Generates `count` people (demo residents first) and their families, identically for the same seed. */
export function generatePopulationData(count: number, seed: number): Population {
  const demo = Object.values(DEMO_PEOPLE) as Person[];
  if (!Number.isInteger(count) || count < demo.length) throw new RangeError(`count must be an integer of at least ${demo.length}`);
  const rng = mulberry32(seed);
  const people: Person[] = demo.map((p) => structuredClone(p));
  const families: Family[] = structuredClone(DEMO_FAMILIES);
  const used = new Set(people.map((p) => p.personal_identity_code));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
  const between = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

  const person = (h: Household, sex: Sex, birthYear: number, familyName?: string): Person => {
    // nobody is born on 2008-01-01: a child born then would turn 18 on the reference date
    const birth = randomDate(birthYear, rng, birthYear === 2008 ? 1 : 0);
    const given = givenNames(h.group, sex, rng);
    const p: Person = {
      personal_identity_code: allocateHetu(birth, sex, used, rng),
      given_names: given.join(' '),
      calling_name: rng() < 0.9 || given.length === 1 ? (given[0] as string) : (given[1] as string),
      family_name: familyName ?? surname(h.group, sex, pick(h.group.surnames)),
      birth_date: birth,
      sex,
      mother_tongue: h.group.language,
      municipality: { code: h.municipality.code, name: h.municipality.name },
      address: { ...h.address },
    };
    people.push(p);
    return p;
  };

  while (people.length < count) {
    const room = count - people.length;
    const h = household(rng);
    const r = rng();
    if (r < 0.12 && room >= 3) {
      // two guardians with 1–3 children; 1 in 100 such couples are two mothers
      const twoMothers = rng() < 0.01;
      const motherYear = 2025 - weightedAge(rng, 'parent');
      const fatherYear = Math.min(2000, Math.max(1970, motherYear - Math.round(normal(rng) * 3 + 2)));
      const shared = rng() < 0.75;
      const p1 = person(h, 'female', motherYear);
      const p2 = person(h, twoMothers ? 'female' : 'male', fatherYear);
      if (shared) p1.family_name = surnameFor(h.group, p1.sex, p2.family_name);
      const childName = rng() < 0.6 ? p2.family_name : p1.family_name;
      const kids = childYears(motherYear, Math.min(room - 2, pickCount(rng, [0.4, 0.42, 0.18])), rng);
      const children = kids.map((y) => {
        const sex: Sex = rng() < 0.5 ? 'female' : 'male';
        return person(h, sex, y, surnameFor(h.group, sex, childName)).personal_identity_code;
      });
      families.push({
        id: familyId(families.length),
        guardians: [
          { personal_identity_code: p1.personal_identity_code, relationship: 'mother' },
          { personal_identity_code: p2.personal_identity_code, relationship: twoMothers ? 'mother' : 'father' },
        ],
        children,
      });
    } else if (r < 0.16 && room >= 2) {
      // one guardian: usually the mother, sometimes the father, rarely another relative
      const relative = rng() < 0.05;
      const sex: Sex = rng() < (relative ? 0.7 : 0.8) ? 'female' : 'male';
      const year = 2025 - (relative ? between(48, 66) : weightedAge(rng, 'parent'));
      const g = person(h, sex, year);
      const kids = relative ? [between(2008, 2023)] : childYears(year, Math.min(room - 1, pickCount(rng, [0.6, 0.32, 0.08])), rng);
      const children = kids.map((y) => {
        const s: Sex = rng() < 0.5 ? 'female' : 'male';
        return person(h, s, y, rng() < 0.85 ? surnameFor(h.group, s, g.family_name) : undefined).personal_identity_code;
      });
      const relationship: GuardianRelationship = relative ? 'guardian' : sex === 'female' ? 'mother' : 'father';
      families.push({
        id: familyId(families.length),
        guardians: [{ personal_identity_code: g.personal_identity_code, relationship }],
        children,
      });
    } else if (r < 0.38 && room >= 2) {
      // a couple without children under 18
      const young = rng() < 0.2;
      const y1 = 2025 - (young ? between(25, 50) : weightedAge(rng, 'older'));
      const p1 = person(h, 'female', y1);
      const p2 = person(h, 'male', Math.min(2000, y1 - Math.round(normal(rng) * 3 + 2)));
      if (rng() < 0.7) p1.family_name = surnameFor(h.group, 'female', p2.family_name);
    } else {
      person(h, rng() < 0.5 ? 'female' : 'male', 2025 - weightedAge(rng, 'single'));
    }
  }
  return { people, families };
}

/** The people of `generatePopulationData(count, seed)`. */
export function generatePopulation(count: number, seed: number): Person[] {
  return generatePopulationData(count, seed).people;
}

/** Flattens families into guardian–child links. */
export function guardianships(families: readonly Family[]): Guardianship[] {
  return families.flatMap((f) =>
    f.children.flatMap((child) => f.guardians.map((g) => ({ child, guardian: g.personal_identity_code, relationship: g.relationship }))),
  );
}

interface Household {
  municipality: MunicipalityInfo;
  group: NameGroup;
  address: Address;
}

function household(rng: Rng): Household {
  const municipality = weighted(
    rng,
    MUNICIPALITIES.map((m) => [m, m.weight] as const),
  );
  const r = rng() * 100;
  const group =
    r < municipality.svPercent
      ? SWEDISH
      : r < municipality.svPercent + municipality.otherPercent
        ? weighted(
            rng,
            OTHER_GROUPS.map((o) => [o.group, o.weight] as const),
          )
        : FINNISH;
  const [street, postalCode] = municipality.streets[Math.floor(rng() * municipality.streets.length)] as readonly [string, string];
  const number = 1 + Math.floor(rng() * 90);
  const flat = rng() < 0.75 ? ` ${'ABCDEF'.charAt(Math.floor(rng() * 4))} ${1 + Math.floor(rng() * 40)}` : '';
  return {
    municipality,
    group,
    address: { street_address: `${street} ${number}${flat}`, postal_code: postalCode, post_office: municipality.postOffice },
  };
}

/** Age bands (inclusive) with weights, by kind of adult. */
const AGE_BANDS: Record<'parent' | 'older' | 'single', readonly (readonly [number, number, number])[]> = {
  parent: [
    [25, 29, 3],
    [30, 34, 5],
    [35, 39, 6],
    [40, 44, 5],
    [45, 50, 3],
  ],
  older: [
    [51, 64, 5],
    [65, 74, 5],
    [75, 88, 2],
  ],
  single: [
    [18, 24, 12],
    [25, 34, 11],
    [35, 44, 8],
    [45, 54, 10],
    [55, 64, 11],
    [65, 74, 11],
    [75, 84, 9],
    [85, 97, 4],
  ],
};

function weightedAge(rng: Rng, kind: keyof typeof AGE_BANDS): number {
  const [lo, hi] = weighted(
    rng,
    AGE_BANDS[kind].map((b) => [b, b[2]] as const),
  );
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** 1 + index drawn from the probabilities (e.g. [0.4, 0.4, 0.2] → 1, 2 or 3). */
function pickCount(rng: Rng, probabilities: readonly number[]): number {
  return (
    1 +
    weighted(
      rng,
      probabilities.map((p, i) => [i, p] as const),
    )
  );
}

/** Standard normal variate (Box–Muller). */
export function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Distinct birth years (oldest first) for up to `n` children under 18, the mother aged 21–44 at each birth; over half in daycare age. */
function childYears(motherYear: number, n: number, rng: Rng): number[] {
  const lo = Math.max(2008, motherYear + 21);
  const hi = Math.min(2025, motherYear + 44);
  const years = new Set<number>();
  for (let attempt = 0; years.size < n && attempt < 40 && lo <= hi; attempt++) {
    const dayLo = Math.max(lo, 2019);
    const y = rng() < 0.3 && dayLo <= hi ? dayLo + Math.floor(rng() * (hi - dayLo + 1)) : lo + Math.floor(rng() * (hi - lo + 1));
    years.add(y);
  }
  if (years.size === 0) years.add(Math.max(2008, Math.min(2025, motherYear + 30)));
  return [...years].sort((a, b) => a - b);
}

function randomDate(year: number, rng: Rng, skipDays = 0): string {
  const days = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000 - skipDays;
  return new Date(Date.UTC(year, 0, 1) + (skipDays + Math.floor(rng() * days)) * 86_400_000).toISOString().slice(0, 10);
}

/** A fresh identity code in the 900–999 test range with the right parity, moving the birth date a day when a date is full. */
function allocateHetu(birthDate: string, sex: Sex, used: Set<string>, rng: Rng): string {
  let date = birthDate;
  for (;;) {
    const start = Math.floor(rng() * 50);
    for (let i = 0; i < 50; i++) {
      const n = 900 + ((start + i) % 50) * 2 + (sex === 'male' ? 1 : 0);
      const code = makeHetu(date, n);
      if (!used.has(code)) {
        used.add(code);
        return code;
      }
    }
    date = new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
  }
}

function givenNames(group: NameGroup, sex: Sex, rng: Rng): string[] {
  const list = sex === 'female' ? group.female : group.male;
  const native = group === FINNISH || group === SWEDISH;
  const r = rng();
  const n = native ? (r < 0.15 ? 1 : r < 0.75 ? 2 : 3) : r < 0.7 ? 1 : 2;
  const names: string[] = [];
  while (names.length < n) {
    const name = list[Math.floor(rng() * list.length)] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The surname in the form used for this sex (Russian -ov/-ova and the like). */
function surname(group: NameGroup, sex: Sex, base: string): string {
  return sex === 'female' && group.feminine ? group.feminine(base) : base;
}

/** `familyName` as taken over by someone of `sex`: a feminine form becomes masculine and vice versa. */
function surnameFor(group: NameGroup, sex: Sex, familyName: string): string {
  if (!group.feminine) return familyName;
  const base = group.surnames.find((s) => s === familyName || group.feminine?.(s) === familyName) ?? familyName;
  return surname(group, sex, base);
}

function familyId(index: number): string {
  return `family-${String(index + 1).padStart(5, '0')}`;
}
