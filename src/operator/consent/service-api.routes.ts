/**
 * Service-facing APIs: asynchronous consent requests (the daycare flow), a record's status for
 * its own client, and the JSON-LD context receipts name (introspection and revocation are OAuth
 * endpoints: oauth/token-status.routes.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACTIVATION_MODES, sourcesOf, subjectsForSource, type ConsentState, type PartyRole, type PartyStatus } from '../../core/consent.ts';
import type { ConsentStatus } from '../../core/consent-event.ts';
import { RECEIPT_CONTEXT, RECEIPT_CONTEXT_PATH } from '../../core/receipt/receipt-context.data.ts';
import { fromAcceptLanguage } from '../../web/i18n.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { ApiAuthenticator } from '../oauth/api-auth.ts';
import type { ConsentService } from './consent.service.ts';

/** What the service- and gateway-facing APIs use. */
export interface ServiceApiDeps {
  auth: ApiAuthenticator;
  consents: ConsentService;
}

/** A consent record as the service that filed it sees it: no identifiers beyond what it filed. */
export interface ClientRecordView {
  record_id: string;
  status: ConsentStatus;
  activation_mode: ConsentState['activation_mode'];
  purpose: string | undefined;
  lawful_basis: string | undefined;
  expires_at: string | null;
  parties: Array<{
    party_id: string;
    role: PartyRole;
    status: PartyStatus;
    acting_for: string | null;
    identifier_type?: string;
    identifier?: string;
  }>;
  sources: Array<{ source: string; subjects: Array<{ ref: string; datatypes: string[] }> }>;
  replaces: string | null;
}

/** The view of a record its client gets: no identifiers beyond what it filed. */
export function clientView(state: ConsentState): ClientRecordView {
  return {
    record_id: state.record_id,
    status: state.status,
    activation_mode: state.activation_mode,
    purpose: state.purposes[0]?.purpose,
    lawful_basis: state.purposes[0]?.lawful_basis,
    expires_at: state.expires_at === null ? null : new Date(state.expires_at).toISOString(),
    // identifiers only of the data subjects the service named itself; guardians found by the
    // operator stay unnamed to the service
    parties: state.parties.map((p) => ({
      party_id: p.party_id,
      role: p.role,
      status: p.status,
      acting_for: p.acting_for,
      ...(p.role === 'data_subject' ? { identifier_type: p.identifier_type, identifier: p.identifier } : {}),
    })),
    sources: sourcesOf(state).map((source) => ({
      source,
      subjects: subjectsForSource(state, source).map((s) => ({ ref: s.ref, datatypes: s.datatypes })),
    })),
    replaces: state.replaces,
  };
}

const Subject = Type.Object(
  {
    identifier_type: Type.String({ minLength: 1, maxLength: 40 }),
    identifier: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
const Attribute = Type.Object(
  { source: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) },
  { additionalProperties: false },
);
const ConsentRequest = Type.Object(
  {
    subjects: Type.Array(Subject, { minItems: 1, maxItems: 10 }),
    activation_mode: Type.Enum(ACTIVATION_MODES),
    purpose: Type.String({ minLength: 1, maxLength: 300 }),
    attributes: Type.Optional(Type.Array(Attribute, { maxItems: 100 })),
    language: Type.Optional(Type.Enum(['fi', 'sv', 'en'])),
    validity_duration: Type.Optional(
      Type.String({
        maxLength: 40,
        pattern: '^P(?!$)(\\d{1,4}Y)?(\\d{1,5}M)?(\\d{1,5}W)?(\\d{1,6}D)?(T(?=\\d)(\\d{1,7}H)?(\\d{1,9}M)?(\\d{1,10}S)?)?$',
      }),
    ),
  },
  { additionalProperties: false },
);
const RecordParams = Type.Object({ record_id: Type.String({ maxLength: 100 }) });
const nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
/** ClientRecordView as the OpenAPI document gives it (documentation only: the answer is not re-serialized by it). */
const RecordView = Type.Object({
  record_id: Type.String(),
  status: Type.Enum(['pending', 'active', 'declined', 'suspended', 'withdrawn', 'expired', 'moved']),
  activation_mode: Type.Enum(ACTIVATION_MODES),
  purpose: Type.Optional(Type.String()),
  lawful_basis: Type.Optional(Type.String()),
  expires_at: nullable(Type.String({ format: 'date-time' })),
  parties: Type.Array(
    Type.Object({
      party_id: Type.String(),
      role: Type.String(),
      status: Type.String(),
      acting_for: nullable(Type.String()),
      identifier_type: Type.Optional(Type.String()),
      identifier: Type.Optional(Type.String()),
    }),
  ),
  sources: Type.Array(
    Type.Object({
      source: Type.String(),
      subjects: Type.Array(Type.Object({ ref: Type.String(), datatypes: Type.Array(Type.String()) })),
    }),
  ),
  replaces: nullable(Type.String()),
});
/** Registers consent requests and record status. */
export function registerServiceApiRoutes(app: FastifyInstance, deps: ServiceApiDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/consent-requests',
    {
      config: {
        openapi: {
          success: 201,
          scope: 'consent_request',
          body: RecordView,
          description: 'The filed consent request (its URL in `Location`)',
        },
      },
      schema: { summary: 'File an asynchronous consent request naming the data subjects', tags: ['service api'], body: ConsentRequest },
    },
    async (request, reply) => {
      const caller = await deps.auth.authenticate(request, 'consent_request');
      // the receipts speak the request's language: as filed, or else the one the request asked for
      const language = request.body.language ?? fromAcceptLanguage(request.headers['accept-language']);
      const state = await deps.consents.fileRequest(caller.client_id, { ...request.body, language });
      return reply
        .code(201)
        .header('location', `/api/consents/${encodeURIComponent(state.record_id)}`)
        .send(clientView(state));
    },
  );

  r.get(
    '/api/consents/:record_id',
    {
      config: { openapi: { scope: 'consent_request', body: RecordView } },
      schema: { summary: 'A consent record, for the service that filed it', tags: ['service api'], params: RecordParams },
    },
    async (request) => {
      const caller = await deps.auth.authenticate(request, 'consent_request');
      const { record_id } = request.params;
      const state = await deps.consents.get(record_id);
      if (state.client_id !== caller.client_id) throw new ProblemError(404, 'not_found', `no consent record ${record_id}`);
      return clientView(state);
    },
  );

  r.get(
    RECEIPT_CONTEXT_PATH,
    {
      config: { openapi: { produces: 'application/ld+json' } },
      schema: { summary: 'The JSON-LD context of consent receipts (DPV, ISO/IEC TS 27560)', tags: ['receipts'] },
    },
    async (_request, reply) =>
      reply.type('application/ld+json').header('cache-control', 'public, max-age=31536000, immutable').send(RECEIPT_CONTEXT),
  );
}
