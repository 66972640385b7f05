/**
 * A deterministic synthetic Finnish population for the demo registers: people living in
 * households (singles, couples, families with children under 18) with valid identity codes.
 *
 * Every identity code uses an individual number in 900–999. DVV reserves that range for
 * test identities, so none of these codes can belong to a real person. Fixed demo residents
 * (DEMO_RESIDENTS) always come first, so demos and tests can rely on them.
 */
import { addHousehold, type PopulationDraft } from './households.ts';
import { DEMO_FAMILIES, DEMO_PEOPLE } from './population.data.ts';
import { mulberry32 } from './random.ts';

/** Sex as the identity code records it. */
export type Sex = 'male' | 'female';

/** A municipality of residence. */
export interface Municipality {
  /** Statistics Finland municipality code, e.g. "091" for Helsinki. */
  code: string;
  name: string;
}

/** A permanent street address. */
export interface Address {
  street_address: string;
  postal_code: string;
  post_office: string;
}

/** One synthetic resident, as the population register knows them. */
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

/** How a guardian is related to the child. */
export type GuardianRelationship = 'mother' | 'father' | 'guardian';

/** A guardian of a family's children. */
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

/** The people and their families. */
export interface Population {
  people: Person[];
  families: Family[];
}

/** The date ages are counted at; the demo income year is the year before it. */
export const REFERENCE_DATE = '2026-01-01';

/** Person's display name: calling name and family name. */
export function displayName(person: Person): string {
  return `${person.calling_name} ${person.family_name}`;
}

/** Whole years of age at `at` (ISO date, default REFERENCE_DATE). */
export function ageAt(birthDate: string, at: string = REFERENCE_DATE): number {
  const age = Number(at.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return at.slice(5) < birthDate.slice(5) ? age - 1 : age;
}

/** Keys of the fixed demo residents (`aino`, `mikko`, …). */
export type DemoResidentKey = keyof typeof DEMO_PEOPLE;

/** The fixed demo residents: identity code, display name and birth date of each. */
export const DEMO_RESIDENTS: Readonly<Record<DemoResidentKey, { personal_identity_code: string; name: string; birth_date: string }>> =
  Object.fromEntries(
    Object.entries(DEMO_PEOPLE).map(([k, p]) => [
      k,
      { personal_identity_code: p.personal_identity_code, name: displayName(p), birth_date: p.birth_date },
    ]),
  ) as Record<DemoResidentKey, { personal_identity_code: string; name: string; birth_date: string }>;

/** Generates `count` people (demo residents first) and their families, identically for the same seed. */
export function generatePopulationData(count: number, seed: number): Population {
  const demo = Object.values(DEMO_PEOPLE) as Person[];
  if (!Number.isInteger(count) || count < demo.length) throw new RangeError(`count must be an integer of at least ${demo.length}`);
  const people: Person[] = demo.map((p) => structuredClone(p));
  const draft: PopulationDraft = {
    rng: mulberry32(seed),
    people,
    families: structuredClone(DEMO_FAMILIES),
    used: new Set(people.map((p) => p.personal_identity_code)),
  };
  while (people.length < count) addHousehold(draft, count - people.length);
  return { people, families: draft.families };
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
