/**
 * The store's HTTP API. Four audiences, four credentials:
 * - the gateway reads a person's current document with its upstream bearer credential;
 * - depositors POST signed deposits (the signature is the credential);
 * - a trusted operator acts for a signed-in citizen with a short-lived signed assertion;
 * - aggregate services read k-anonymous profiles with their bearer credential.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../shared/errors.ts';
import type { CitizenAuthenticator } from './citizen-auth.ts';
import type { PdsService } from './pds.service.ts';

/** What the store's API uses. */
export interface PdsRoutesDeps {
  pds: PdsService;
  citizens: CitizenAuthenticator;
}

const problem = { $ref: 'Problem#' };
const Identifier = Type.String({ pattern: '^[A-Za-z0-9+\\-_.:]{1,64}$' });
const Category = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const Stored = Type.Object({
  category: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
  status: Type.Optional(Type.String()),
  verified_by: Type.Optional(Type.String()),
  verified_at: Type.Optional(Type.String()),
  replayed: Type.Optional(Type.Boolean()),
});
const Jws = Type.String({ minLength: 1, maxLength: 200000 });
/** A deposit as JSON `{deposit}` or as the bare compact JWS (application/jose). */
const Deposit = Type.Union([Type.Object({ deposit: Jws }, { additionalProperties: false }), Jws]);
const PersonParams = Type.Object({ identifier: Identifier, category: Category });
const CategoryParams = Type.Object({ category: Category });
const Correction = Type.Object(
  {
    changes: Type.Record(Type.String(), Type.Unknown(), {
      maxProperties: 50,
      propertyNames: { pattern: '^(/([^~/]|~[01])*)+$', maxLength: 200 },
    }),
  },
  { additionalProperties: false },
);
const Sharing = Type.Object({ aggregate_services: Type.Array(Category, { maxItems: 50 }) }, { additionalProperties: false });
const AggregateParams = Type.Object({ service: Category });
const AggregateQuery = Type.Object({ k: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })) }, { additionalProperties: false });

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer (\S{1,4096})$/.exec(request.headers.authorization ?? '')?.[1];
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Registers the store's API for its four audiences. */
export function registerPdsRoutes(app: FastifyInstance, deps: PdsRoutesDeps): void {
  app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  registerGatewayRoutes(app, deps);
  registerDepositRoutes(app, deps);
  registerCitizenRoutes(app, deps);
  registerAggregateRoutes(app, deps);
}

function registerGatewayRoutes(app: FastifyInstance, { pds }: PdsRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = pds.config;
  r.get(
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

  r.get(
    '/persons/:identifier/:category',
    {
      schema: {
        summary: 'The current document of a person (for the gateway)',
        tags: ['pds'],
        params: PersonParams,
        response: { 401: problem, 404: problem },
      },
    },
    async (request) => {
      if (!sameSecret(bearer(request), config.upstream_token))
        throw new ProblemError(401, 'unauthorized', "the gateway's upstream credential is required", {}, { 'www-authenticate': 'Bearer' });
      return pds.read(request.params.identifier, request.params.category);
    },
  );
}

function registerDepositRoutes(app: FastifyInstance, { pds }: PdsRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/deposits',
    {
      schema: {
        summary: 'Deposit a signed document (compact JWS, typ pds-deposit+jwt), as JSON {deposit} or application/jose',
        tags: ['pds'],
        body: Deposit,
        response: { 200: Stored, 201: Stored, 400: problem, 401: problem, 403: problem, 409: problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const jws = (typeof body === 'string' ? body : body.deposit).trim();
      const stored = await pds.deposit(jws);
      return reply.code(stored.replayed ? 200 : 201).send(stored);
    },
  );
}

function registerCitizenRoutes(app: FastifyInstance, { pds, citizens }: PdsRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['citizen'];
  r.get(
    '/me/documents',
    { schema: { summary: 'What the store holds about the citizen (operator acting for them)', tags } },
    async (request) => pds.documents(await citizens.identifier(request)),
  );

  r.patch(
    '/me/documents/:category',
    {
      schema: {
        summary: 'Correct fields the depositor allows; the result is marked corrected by the person',
        tags,
        params: CategoryParams,
        body: Correction,
      },
    },
    async (request) => {
      const who = await citizens.identifier(request);
      return pds.correct(who, request.params.category, request.body.changes);
    },
  );

  r.delete(
    '/me/documents/:category',
    { schema: { summary: 'Delete one document with its history', tags, params: CategoryParams } },
    async (request, reply) => {
      const who = await citizens.identifier(request);
      await pds.remove(who, request.params.category);
      return reply.code(204).send();
    },
  );

  r.delete(
    '/me',
    { schema: { summary: 'Erase the citizen from the store (key destroyed, rows deleted)', tags } },
    async (request, reply) => {
      await pds.erase(await citizens.identifier(request));
      return reply.code(204).send();
    },
  );

  r.put(
    '/me/sharing',
    { schema: { summary: 'Which aggregate services may include the citizen', tags, body: Sharing } },
    async (request) => ({
      aggregate_services: await pds.setSharing(await citizens.identifier(request), request.body.aggregate_services),
    }),
  );
}

function registerAggregateRoutes(app: FastifyInstance, { pds }: PdsRoutesDeps): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/aggregates/:service',
    {
      schema: {
        summary: 'Pre-anonymised profiles for an aggregate service (k-anonymous, pairwise pseudonyms)',
        tags: ['aggregate'],
        params: AggregateParams,
        querystring: AggregateQuery,
        response: { 400: problem, 401: problem, 409: problem },
      },
    },
    async (request) => {
      const k = request.query.k;
      return pds.aggregate(request.params.service, bearer(request), k === undefined ? undefined : Number(k));
    },
  );
}
