/**
 * Gateway-facing APIs: the consent feed (ordered, resumable SSE of signed events for the
 * sources a gateway may see) and the access-report batch endpoint (idempotent by
 * `access_id`), both behind the gateway's DPoP-bound API token.
 */
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { consentEventFrame, SYNC_FRAME } from '../../core/consent-feed.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { ApiAuthenticator } from '../oauth/api-auth.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import type { GatewayClientDefinition } from '../registry/registry.schema.ts';
import type { AccessReports } from '../transparency/access-reports.ts';
import { CONSENT_FEED_DOC } from './feed.openapi.ts';
import { feedEventsAfter } from './feed.repository.ts';
import type { FeedDatabase } from './feed.tables.ts';

/** What the gateway-facing APIs use. */
export interface FeedDeps {
  db: Kysely<FeedDatabase>;
  accessReports: AccessReports;
  auth: ApiAuthenticator;
  registry: Registry;
  consents: ConsentService;
  heartbeatMs?: number;
  /** False for a source resource the operator's trust group does not admit it to. */
  inGroup?: (resource: string) => boolean;
}

/** Resource URIs a gateway client may see (and that the trust group admits this operator to). */
async function gatewaySources(
  registry: Registry,
  clientId: string,
  inGroup: (resource: string) => boolean = () => true,
): Promise<Set<string>> {
  const entry = await registry.service(clientId);
  if (!entry || entry.kind !== 'gateway') throw new ProblemError(403, 'forbidden', 'this client is not a registered gateway');
  const ids = new Set((entry.definition as GatewayClientDefinition).sources);
  return new Set((await registry.sources()).filter((s) => ids.has(s.id) && inGroup(s.resource)).map((s) => s.resource));
}

const FeedQuery = Type.Object({ source: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) });
const FeedHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })) });
/** An access record as a gateway reports it (the fields the operator relies on; the rest is kept as sent). */
const ReportedRecord = Type.Object({
  access_id: Type.String({ maxLength: 100 }),
  time: Type.String({ maxLength: 40 }),
  source: Type.String({ maxLength: 500 }),
  outcome: Type.Enum(['allowed', 'refused', 'error']),
  status: Type.Integer(),
  consent_record_id: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  client_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  chain: Type.String({ maxLength: 200 }),
  seq: Type.Integer(),
});
const AccessReport = Type.Object({ records: Type.Array(ReportedRecord, { maxItems: 1000 }) }, { additionalProperties: false });

/** Registers the consent feed and the access-report endpoint. */
export function registerFeedRoutes(app: FastifyInstance, deps: FeedDeps): void {
  registerConsentFeed(app, deps);
  registerAccessReports(app, deps);
}

function registerConsentFeed(app: FastifyInstance, deps: FeedDeps): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/consent-feed',
    {
      config: { openapi: CONSENT_FEED_DOC },
      schema: {
        summary: 'Consent feed for gateways (Server-Sent Events, each event a JWS)',
        tags: ['gateway api'],
        querystring: FeedQuery,
        headers: FeedHeaders,
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authenticate(request, 'consent_feed');
      const allowed = await gatewaySources(deps.registry, caller.client_id, deps.inGroup);
      const q = request.query.source;
      const asked = q === undefined ? [...allowed] : Array.isArray(q) ? q : [q];
      const denied = asked.filter((s) => !allowed.has(s));
      if (denied.length > 0) throw new ProblemError(403, 'forbidden', `this gateway may not follow: ${denied.join(', ')}`);
      let cursor = Number(request.headers['last-event-id'] ?? 0);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': portti consent feed\n\n');
      let closed = false;
      let pumping = false;
      let again = false;
      const pump = async () => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            for (;;) {
              const rows = await feedEventsAfter(deps.db, cursor, asked, 500);
              for (const r of rows) {
                if (closed) return;
                // a slow gateway is not buffered in memory: wait for the socket to drain
                if (!res.write(consentEventFrame(r.seq, r.jws, r.event))) await once(res, 'drain');
                cursor = Number(r.seq);
              }
              if (rows.length < 500) break;
            }
          } while (again && !closed);
        } finally {
          pumping = false;
        }
      };
      const onEvent = () => void pump().catch((err: Error) => request.log.error({ err: err.message }, 'feed pump failed'));
      deps.consents.on('event', onEvent);
      // the heartbeat also re-reads the feed: a safety net if a change notification was missed
      const heartbeat = setInterval(() => {
        res.write(': keepalive\n\n');
        onEvent();
      }, deps.heartbeatMs ?? 2000);
      const stop = () => {
        closed = true;
        clearInterval(heartbeat);
        deps.consents.off('event', onEvent);
      };
      res.on('close', stop);
      res.on('error', stop);
      await pump();
      if (!closed) res.write(SYNC_FRAME);
    },
  );
}

function registerAccessReports(app: FastifyInstance, deps: FeedDeps): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/access-reports',
    {
      bodyLimit: 4 * 1024 * 1024,
      config: { openapi: { scope: 'access_report' } },
      schema: {
        summary: 'Access records from a gateway (batched, idempotent by access_id)',
        tags: ['gateway api'],
        body: AccessReport,
        response: {
          200: {
            type: 'object',
            properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' }, rejected: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const caller = await deps.auth.authenticate(request, 'access_report');
      const allowed = await gatewaySources(deps.registry, caller.client_id, deps.inGroup);
      const { records: all } = request.body;
      // records for sources this gateway may not report are skipped (and counted), not the whole batch:
      // one stale record must not stop every later report from reaching citizens
      const records = all.filter((r) => allowed.has(r.source));
      const rejected = all.length - records.length;
      if (rejected > 0)
        request.log.warn({ gateway: caller.client_id, rejected }, 'access records for sources this gateway does not front were skipped');
      const accepted = await deps.accessReports.accept(caller.client_id, records);
      return { accepted, duplicates: records.length - accepted, rejected };
    },
  );
}
