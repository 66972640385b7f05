/**
 * The citizen API (JSON, session-authenticated, CSRF-checked on changes) that the
 * dashboard uses: me and my keychain, pending requests and decisions, consents and
 * withdrawal, receipts, and the access log.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../accounts/accounts.ts';
import type { AccessLogFilter, CitizenService } from './citizen.service.ts';
import { checkCsrf, type Sessions } from '../accounts/sessions.ts';

export interface CitizenApiDeps {
  sessions: Sessions;
  accounts: Accounts;
  citizens: CitizenService;
}

const recordParams = { type: 'object', properties: { record_id: { type: 'string', maxLength: 100 } }, required: ['record_id'] };

export function registerCitizenApiRoutes(app: FastifyInstance, deps: CitizenApiDeps): void {
  const tags = ['citizen api'];

  app.get('/citizen/api/me', { schema: { summary: 'The signed-in citizen, keychain and CSRF token', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return {
      account_id: s.accountId,
      name: await deps.accounts.displayName(s.accountId),
      keychain: await deps.accounts.keychain(s.accountId),
      csrf_token: s.data.csrf,
    };
  });

  app.get('/citizen/api/requests', { schema: { summary: 'Pending consent requests awaiting my decision', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.citizens.pending(s.accountId);
  });

  app.post(
    '/citizen/api/consents/:record_id/decision',
    {
      schema: {
        summary: 'Approve (with optional-attribute choices) or decline a pending request',
        tags,
        params: recordParams,
        body: {
          type: 'object',
          required: ['approve'],
          additionalProperties: false,
          properties: {
            approve: { type: 'boolean' },
            choices: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 300 } },
            party_id: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const { record_id } = request.params as { record_id: string };
      return deps.citizens.decide(s.accountId, record_id, request.body as { approve: boolean; choices?: string[]; party_id?: string });
    },
  );

  app.get('/citizen/api/consents', { schema: { summary: 'Every consent record I take part in', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.citizens.records(s.accountId);
  });

  app.get(
    '/citizen/api/consents/:record_id',
    { schema: { summary: 'One of my consent records with its history', tags, params: recordParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.citizens.record(s.accountId, (request.params as { record_id: string }).record_id);
    },
  );

  app.post(
    '/citizen/api/consents/:record_id/withdraw',
    {
      schema: {
        summary: 'Withdraw a consent (stops it for every participant)',
        tags,
        params: recordParams,
        body: { type: 'object', additionalProperties: false, properties: { party_id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const body = (request.body ?? {}) as { party_id?: string };
      return deps.citizens.withdraw(s.accountId, (request.params as { record_id: string }).record_id, body.party_id);
    },
  );

  app.get(
    '/citizen/api/consents/:record_id/receipts',
    { schema: { summary: 'Signed 27560 receipts of a record (compact JWS)', tags, params: recordParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      const rows = await deps.citizens.receipts(s.accountId, (request.params as { record_id: string }).record_id);
      return rows.map((r) => ({ receipt_id: r.receipt_id, time: new Date(r.time).toISOString(), jws: r.jws }));
    },
  );

  app.get(
    '/citizen/api/export',
    { schema: { summary: 'Everything the operator holds about me (JSON download)', tags } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      const bundle = JSON.stringify(await deps.citizens.export(s.accountId), null, 2);
      return reply
        .header('content-disposition', 'attachment; filename="portti-export.json"')
        .header('cache-control', 'no-store')
        .type('application/json')
        .send(bundle);
    },
  );

  app.get(
    '/citizen/api/access-log',
    {
      schema: {
        summary: 'Who used my data: access records reported by the gateways',
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            record_id: { type: 'string', maxLength: 100 },
            outcome: { enum: ['allowed', 'refused', 'error'] },
            client_id: { type: 'string', maxLength: 200 },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            before: { type: 'string', format: 'date-time' },
            // query strings are not coerced (coerceTypes is off): a number arrives as digits
            limit: { type: 'string', pattern: '^(1000|[1-9][0-9]{0,2})$' },
          },
        },
      },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      const { limit, ...filter } = request.query as Omit<AccessLogFilter, 'limit'> & { limit?: string };
      return deps.citizens.accessLog(s.accountId, { ...filter, ...(limit ? { limit: Number(limit) } : {}) });
    },
  );
}
