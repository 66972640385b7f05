/**
 * A demo data source modelled on the Population Information System (Väestötietojärjestelmä,
 * DVV): basic person data, guardians of a child and children of a guardian, keyed by the
 * personal identity code. Also the plumbing both demo registers share (API key, errors).
 * It logs nothing, so identity codes never reach a log.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { isValidHetu } from './finnish-ids.ts';
import { ageAt, displayName, type Family, type Person } from './population.ts';

export interface RegisterOptions {
  /** When set, every request must carry this value in `x-api-key` (401 otherwise). */
  apiKey?: string;
}

/** JSON body of every error answer of the demo registers. */
export interface RegisterError {
  error: 'invalid_identity_code' | 'not_found' | 'unauthorized' | 'bad_request' | 'internal_error';
  message: string;
}

/** Sends a register error with its status. */
export function sendError(reply: FastifyReply, status: number, error: RegisterError['error'], message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error, message } satisfies RegisterError);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A bare Fastify app with the demo registers' rules: optional x-api-key, JSON errors, no-store, no logging. */
export function createRegisterApp(options: RegisterOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false });
  const { apiKey } = options;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (apiKey === undefined) return;
    const given = request.headers['x-api-key'];
    if (typeof given !== 'string' || !sameSecret(given, apiKey)) {
      return sendError(reply, 401, 'unauthorized', 'a valid x-api-key header is required');
    }
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'not_found', 'no such resource'));
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) return sendError(reply, 500, 'internal_error', 'the register failed');
    return sendError(reply, status, 'bad_request', 'the request could not be served');
  });
  return app;
}

/** Looks a person up by an `:id` path parameter; answers 400 or 404 itself and returns undefined then. */
export function findPerson(index: ReadonlyMap<string, Person>, id: string, reply: FastifyReply): Person | undefined {
  if (!isValidHetu(id)) {
    sendError(reply, 400, 'invalid_identity_code', 'the identity code is not a valid Finnish personal identity code');
    return undefined;
  }
  const person = index.get(id);
  if (!person) sendError(reply, 404, 'not_found', 'no person with this identity code');
  return person;
}

/** `{ personal_identity_code, name }` of a person. */
export function personRef(person: Person): { personal_identity_code: string; name: string } {
  return { personal_identity_code: person.personal_identity_code, name: displayName(person) };
}

/** Fastify app of the demo population register over the given people and families. */
export function createPopulationRegister(
  people: readonly Person[],
  families: readonly Family[],
  options: RegisterOptions = {},
): FastifyInstance {
  const app = createRegisterApp(options);
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const byChild = new Map<string, Family[]>();
  const byGuardian = new Map<string, Family[]>();
  for (const f of families) {
    for (const c of f.children) byChild.set(c, [...(byChild.get(c) ?? []), f]);
    for (const g of f.guardians) byGuardian.set(g.personal_identity_code, [...(byGuardian.get(g.personal_identity_code) ?? []), f]);
  }
  const isMinor = (p: Person): boolean => ageAt(p.birth_date) < 18;

  app.get<{ Params: { id: string } }>('/people/:id', async (request, reply) => {
    const p = findPerson(index, request.params.id, reply);
    if (!p) return reply;
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
  });

  app.get<{ Params: { id: string } }>('/people/:id/guardians', async (request, reply) => {
    const child = findPerson(index, request.params.id, reply);
    if (!child) return reply;
    const guardians = isMinor(child)
      ? (byChild.get(child.personal_identity_code) ?? []).flatMap((f) =>
          f.guardians.flatMap((g) => {
            const guardian = index.get(g.personal_identity_code);
            return guardian ? [{ ...personRef(guardian), relationship: g.relationship }] : [];
          }),
        )
      : [];
    return { child: personRef(child), guardians };
  });

  app.get<{ Params: { id: string } }>('/people/:id/children', async (request, reply) => {
    const guardian = findPerson(index, request.params.id, reply);
    if (!guardian) return reply;
    const seen = new Set<string>();
    const children = (byGuardian.get(guardian.personal_identity_code) ?? [])
      .flatMap((f) => f.children)
      .flatMap((code) => {
        const child = index.get(code);
        if (!child || seen.has(code) || !isMinor(child)) return [];
        seen.add(code);
        return [{ ...personRef(child), birth_date: child.birth_date }];
      })
      .sort((a, b) => a.birth_date.localeCompare(b.birth_date));
    return { guardian: personRef(guardian), children };
  });

  return app;
}
