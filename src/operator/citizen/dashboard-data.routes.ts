/**
 * The dashboard's pages about the citizen's data: who used it (the access log, filtered,
 * with a check of the shown records' hash chain) and "my data" (what each source holds,
 * read through the gateway under the citizen's own consent).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AccessOutcome } from '../../audit/access-record.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Session } from '../accounts/sessions.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import type { InsightResult } from './insight.ts';
import { renderAccessLog } from './pages/access-log.page.ts';
import { renderMyData } from './pages/mydata.page.ts';
import { sourceLabels, type AccessEntryView, type AccessLogView, type MyDataView } from './view-models.ts';
import { dashboardNav } from './web-context.ts';

const AccessQuery = Type.Object({
  outcome: Type.Optional(Type.Enum(['', 'allowed', 'refused', 'error'])),
  record_id: Type.Optional(Type.String({ maxLength: 100 })),
  verify: Type.Optional(Type.Enum(['1'])),
  lang: Type.Optional(Type.String()),
});
const MyDataForm = Type.Object({ source: Type.String({ maxLength: 64 }), _csrf: Type.String() });

/** The access log's entries (reported records, as stored) with services, purposes and attributes named. */
async function accessEntries(deps: DashboardDeps, entries: Array<Record<string, unknown>>, locale: Locale): Promise<AccessEntryView[]> {
  const services = new Map<string, ServiceDefinition>(
    (await deps.registry.services()).flatMap((x) => ('purposes' in x.definition ? [[x.client_id, x.definition] as const] : [])),
  );
  const labels = sourceLabels(await deps.registry.sources());
  const checked = await deps.citizens.checkAccessEntries(entries);
  return entries.map((e, i) => {
    const { proof, ...record } = e;
    const clientId = String(e.client_id ?? '');
    const purpose = String(e.purpose ?? '');
    const datatypes = (e.datatypes_released as string[] | undefined) ?? [];
    return {
      time: String(e.time),
      service: pick(services.get(clientId)?.name, locale) || clientId,
      attributes: datatypes.map((d) => labels.attributeLabel(String(e.source), d, locale)).join(', '),
      purpose: pick(services.get(clientId)?.purposes?.find((p) => p.purpose === purpose)?.label, locale) || purpose,
      // stored as reported, and the report schema admits only the three outcomes
      outcome: e.outcome as AccessOutcome,
      leaf: JSON.stringify(record),
      ...(proof ? { proof: JSON.stringify(proof) } : {}),
      checked: checked[i]!,
    };
  });
}

/** Registers the access log and "my data" pages. */
export function registerDataPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/dashboard/access', { schema: { hide: true, querystring: AccessQuery } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const q = request.query;
    const entries = await deps.citizens.accessLog(s.accountId, {
      ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.record_id ? { record_id: q.record_id } : {}),
    });
    const proofs = entries.flatMap((e) => (e.proof ? [e.proof as { origin: string; size: number }] : []));
    const view: AccessLogView = {
      entries: await accessEntries(deps, entries, locale),
      outcome: q.outcome ?? '',
      evidence: JSON.stringify(await deps.witness.evidence(proofs)),
    };
    return web.send(reply, request, s, t(locale, 'nav_access'), renderAccessLog(view, locale), dashboardNav(locale, 'access'));
  });

  const mydataPage = async (request: FastifyRequest, reply: FastifyReply, s: Session, result?: InsightResult) => {
    const locale = web.locale(request, s);
    const view: MyDataView = { sources: await deps.registry.sources(), csrf: s.data.csrf, ...(result ? { result } : {}) };
    return web.send(reply, request, s, t(locale, 'nav_mydata'), renderMyData(view, locale), dashboardNav(locale, 'mydata'));
  };

  r.get('/dashboard/mydata', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    return mydataPage(request, reply, s);
  });

  r.post('/dashboard/mydata', { schema: { hide: true, body: MyDataForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const identifiers = await deps.accounts.identifiers(s.accountId);
    const result = await deps.insight.show(s.accountId, identifiers, request.body.source, deps.web.locale(request, s));
    return mydataPage(request, reply, s, result);
  });
}
