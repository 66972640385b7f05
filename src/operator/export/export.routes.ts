/**
 * The export over HTTP: the signed-in person's file (`/citizen/api/export`, JSON streamed to
 * the response as it is read, always as a download), its summary page for the browser, and
 * the published JSON Schema of the format (`/schemas/export.json`).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t } from '../../web/i18n.ts';
import { signedInOrRedirect, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, type WebContext } from '../citizen/web-context.ts';
import { exportSummary } from './export-summary.ts';
import { renderExportSummary } from './export-summary.page.ts';
import { exportJsonSchema } from './export.schema.ts';
import type { PersonalDataExport, PreparedExport } from './personal-data-export.ts';

/** What the export routes use. */
export interface ExportDeps {
  sessions: Sessions;
  web: WebContext;
  exports: PersonalDataExport;
}

/** Sends an export as a streamed JSON download: the response starts before the last access record is read. */
export function sendExport(reply: FastifyReply, exports: PersonalDataExport, prepared: PreparedExport): FastifyReply {
  const day = prepared.head.exported_at.slice(0, 10);
  return reply
    .header('content-disposition', `attachment; filename="portti-export-${day}.json"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type('application/json; charset=utf-8')
    .send(Readable.from(exports.chunks(prepared), { objectMode: false, highWaterMark: 64 * 1024 }));
}

/** Registers the file, its summary and the schema. */
export function registerExportRoutes(app: FastifyInstance, deps: ExportDeps): void {
  const { sessions, web, exports } = deps;
  const schema = exportJsonSchema();

  app.get(
    '/citizen/api/export',
    { schema: { summary: 'Everything the operator holds about me (GDPR Art. 15/20), streamed JSON download', tags: ['citizen api'] } },
    async (request, reply) => {
      const s = await sessions.require(request);
      return sendExport(reply, exports, await exports.prepare(await exports.ofAccount(s.accountId), 'data_subject'));
    },
  );

  app.get('/dashboard/export/summary', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const prepared = await exports.prepare(await exports.ofAccount(s.accountId), 'data_subject');
    const view = exportSummary(prepared, await exports.accessCounts(prepared.recordIds));
    return web.send(
      reply,
      request,
      s,
      t(locale, 'export_summary_title'),
      renderExportSummary(view, locale),
      dashboardNav(locale, 'export'),
    );
  });

  app.get(
    '/schemas/export.json',
    {
      config: { openapi: { produces: 'application/schema+json' } },
      schema: { summary: 'The JSON Schema of the personal-data export (format portti-export/2)', tags: ['registry'] },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('application/schema+json').send(schema),
  );
}
