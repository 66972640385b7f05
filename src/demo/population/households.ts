/**
 * How the synthetic population grows, one household at a time: where it lives and which
 * language group it belongs to, then who lives in it (two guardians with children, one
 * guardian, a couple, or someone living alone), each with a fresh test-range identity
 * code. Every draw comes from the run's one random source, in a fixed order.
 */
import { makeHetu } from './finnish-ids.ts';
import { FINNISH, MUNICIPALITIES, OTHER_GROUPS, SWEDISH, type MunicipalityInfo, type NameGroup } from './names.data.ts';
import { AGE_BANDS } from './population.data.ts';
import type { Address, Family, GuardianRelationship, Person, Sex } from './population.ts';
import { between, normal, pick, pickCount, weighted, type Rng } from './random.ts';

/** One generation run: its random source and what it has made so far. */
export interface PopulationDraft {
  rng: Rng;
  people: Person[];
  families: Family[];
  /** Identity codes already given out. */
  used: Set<string>;
}

interface Household {
  municipality: MunicipalityInfo;
  group: NameGroup;
  address: Address;
}

/** Adds one household of at most `room` people to the draft. */
export function addHousehold(d: PopulationDraft, room: number): void {
  const h = household(d.rng);
  const r = d.rng();
  if (r < 0.12 && room >= 3) addTwoGuardianFamily(d, h, room);
  else if (r < 0.16 && room >= 2) addOneGuardianFamily(d, h, room);
  else if (r < 0.38 && room >= 2) addCouple(d, h);
  else addPerson(d, h, d.rng() < 0.5 ? 'female' : 'male', 2025 - weightedAge(d.rng, 'single'));
}

/** Two guardians with 1–3 children; 1 in 100 such couples are two mothers. */
function addTwoGuardianFamily(d: PopulationDraft, h: Household, room: number): void {
  const { rng } = d;
  const twoMothers = rng() < 0.01;
  const motherYear = 2025 - weightedAge(rng, 'parent');
  const fatherYear = Math.min(2000, Math.max(1970, motherYear - Math.round(normal(rng) * 3 + 2)));
  const shared = rng() < 0.75;
  const p1 = addPerson(d, h, 'female', motherYear);
  const p2 = addPerson(d, h, twoMothers ? 'female' : 'male', fatherYear);
  if (shared) p1.family_name = surnameFor(h.group, p1.sex, p2.family_name);
  const childName = rng() < 0.6 ? p2.family_name : p1.family_name;
  const kids = childYears(motherYear, Math.min(room - 2, pickCount(rng, [0.4, 0.42, 0.18])), rng);
  const children = kids.map((y) => {
    const sex: Sex = rng() < 0.5 ? 'female' : 'male';
    return addPerson(d, h, sex, y, surnameFor(h.group, sex, childName)).personal_identity_code;
  });
  d.families.push({
    id: familyId(d.families.length),
    guardians: [
      { personal_identity_code: p1.personal_identity_code, relationship: 'mother' },
      { personal_identity_code: p2.personal_identity_code, relationship: twoMothers ? 'mother' : 'father' },
    ],
    children,
  });
}

/** One guardian: usually the mother, sometimes the father, rarely another relative. */
function addOneGuardianFamily(d: PopulationDraft, h: Household, room: number): void {
  const { rng } = d;
  const relative = rng() < 0.05;
  const sex: Sex = rng() < (relative ? 0.7 : 0.8) ? 'female' : 'male';
  const year = 2025 - (relative ? between(rng, 48, 66) : weightedAge(rng, 'parent'));
  const g = addPerson(d, h, sex, year);
  const kids = relative ? [between(rng, 2008, 2023)] : childYears(year, Math.min(room - 1, pickCount(rng, [0.6, 0.32, 0.08])), rng);
  const children = kids.map((y) => {
    const s: Sex = rng() < 0.5 ? 'female' : 'male';
    return addPerson(d, h, s, y, rng() < 0.85 ? surnameFor(h.group, s, g.family_name) : undefined).personal_identity_code;
  });
  const relationship: GuardianRelationship = relative ? 'guardian' : sex === 'female' ? 'mother' : 'father';
  d.families.push({
    id: familyId(d.families.length),
    guardians: [{ personal_identity_code: g.personal_identity_code, relationship }],
    children,
  });
}

/** A couple without children under 18. */
function addCouple(d: PopulationDraft, h: Household): void {
  const { rng } = d;
  const young = rng() < 0.2;
  const y1 = 2025 - (young ? between(rng, 25, 50) : weightedAge(rng, 'older'));
  const p1 = addPerson(d, h, 'female', y1);
  const p2 = addPerson(d, h, 'male', Math.min(2000, y1 - Math.round(normal(rng) * 3 + 2)));
  if (rng() < 0.7) p1.family_name = surnameFor(h.group, 'female', p2.family_name);
}

/** A new person of the household, born in `birthYear`, added to the draft. */
function addPerson(d: PopulationDraft, h: Household, sex: Sex, birthYear: number, familyName?: string): Person {
  const { rng } = d;
  // nobody is born on 2008-01-01: a child born then would turn 18 on the reference date
  const birth = randomDate(birthYear, rng, birthYear === 2008 ? 1 : 0);
  const given = givenNames(h.group, sex, rng);
  const p: Person = {
    personal_identity_code: allocateHetu(birth, sex, d.used, rng),
    given_names: given.join(' '),
    calling_name: rng() < 0.9 || given.length === 1 ? (given[0] as string) : (given[1] as string),
    family_name: familyName ?? surname(h.group, sex, pick(rng, h.group.surnames)),
    birth_date: birth,
    sex,
    mother_tongue: h.group.language,
    municipality: { code: h.municipality.code, name: h.municipality.name },
    address: { ...h.address },
  };
  d.people.push(p);
  return p;
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

function weightedAge(rng: Rng, kind: keyof typeof AGE_BANDS): number {
  const [lo, hi] = weighted(
    rng,
    AGE_BANDS[kind].map((b) => [b, b[2]] as const),
  );
  return lo + Math.floor(rng() * (hi - lo + 1));
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
