/**
 * Gateway-facing APIs: the consent feed (ordered, resumable SSE of signed events for the
 * sources a gateway may see) and the access-report batch endpoint (idempotent by
 * `access_id`), both behind the gateway's DPoP-bound API token.
 */
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AccessRecord } from '../../audit/access-record.ts';
import { consentEventFrame, SYNC_FRAME } from '../../core/consent-feed.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { ApiAuthenticator } from '../oauth/api-auth.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import type { GatewayClientDefinition } from '../registry/registry.schema.ts';
import type { AccessReports } from '../transparency/access-reports.ts';
import { feedEventsAfter } from './feed.repository.ts';
import type { FeedDatabase } from './feed.tables.ts';

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

export function registerFeedRoutes(app: FastifyInstance, deps: FeedDeps): void {
  app.get(
    '/api/consent-feed',
    {
      schema: {
        summary: 'Consent feed for gateways (Server-Sent Events, each event a JWS)',
        tags: ['gateway api'],
        querystring: {
          type: 'object',
          properties: { source: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
        },
        headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,18}$' } } },
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authenticate(request, 'consent_feed');
      const allowed = await gatewaySources(deps.registry, caller.client_id, deps.inGroup);
      const q = (request.query as { source?: string | string[] }).source;
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
                if (!res.write(consentEventFrame(r.seq, r.jws))) await once(res, 'drain');
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

  app.post(
    '/api/access-reports',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        summary: 'Access records from a gateway (batched, idempotent by access_id)',
        tags: ['gateway api'],
        body: {
          type: 'object',
          required: ['records'],
          additionalProperties: false,
          properties: {
            records: {
              type: 'array',
              maxItems: 1000,
              items: {
                type: 'object',
                required: ['access_id', 'time', 'source', 'outcome', 'status', 'hash', 'prev_hash', 'chain', 'seq'],
                properties: {
                  access_id: { type: 'string', maxLength: 100 },
                  time: { type: 'string', maxLength: 40 },
                  source: { type: 'string', maxLength: 500 },
                  outcome: { enum: ['allowed', 'refused', 'error'] },
                  status: { type: 'integer' },
                  consent_record_id: { type: ['string', 'null'], maxLength: 100 },
                  client_id: { type: ['string', 'null'], maxLength: 200 },
                  hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                  prev_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                  chain: { type: 'string', maxLength: 200 },
                  seq: { type: 'integer' },
                },
              },
            },
          },
        },
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
      const { records: all } = request.body as { records: AccessRecord[] };
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
