/**
 * A demo data source modelled on the Population Information System (Väestötietojärjestelmä,
 * DVV): basic person data, guardians of a child and children of a guardian, keyed by the
 * personal identity code. It logs nothing, so identity codes never reach a log.
 */
import type { FastifyInstance } from 'fastify';
import { ageAt, displayName, type Family, type Person } from '../population/population.ts';
import { createRegisterApp, findPerson, personRef, type RegisterOptions } from './register-app.ts';

/** Fastify app of the demo population register over the given people and families. */
export function createPopulationRegister(
  people: readonly Person[],
  families: readonly Family[],
  options: RegisterOptions = {},
): FastifyInstance {
  const app = createRegisterApp(options);
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const links = familyLinks(families);
  app.get<{ Params: { id: string } }>('/people/:id', async (request, reply) => {
    const p = findPerson(index, request.params.id, reply);
    return p ? personDocument(p) : reply;
  });
  app.get<{ Params: { id: string } }>('/people/:id/guardians', async (request, reply) => {
    const child = findPerson(index, request.params.id, reply);
    return child ? { child: personRef(child), guardians: guardiansOf(child, index, links) } : reply;
  });
  app.get<{ Params: { id: string } }>('/people/:id/children', async (request, reply) => {
    const guardian = findPerson(index, request.params.id, reply);
    return guardian ? { guardian: personRef(guardian), children: childrenOf(guardian, index, links) } : reply;
  });
  return app;
}

/** Families by child and by guardian identity code. */
interface FamilyLinks {
  byChild: Map<string, Family[]>;
  byGuardian: Map<string, Family[]>;
}

function familyLinks(families: readonly Family[]): FamilyLinks {
  const byChild = new Map<string, Family[]>();
  const byGuardian = new Map<string, Family[]>();
  for (const f of families) {
    for (const c of f.children) byChild.set(c, [...(byChild.get(c) ?? []), f]);
    for (const g of f.guardians) byGuardian.set(g.personal_identity_code, [...(byGuardian.get(g.personal_identity_code) ?? []), f]);
  }
  return { byChild, byGuardian };
}

const isMinor = (p: Person): boolean => ageAt(p.birth_date) < 18;

/** The answer of `GET /people/:id`. */
function personDocument(p: Person) {
  return {
    personal_identity_code: p.personal_identity_code,
    name: displayName(p),
    given_names: p.given_names,
    calling_name: p.calling_name,
    family_name: p.family_name,
    birth_date: p.birth_date,
    sex: p.sex,
    municipality: p.municipality,
    address: p.address,
    mother_tongue: p.mother_tongue,
    nationality: 'FI',
  };
}

/** A minor's guardians with their relationship; none for an adult. */
function guardiansOf(child: Person, index: ReadonlyMap<string, Person>, links: FamilyLinks) {
  if (!isMinor(child)) return [];
  return (links.byChild.get(child.personal_identity_code) ?? []).flatMap((f) =>
    f.guardians.flatMap((g) => {
      const guardian = index.get(g.personal_identity_code);
      return guardian ? [{ ...personRef(guardian), relationship: g.relationship }] : [];
    }),
  );
}

/** A guardian's children under 18, each once, oldest first. */
function childrenOf(guardian: Person, index: ReadonlyMap<string, Person>, links: FamilyLinks) {
  const seen = new Set<string>();
  return (links.byGuardian.get(guardian.personal_identity_code) ?? [])
    .flatMap((f) => f.children)
    .flatMap((code) => {
      const child = index.get(code);
      if (!child || seen.has(code) || !isMinor(child)) return [];
      seen.add(code);
      return [{ ...personRef(child), birth_date: child.birth_date }];
    })
    .sort((a, b) => a.birth_date.localeCompare(b.birth_date));
}
