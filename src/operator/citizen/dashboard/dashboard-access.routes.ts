/**
 * "Who used my data": the citizen's access log, one page at a time, filtered by service,
 * source, period and outcome on the server (plain GET forms, so it works without
 * JavaScript), with each entry's service, source, items and purpose named, and with what the
 * citizen's browser checks each entry's inclusion proof against (the server's own check shown
 * without JavaScript).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AccessOutcome } from '../../../audit/access-record.ts';
import { purposeLabel } from '../../../core/dpv.ts';
import { pick, t, type Locale } from '../../../web/i18n.ts';
import { dayBoundary } from '../../../web/local-time.ts';
import { signedInOrRedirect } from '../../accounts/sessions.ts';
import type { ServiceDefinition } from '../../registry/registry.schema.ts';
import type { AccessLogCursor, AccessLogFilter } from '../../transparency/access-log.repository.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import { renderAccessLog } from '../pages/access-log.page.ts';
import { sourceLabels, type AccessEntryView, type AccessFilterView, type AccessLogView } from '../view-models.ts';
import { dashboardNav } from '../web-context.ts';

/** Entries per page. */
export const ACCESS_PAGE_SIZE = 20;

const Day = Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' });
const Cursor = Type.String({ maxLength: 300, pattern: '^[^|]+\\|.+$' });
const AccessQuery = Type.Object({
  outcome: Type.Optional(Type.Enum(['', 'allowed', 'refused', 'error'])),
  service: Type.Optional(Type.String({ maxLength: 200 })),
  source: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  older: Type.Optional(Cursor),
  newer: Type.Optional(Cursor),
  record_id: Type.Optional(Type.String({ maxLength: 100 })),
  lang: Type.Optional(Type.String()),
});
type AccessQuery = Static<typeof AccessQuery>;

const cursorOf = (value: string): AccessLogCursor => ({
  time: value.slice(0, value.indexOf('|')),
  access_id: value.slice(value.indexOf('|') + 1),
});
const cursorAt = (e: Record<string, unknown>) => `${String(e.time)}|${String(e.access_id)}`;

/** The filter the form's choices stand for (days are days in the dashboard's zone). */
async function filterOf(deps: DashboardDeps, q: AccessQuery): Promise<AccessLogFilter> {
  const source = q.source ? ((await deps.registry.sourceById(q.source))?.resource ?? `unknown:${q.source}`) : undefined;
  const from = q.from ? dayBoundary(q.from) : undefined;
  const before = q.to ? dayBoundary(q.to, true) : undefined;
  return {
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.service ? { client_id: q.service } : {}),
    ...(source ? { source } : {}),
    ...(from ? { from } : {}),
    ...(before ? { before } : {}),
    ...(q.record_id ? { record_id: q.record_id } : {}),
    ...(q.newer ? { newer_than: cursorOf(q.newer) } : q.older ? { older_than: cursorOf(q.older) } : {}),
  };
}

/** The query string of the same choices on another page. */
function pageQuery(f: AccessFilterView, cursor: { older: string } | { newer: string }): string {
  const params = new URLSearchParams(Object.entries({ ...f, ...cursor }).filter(([, v]) => v !== ''));
  return `?${params.toString()}`;
}

/** One page of the access log: the entries, and the cursors of the pages on either side (when there are any). */
async function pageOf(deps: DashboardDeps, accountId: string, q: AccessQuery) {
  const filter = await filterOf(deps, q);
  const rows = await deps.citizens.accessLog(accountId, { ...filter, limit: ACCESS_PAGE_SIZE + 1 });
  const more = rows.length > ACCESS_PAGE_SIZE;
  // newest first either way: walking towards newer entries, the one too many is the newest
  const entries = filter.newer_than ? (more ? rows.slice(1) : rows) : rows.slice(0, ACCESS_PAGE_SIZE);
  const hasNewer = filter.newer_than ? more : filter.older_than !== undefined;
  const hasOlder = filter.newer_than ? true : more;
  return {
    entries,
    newer: hasNewer && entries.length > 0 ? cursorAt(entries[0]!) : undefined,
    older: hasOlder && entries.length > 0 ? cursorAt(entries.at(-1)!) : undefined,
  };
}

/** Services and sources named in `locale`, for the entries and the filter's choices. */
async function namers(deps: DashboardDeps, accountId: string, locale: Locale) {
  const services = new Map<string, ServiceDefinition>(
    (await deps.registry.services()).flatMap((x) => ('purposes' in x.definition ? [[x.client_id, x.definition] as const] : [])),
  );
  const sources = await deps.registry.sources();
  const labels = sourceLabels(sources);
  const used = [...new Set((await deps.citizens.records(accountId)).map((r) => r.client_id))];
  return {
    labels,
    service: (clientId: string) => pick(services.get(clientId)?.name, locale) || clientId,
    purpose: (clientId: string, iri: string) =>
      pick(services.get(clientId)?.purposes.find((p) => p.purpose === iri)?.label, locale) || purposeLabel(iri, locale),
    serviceChoices: used.map((id) => ({ value: id, label: pick(services.get(id)?.name, locale) || id })),
    sourceChoices: sources.map((s) => ({ value: s.id, label: pick(s.name, locale) })),
  };
}

/** The access log page's view in `locale`. */
async function accessLogView(deps: DashboardDeps, accountId: string, q: AccessQuery, locale: Locale): Promise<AccessLogView> {
  const w = await pageOf(deps, accountId, q);
  const n = await namers(deps, accountId, locale);
  const checked = await deps.citizens.checkAccessEntries(w.entries, accountId);
  const operators = deps.operatorNames?.() ?? {};
  const entries: AccessEntryView[] = w.entries.map((e, i) => {
    const { proof, moved_from: movedFrom, ...record } = e;
    const moved = typeof movedFrom === 'string' ? { moved_from: pick(operators[movedFrom], locale) || movedFrom } : {};
    const clientId = String(e.client_id ?? '');
    const source = String(e.source ?? '');
    return {
      access_id: String(e.access_id),
      time: String(e.time),
      service: n.service(clientId),
      source: n.labels.sourceName(source, locale),
      attributes: ((e.datatypes_released as string[] | undefined) ?? []).map((d) => n.labels.attributeLabel(source, d, locale)),
      purpose: e.purpose ? n.purpose(clientId, String(e.purpose)) : '',
      // stored as reported, and the report schema admits only the three outcomes
      outcome: e.outcome as AccessOutcome,
      leaf: JSON.stringify(record),
      // the browser checks against this operator's evidence; a moved entry's is the old operator's
      ...(proof && !moved.moved_from ? { proof: JSON.stringify(proof) } : {}),
      checked: checked[i]!,
      ...moved,
    };
  });
  const proofs = w.entries.flatMap((e) => (e.proof && e.moved_from === undefined ? [e.proof as { origin: string; size: number }] : []));
  const filter: AccessFilterView = {
    service: q.service ?? '',
    source: q.source ?? '',
    from: q.from ?? '',
    to: q.to ?? '',
    outcome: q.outcome ?? '',
    record_id: q.record_id ?? '',
  };
  return {
    entries,
    filter,
    services: n.serviceChoices,
    sources: n.sourceChoices,
    ...(w.newer ? { newer: pageQuery(filter, { newer: w.newer }) } : {}),
    ...(w.older ? { older: pageQuery(filter, { older: w.older }) } : {}),
    paged: Boolean(q.older || q.newer),
    evidence: JSON.stringify(await deps.witness.evidence(proofs)),
  };
}

/** Registers the access log page. */
export function registerAccessPage(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/dashboard/access', { schema: { hide: true, querystring: AccessQuery } }, async (request, reply) => {
      const s = await signedInOrRedirect(deps.sessions, request, reply);
      if (!s) return reply;
      const locale = web.locale(request, s);
      const view = await accessLogView(deps, s.accountId, request.query, locale);
      return web.send(reply, request, s, t(locale, 'nav_access'), renderAccessLog(view, locale), dashboardNav(locale, 'access'));
    });
}
