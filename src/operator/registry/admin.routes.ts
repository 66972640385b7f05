/**
 * The admin API (its own bearer credential) and the public registry views: register
 * sources, services and gateways, suspend or resume records, rotate keys, see webhook
 * deliveries; anyone may read a service's ODRL Agreement and the source catalogue.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Value from 'typebox/value';
import { ProblemError } from '../../shared/errors.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import { recentWebhooks } from '../webhooks/webhooks.repository.ts';
import type { WebhooksDatabase } from '../webhooks/webhooks.tables.ts';
import type { Registry } from './registry.ts';
import { RegistryFileSchema, type RegistryFile } from './registry.schema.ts';

export interface AdminDeps {
  db: Kysely<WebhooksDatabase>;
  registry: Registry;
  consents: ConsentService;
  adminToken: string;
  rotateKeys: () => Promise<string>;
}

function requireAdmin(request: FastifyRequest, token: string): void {
  const auth = request.headers.authorization ?? '';
  const given = Buffer.from(auth.startsWith('Bearer ') ? auth.slice(7) : '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ProblemError(401, 'unauthorized', 'admin credential required', {}, { 'WWW-Authenticate': 'Bearer realm="portti-admin"' });
  }
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const tags = ['admin api'];
  const recordParams = { type: 'object', properties: { record_id: { type: 'string', maxLength: 100 } } };

  app.post(
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

  app.get('/admin/services', { schema: { summary: 'Registered services and gateways', tags } }, async (request) => {
    requireAdmin(request, deps.adminToken);
    return deps.registry.services();
  });

  app.post(
    '/admin/consents/:record_id/suspend',
    {
      schema: {
        summary: 'Suspend an active record',
        tags,
        params: recordParams,
        body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { record_id } = request.params as { record_id: string };
      const state = await deps.consents.suspend(record_id, 'operator', (request.body as { reason: string }).reason);
      return { record_id, status: state.status };
    },
  );

  app.post(
    '/admin/consents/:record_id/resume',
    { schema: { summary: 'Resume a suspended record', tags, params: recordParams } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { record_id } = request.params as { record_id: string };
      const state = await deps.consents.resume(record_id, 'operator');
      return { record_id, status: state.status };
    },
  );

  app.get('/admin/webhooks', { schema: { summary: 'Webhook deliveries and their status', tags } }, async (request) => {
    requireAdmin(request, deps.adminToken);
    return recentWebhooks(deps.db);
  });

  app.post(
    '/admin/keys/rotate',
    { schema: { summary: 'Rotate the operator signing key (old key stays published)', tags } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return { kid: await deps.rotateKeys() };
    },
  );

  app.get(
    '/services/:client_id/agreement',
    {
      schema: {
        summary: "A service's data agreement (ODRL 2.2 Agreement, JSON-LD)",
        tags: ['registry'],
        params: { type: 'object', properties: { client_id: { type: 'string', maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      const entry = await deps.registry.service((request.params as { client_id: string }).client_id);
      if (!entry || entry.kind === 'gateway') throw new ProblemError(404, 'not_found', 'no such service');
      return reply.type('application/ld+json').send(entry.agreement);
    },
  );

  app.get(
    '/sources',
    { schema: { summary: 'Sources this operator serves, with their attribute catalogue', tags: ['registry'] } },
    async () => deps.registry.sources(),
  );
}
