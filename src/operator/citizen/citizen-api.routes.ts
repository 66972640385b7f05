/**
 * The citizen API (JSON, session-authenticated, CSRF-checked on changes) that the
 * dashboard uses: me and my keychain, erasure of me, pending requests and decisions, consents
 * and withdrawal, receipts and the access log (the export of everything is export/).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Accounts } from '../accounts/accounts.ts';
import { checkCsrf, type Sessions } from '../accounts/sessions.ts';
import type { CitizenService } from './citizen.service.ts';

/** What the citizen API uses. */
export interface CitizenApiDeps {
  sessions: Sessions;
  accounts: Accounts;
  citizens: CitizenService;
}

const tags = ['citizen api'];
const RecordParams = Type.Object({ record_id: Type.String({ maxLength: 100 }) });
const PartyId = Type.String({ maxLength: 64 });
const Decision = Type.Object(
  {
    approve: Type.Boolean(),
    choices: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 200 })),
    party_id: Type.Optional(PartyId),
  },
  { additionalProperties: false },
);
const Withdrawal = Type.Object({ party_id: Type.Optional(PartyId) }, { additionalProperties: false });
/** An erasure is asked for in words, so that a stray DELETE erases no one. */
const Erasure = Type.Object({ confirm: Type.Literal('erase') }, { additionalProperties: false });
const Time = Type.String({ format: 'date-time' });
const AccessLogQuery = Type.Object(
  {
    record_id: Type.Optional(Type.String({ maxLength: 100 })),
    outcome: Type.Optional(Type.Enum(['allowed', 'refused', 'error'])),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    /** A source's resource URI. */
    source: Type.Optional(Type.String({ maxLength: 500 })),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    before: Type.Optional(Time),
    // query strings are not coerced (coerceTypes is off): a number arrives as digits
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$' })),
  },
  { additionalProperties: false },
);

/** Registers the citizen API. */
export function registerCitizenApiRoutes(app: FastifyInstance, deps: CitizenApiDeps): void {
  registerAccountApi(app, deps);
  registerDecisionApi(app, deps);
  registerRecordApi(app, deps);
}

function registerAccountApi(app: FastifyInstance, deps: CitizenApiDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/citizen/api/me', { schema: { summary: 'The signed-in citizen, keychain and CSRF token', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return {
      account_id: s.accountId,
      name: await deps.accounts.displayName(s.accountId),
      keychain: await deps.accounts.keychain(s.accountId),
      csrf_token: s.data.csrf,
    };
  });

  r.delete(
    '/citizen/api/me',
    {
      schema: {
        summary: 'Erase me (GDPR Art. 17): declines waiting requests, withdraws consents, erases identifiers here and at gateways',
        tags,
        body: Erasure,
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const result = await deps.citizens.erase(s.accountId);
      reply.clearCookie('portti_session', { path: '/' });
      return result;
    },
  );

  r.get(
    '/citizen/api/access-log',
    { schema: { summary: 'Who used my data: access records reported by the gateways', tags, querystring: AccessLogQuery } },
    async (request) => {
      const s = await deps.sessions.require(request);
      const { limit, ...filter } = request.query;
      return deps.citizens.accessLog(s.accountId, { ...filter, ...(limit ? { limit: Number(limit) } : {}) });
    },
  );
}

function registerDecisionApi(app: FastifyInstance, deps: CitizenApiDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/citizen/api/requests', { schema: { summary: 'Pending consent requests awaiting my decision', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.citizens.pending(s.accountId);
  });

  r.post(
    '/citizen/api/consents/:record_id/decision',
    {
      config: { openapi: { problems: [409] } },
      schema: {
        summary: 'Approve (with optional-attribute choices) or decline a pending request',
        tags,
        params: RecordParams,
        body: Decision,
      },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return deps.citizens.decide(s.accountId, request.params.record_id, request.body);
    },
  );

  r.post(
    '/citizen/api/consents/:record_id/withdraw',
    {
      config: { openapi: { problems: [409] } },
      schema: { summary: 'Withdraw a consent (stops it for every participant)', tags, params: RecordParams, body: Withdrawal },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return deps.citizens.withdraw(s.accountId, request.params.record_id, request.body.party_id);
    },
  );
}

function registerRecordApi(app: FastifyInstance, deps: CitizenApiDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/citizen/api/consents', { schema: { summary: 'Every consent record I take part in', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.citizens.records(s.accountId);
  });

  r.get(
    '/citizen/api/consents/:record_id',
    { schema: { summary: 'One of my consent records with its history', tags, params: RecordParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.citizens.record(s.accountId, request.params.record_id);
    },
  );

  r.get(
    '/citizen/api/consents/:record_id/receipts',
    { schema: { summary: 'Signed 27560 receipts of a record (compact JWS)', tags, params: RecordParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      const rows = await deps.citizens.receipts(s.accountId, request.params.record_id);
      return rows.map((x) => ({ receipt_id: x.receipt_id, time: new Date(x.time).toISOString(), jws: x.jws }));
    },
  );
}
