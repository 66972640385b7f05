/**
 * The admin API (its own bearer credential) and the public registry views: register
 * sources, services and gateways, suspend or resume records and services (a suspended
 * service's tokens are revoked at every gateway), rotate keys, see webhook deliveries; anyone
 * may read a service's ODRL Agreement and the source catalogue.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import Value from 'typebox/value';
import { ProblemError } from '../../shared/errors.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { TokenRevocations } from '../oauth/token-revocations.ts';
import { recentWebhooks } from '../webhooks/webhooks.repository.ts';
import type { WebhooksDatabase } from '../webhooks/webhooks.tables.ts';
import type { Registry } from './registry.ts';
import { RegistryFileSchema, type RegistryFile } from './registry.schema.ts';

/** What the admin API and the public registry views use. */
export interface AdminDeps {
  db: Kysely<WebhooksDatabase>;
  registry: Registry;
  consents: ConsentService;
  revocations: TokenRevocations;
  adminToken: string;
  rotateKeys: () => Promise<string>;
}

/** Refuses a request without the admin credential (401). */
export function requireAdmin(request: FastifyRequest, token: string): void {
  const auth = request.headers.authorization ?? '';
  const given = Buffer.from(auth.startsWith('Bearer ') ? auth.slice(7) : '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ProblemError(401, 'unauthorized', 'admin credential required', {}, { 'WWW-Authenticate': 'Bearer realm="portti-admin"' });
  }
}

const tags = ['admin api'];
/** A consent record's state may not allow the change (409 `invalid_transition`). */
const conflict = { openapi: { problems: [409] } };
const jsonLd = { openapi: { produces: 'application/ld+json' } };
const WebhookQuery = Type.Object({ status: Type.Optional(Type.Enum(['pending', 'delivered', 'failed'])) });
const RecordParams = Type.Object({ record_id: Type.String({ maxLength: 100 }) });
const Suspension = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) });
const ClientParams = Type.Object({ client_id: Type.String({ maxLength: 100 }) });

/** Registers the admin API and the public registry views. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/admin/registry',
    { schema: { summary: 'Register sources, services and gateways (registry file as JSON)', tags } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const body = Value.Default(RegistryFileSchema, Value.Clone(request.body ?? {}));
      const errors = [...Value.Errors(RegistryFileSchema, body)].filter((e) => e.keyword !== 'boolean');
      if (errors.length > 0) {
        throw new ProblemError(
          400,
          'validation_failed',
          `registry document is not valid: ${errors[0]!.instancePath || '/'} ${errors[0]!.message}`,
          {
            errors: errors.slice(0, 20).map((e) => ({ field: e.instancePath, message: e.message })),
          },
        );
      }
      await deps.registry.apply(body as RegistryFile);
      return { ok: true };
    },
  );

  r.get('/admin/services', { schema: { summary: 'Registered services and gateways', tags } }, async (request) => {
    requireAdmin(request, deps.adminToken);
    return deps.registry.services();
  });

  r.post(
    '/admin/consents/:record_id/suspend',
    { config: conflict, schema: { summary: 'Suspend an active record', tags, params: RecordParams, body: Suspension } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { record_id } = request.params;
      const state = await deps.consents.suspend(record_id, 'operator', request.body.reason);
      return { record_id, status: state.status };
    },
  );

  r.post(
    '/admin/consents/:record_id/resume',
    { config: conflict, schema: { summary: 'Resume a suspended record', tags, params: RecordParams } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { record_id } = request.params;
      const state = await deps.consents.resume(record_id, 'operator');
      return { record_id, status: state.status };
    },
  );

  r.post(
    '/admin/services/:client_id/suspend',
    {
      schema: {
        summary: 'Suspend a service: no new tokens, its issued tokens revoked at every gateway',
        tags,
        params: ClientParams,
        body: Suspension,
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { client_id } = request.params;
      await deps.registry.setStatus(client_id, 'suspended');
      await deps.revocations.revokeClient(client_id, request.body.reason);
      return { client_id, status: 'suspended' };
    },
  );

  r.post(
    '/admin/services/:client_id/resume',
    { schema: { summary: 'Resume a suspended service (tokens issued before the suspension stay revoked)', tags, params: ClientParams } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { client_id } = request.params;
      const status = (await deps.registry.service(client_id))?.status;
      // a self-registered service under review is approved or refused under /admin/registrations, not resumed
      if (status === 'pending' || status === 'refused')
        throw new ProblemError(409, 'conflict', `${client_id} is a registration ${status === 'pending' ? 'under review' : 'refused'}`);
      await deps.registry.setStatus(client_id, 'active');
      return { client_id, status: 'active' };
    },
  );

  r.get(
    '/admin/webhooks',
    {
      schema: {
        summary: 'Webhook deliveries and their status (?status=failed: the ones given up on)',
        tags,
        querystring: WebhookQuery,
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return recentWebhooks(deps.db, 200, request.query.status);
    },
  );

  r.post(
    '/admin/keys/rotate',
    { schema: { summary: 'Rotate the operator signing key (old key stays published)', tags } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return { kid: await deps.rotateKeys() };
    },
  );
  registerRegistryViews(app, deps);
}

/** The public registry views: a service's data agreement and the sources served. */
function registerRegistryViews(app: FastifyInstance, deps: AdminDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/services/:client_id/agreement',
    {
      config: jsonLd,
      schema: { summary: "A service's data agreement (ODRL 2.2 Agreement, JSON-LD)", tags: ['registry'], params: ClientParams },
    },
    async (request, reply) => {
      const entry = await deps.registry.service(request.params.client_id);
      if (!entry || entry.kind === 'gateway') throw new ProblemError(404, 'not_found', 'no such service');
      return reply.type('application/ld+json').send(entry.agreement);
    },
  );

  r.get('/sources', { schema: { summary: 'Sources this operator serves, with their attribute catalogue', tags: ['registry'] } }, async () =>
    deps.registry.sources(),
  );
}
