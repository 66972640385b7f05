/**
 * "My consents": the citizen's records grouped as active, waiting for a decision and ended,
 * with a search over what each is about (service, purpose, items, sources, status) in the
 * page's language. The consents the "my data" views express are listed on that page instead.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ConsentStatus } from '../../../core/consent-event.ts';
import { pick, t, type Locale } from '../../../web/i18n.ts';
import { signedInOrRedirect } from '../../accounts/sessions.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import { INSIGHT_CLIENT_ID } from '../insight.ts';
import { renderConsents, renderMovedNotice } from '../pages/consents.page.ts';
import { html } from '../../../web/html.ts';
import { statusText } from '../pages/format.ts';
import { sourceLabels, type CitizenRecordView, type ConsentGroup, type ConsentsView, type SourceLabels } from '../view-models.ts';
import { dashboardNav } from '../web-context.ts';

/** The group each status shows in. */
export const CONSENT_GROUP: Readonly<Record<ConsentStatus, ConsentGroup>> = {
  active: 'active',
  suspended: 'active',
  pending: 'pending',
  declined: 'ended',
  withdrawn: 'ended',
  expired: 'ended',
  moved: 'ended',
};
const GROUPS: ConsentGroup[] = ['active', 'pending', 'ended'];

const ConsentsQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), lang: Type.Optional(Type.String()) });

/** Everything a record is about, in words of `locale`, lower-cased for the search. */
function searchText(r: CitizenRecordView, labels: SourceLabels, locale: Locale): string {
  const items = r.purposes.flatMap((p) =>
    p.pii_information.flatMap((i) => [labels.attributeLabel(i.source, i.pii_attribute_id, locale), labels.sourceName(i.source, locale)]),
  );
  return [pick(r.service_name ?? undefined, locale), pick(r.purpose_label ?? undefined, locale), statusText(locale, r.status), ...items]
    .join('\n')
    .toLocaleLowerCase(locale);
}

/** The citizen's consents matching `q`, by group. */
export function consentsView(records: CitizenRecordView[], q: string, labels: SourceLabels, locale: Locale): ConsentsView {
  const words = q.toLocaleLowerCase(locale).split(/\s+/).filter(Boolean);
  const shown = records.filter(
    (r) => r.client_id !== INSIGHT_CLIENT_ID && (words.length === 0 || words.every((w) => searchText(r, labels, locale).includes(w))),
  );
  return { q, groups: GROUPS.map((group) => ({ group, records: shown.filter((r) => CONSENT_GROUP[r.status] === group) })) };
}

/** Registers the consents page. */
export function registerConsentsPage(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/dashboard/consents', { schema: { hide: true, querystring: ConsentsQuery } }, async (request, reply) => {
      const s = await signedInOrRedirect(deps.sessions, request, reply);
      if (!s) return reply;
      const locale = web.locale(request, s);
      const labels = sourceLabels(await deps.registry.sources());
      const view = consentsView(await deps.citizens.records(s.accountId), (request.query.q ?? '').trim(), labels, locale);
      const moved = await deps.movedOut?.(s.accountId);
      const name = moved && (pick(deps.operatorNames?.()[moved.peer], locale) || moved.peer);
      const notice = moved ? renderMovedNotice({ ...moved, name: name! }, locale) : '';
      const body = html`${notice}${renderConsents(view, { locale, csrf: s.data.csrf, labels, nested: true })}`;
      return web.send(reply, request, s, t(locale, 'nav_consents'), body, dashboardNav(locale, 'consents'));
    });
}
