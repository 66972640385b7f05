/**
 * The store's HTTP API. Four audiences, four credentials:
 * - the gateway reads a person's current document with its upstream bearer credential;
 * - depositors POST signed deposits (the signature is the credential);
 * - a trusted operator acts for a signed-in citizen with a short-lived signed assertion;
 * - aggregate services read k-anonymous profiles with their bearer credential.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../shared/errors.ts';
import type { CitizenAuthenticator } from './citizen-auth.ts';
import type { PdsService } from './pds.service.ts';

const problem = { $ref: 'Problem#' };
const identifier = { type: 'string', pattern: '^[A-Za-z0-9+\\-_.:]{1,64}$' };
const category = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' };
const stored = {
  type: 'object',
  properties: {
    category: { type: 'string' },
    version: { type: 'integer' },
    status: { type: 'string' },
    verified_by: { type: 'string' },
    verified_at: { type: 'string' },
    replayed: { type: 'boolean' },
  },
} as const;

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer (\S{1,4096})$/.exec(request.headers.authorization ?? '')?.[1];
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerPdsRoutes(app: FastifyInstance, deps: { pds: PdsService; citizens: CitizenAuthenticator }): void {
  const { pds, citizens } = deps;
  const config = pds.config;

  app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));

  app.get(
    '/metadata',
    { schema: { summary: 'Categories with their attributes, depositors and aggregate services (no personal data)', tags: ['pds'] } },
    async () => ({
      identifier_type: config.identifier_type,
      categories: config.categories,
      depositors: config.depositors.map((d) => ({ id: d.id, name: d.name, categories: d.categories })),
      aggregate_services: config.aggregate_services.map((a) => ({
        id: a.id,
        name: a.name,
        category: a.category,
        k_min: a.k_min,
        fields: a.fields.map((f) => f.name),
      })),
    }),
  );

  app.get(
    '/persons/:identifier/:category',
    {
      schema: {
        summary: 'The current document of a person (for the gateway)',
        tags: ['pds'],
        params: { type: 'object', required: ['identifier', 'category'], properties: { identifier, category } },
        response: { 401: problem, 404: problem },
      },
    },
    async (request) => {
      if (!sameSecret(bearer(request), config.upstream_token))
        throw new ProblemError(401, 'unauthorized', "the gateway's upstream credential is required", {}, { 'www-authenticate': 'Bearer' });
      const { identifier: id, category: cat } = request.params as { identifier: string; category: string };
      return pds.read(id, cat);
    },
  );

  app.post(
    '/deposits',
    {
      schema: {
        summary: 'Deposit a signed document (compact JWS, typ pds-deposit+jwt), as JSON {deposit} or application/jose',
        tags: ['pds'],
        body: {
          oneOf: [
            {
              type: 'object',
              required: ['deposit'],
              additionalProperties: false,
              properties: { deposit: { type: 'string', minLength: 1, maxLength: 200000 } },
            },
            { type: 'string', minLength: 1, maxLength: 200000 },
          ],
        },
        response: { 200: stored, 201: stored, 400: problem, 401: problem, 403: problem, 409: problem },
      },
    },
    async (request, reply) => {
      const body = request.body as { deposit: string } | string;
      const jws = (typeof body === 'string' ? body : body.deposit).trim();
      const stored = await pds.deposit(jws);
      return reply.code(stored.replayed ? 200 : 201).send(stored);
    },
  );

  app.get(
    '/me/documents',
    { schema: { summary: 'What the store holds about the citizen (operator acting for them)', tags: ['citizen'] } },
    async (request) => pds.documents(await citizens.identifier(request)),
  );

  const categoryParams = { type: 'object', required: ['category'], properties: { category } };
  app.patch(
    '/me/documents/:category',
    {
      schema: {
        summary: 'Correct fields the depositor allows; the result is marked corrected by the person',
        tags: ['citizen'],
        params: categoryParams,
        body: {
          type: 'object',
          required: ['changes'],
          additionalProperties: false,
          properties: {
            changes: { type: 'object', maxProperties: 50, propertyNames: { pattern: '^(/([^~/]|~[01])*)+$', maxLength: 200 } },
          },
        },
      },
    },
    async (request) => {
      const who = await citizens.identifier(request);
      return pds.correct(
        who,
        (request.params as { category: string }).category,
        (request.body as { changes: Record<string, unknown> }).changes,
      );
    },
  );

  app.delete(
    '/me/documents/:category',
    { schema: { summary: 'Delete one document with its history', tags: ['citizen'], params: categoryParams } },
    async (request, reply) => {
      const who = await citizens.identifier(request);
      await pds.remove(who, (request.params as { category: string }).category);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/me',
    { schema: { summary: 'Erase the citizen from the store (key destroyed, rows deleted)', tags: ['citizen'] } },
    async (request, reply) => {
      await pds.erase(await citizens.identifier(request));
      return reply.code(204).send();
    },
  );

  app.put(
    '/me/sharing',
    {
      schema: {
        summary: 'Which aggregate services may include the citizen',
        tags: ['citizen'],
        body: {
          type: 'object',
          required: ['aggregate_services'],
          additionalProperties: false,
          properties: { aggregate_services: { type: 'array', maxItems: 50, items: category } },
        },
      },
    },
    async (request) => ({
      aggregate_services: await pds.setSharing(
        await citizens.identifier(request),
        (request.body as { aggregate_services: string[] }).aggregate_services,
      ),
    }),
  );

  app.get(
    '/aggregates/:service',
    {
      schema: {
        summary: 'Pre-anonymised profiles for an aggregate service (k-anonymous, pairwise pseudonyms)',
        tags: ['aggregate'],
        params: { type: 'object', required: ['service'], properties: { service: category } },
        querystring: { type: 'object', additionalProperties: false, properties: { k: { type: 'string', pattern: '^[0-9]{1,6}$' } } },
        response: { 400: problem, 401: problem, 409: problem },
      },
    },
    async (request) => {
      const k = (request.query as { k?: string }).k;
      return pds.aggregate((request.params as { service: string }).service, bearer(request), k === undefined ? undefined : Number(k));
    },
  );
}
