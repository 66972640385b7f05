/**
 * The plumbing both demo registers share: an optional API key, JSON error bodies, no
 * caching, no logging (so identity codes never reach a log), and the person lookup by
 * identity code behind every `/people/:id` endpoint.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { isValidHetu } from '../population/finnish-ids.ts';
import { displayName, type Person } from '../population/population.ts';

/** Options both demo registers take. */
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
