/**
 * RFC 7591 dynamic client registration at `/oauth/register` (open: the software statement is
 * the credential; errors in OAuth's format, RFC 7591 §3.2.2), and the admin API for the review
 * of registrations the rulebook makes wait: list, approve, refuse.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireAdmin } from '../registry/admin.routes.ts';
import { RegistrationError, Registrations } from './registrations.ts';

/** What the registration routes use: what the registrations are built on, and the admin credential. */
export type RegistrationRouteDeps = ConstructorParameters<typeof Registrations>[0] & { adminToken: string };

const tags = ['admin api'];
const ClientParams = Type.Object({ client_id: Type.String({ maxLength: 100 }) });
const StatusQuery = Type.Object({ status: Type.Optional(Type.Enum(['pending', 'approved', 'refused'])) });
const Refusal = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) });
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

/** The registration endpoint's answer to a bad request: OAuth's error format, never problem+json. */
function oauthError(
  err: FastifyError | RegistrationError,
): { status: 400 | 413 | 415; body: { error: string; error_description: string } } | undefined {
  if (err instanceof RegistrationError) return { status: 400, body: { error: err.error, error_description: err.message } };
  const status = err.statusCode ?? 500;
  if (status >= 500) return undefined;
  return {
    status: status === 413 || status === 415 ? status : 400,
    body: { error: 'invalid_client_metadata', error_description: err.message },
  };
}

/** Registers `/oauth/register` and the review routes of the admin API. */
export function registerRegistrationRoutes(app: FastifyInstance, { adminToken, ...built }: RegistrationRouteDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = { adminToken, registrations: new Registrations(built) };
  r.post(
    '/oauth/register',
    {
      schema: {
        summary: 'RFC 7591 dynamic client registration with a software statement signed by the trust group',
        tags: ['oauth'],
        response: { 201: Type.Record(Type.String(), Type.Unknown()), 400: OAuthError, 413: OAuthError, 415: OAuthError },
      },
      // open (the statement is the credential, RFC 7591 §3), with errors in OAuth's format
      config: { openapi: { public: true, oauthErrors: true } },
      errorHandler(err: FastifyError | RegistrationError, _request, reply) {
        const answer = oauthError(err);
        if (!answer) throw err;
        return reply.code(answer.status).header('cache-control', 'no-store').send(answer.body);
      },
    },
    async (request, reply) => {
      const information = await deps.registrations.register(request.body);
      return reply.code(201).header('cache-control', 'no-store').send(information);
    },
  );

  r.get(
    '/admin/registrations',
    { schema: { summary: 'Dynamic client registrations (?status=pending: the ones waiting for review)', tags, querystring: StatusQuery } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return deps.registrations.list(request.query.status);
    },
  );

  r.post(
    '/admin/registrations/:client_id/approve',
    { schema: { summary: 'Approve a pending registration: the service gets tokens from now on', tags, params: ClientParams } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return deps.registrations.approve(request.params.client_id);
    },
  );

  r.post(
    '/admin/registrations/:client_id/refuse',
    { schema: { summary: 'Refuse a pending registration (the service gets no tokens)', tags, params: ClientParams, body: Refusal } },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return deps.registrations.refuse(request.params.client_id, request.body.reason);
    },
  );
}
