/**
 * The dashboard's pages about the citizen's data: who used it (`dashboard-access.routes.ts`)
 * and "my data" (what each source holds, read through the gateway under the citizen's own
 * consent, shown as rows named from the source's definition, with the views made so far).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { t, type Locale } from '../../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Session } from '../../accounts/sessions.ts';
import { registerAccessPage } from './dashboard-access.routes.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import { INSIGHT_CLIENT_ID, type InsightResult } from '../insight.ts';
import { insightRows } from '../insight-rows.ts';
import { renderMyData } from '../pages/mydata.page.ts';
import { sourceLabels, type MyDataView, type MyDataViewEntry } from '../view-models.ts';
import { dashboardNav } from '../web-context.ts';

const MyDataForm = Type.Object({ source: Type.String({ maxLength: 64 }), _csrf: Type.String() });

/** How many earlier "my data" views the page lists. */
const VIEWS_SHOWN = 20;

/** The consents the "my data" views expressed, newest first: kept here, out of the consents list. */
async function earlierViews(deps: DashboardDeps, accountId: string, locale: Locale): Promise<MyDataViewEntry[]> {
  const labels = sourceLabels(await deps.registry.sources());
  const records = (await deps.citizens.records(accountId)).filter((r) => r.client_id === INSIGHT_CLIENT_ID);
  return records.slice(0, VIEWS_SHOWN).map((r) => ({
    record_id: r.record_id,
    time: r.created_at,
    source: [...new Set(r.purposes.flatMap((p) => p.pii_information.map((i) => i.source)))]
      .map((s) => labels.sourceName(s, locale))
      .join(', '),
    status: r.status,
  }));
}

/** Registers the access log and "my data" pages. */
export function registerDataPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  registerAccessPage(app, deps);

  const mydataPage = async (request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }, result?: InsightResult) => {
    const locale = web.locale(request, s);
    const view: MyDataView = {
      sources: await deps.registry.sources(),
      csrf: s.data.csrf,
      ...(result ? { result: { source_id: result.source.id, rows: insightRows(result, locale) } } : {}),
      views: await earlierViews(deps, s.accountId, locale),
    };
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
    const result = await deps.insight.show(s.accountId, await deps.accounts.identifiers(s.accountId), request.body.source);
    return mydataPage(request, reply, s, result);
  });
}
