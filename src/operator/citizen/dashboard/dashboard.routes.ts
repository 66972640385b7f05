/**
 * The citizen dashboard, rendered on the server so it works without JavaScript, with
 * large targets and plain forms: sign in, overview, requests (approve with choices or
 * decline) and records of people one acts for. The consents, access log, "my data",
 * keychain and export pages register from their own modules.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IdentityProviderConfig } from '../../../shared/config.schema.ts';
import { html } from '../../../web/html.ts';
import { isLocale, t } from '../../../web/i18n.ts';
import { page } from '../../../web/layout.ts';
import type { Accounts } from '../../accounts/accounts.ts';
import { RETURN_TO_MAX, safeReturnTo } from '../../accounts/login.routes.ts';
import { signedInOrRedirect, type Session, type Sessions } from '../../accounts/sessions.ts';
import type { Notifications } from '../../notifications/notifications.ts';
import type { Witness } from '../../witness/witness.ts';
import type { Registry } from '../../registry/registry.ts';
import type { CitizenService } from '../citizen.service.ts';
import { registerAccountPages } from './dashboard-account.routes.ts';
import { registerConsentsPage } from './dashboard-consents.routes.ts';
import { registerDecisionRoutes } from './dashboard-decisions.routes.ts';
import { registerDataPages } from './dashboard-data.routes.ts';
import type { Insight } from '../insight.ts';
import { renderOverview, renderSignedOut, renderSignIn } from '../pages/home.page.ts';
import { renderRecords } from '../pages/record.page.ts';
import {
  sourceLabels,
  type CardContext,
  type CitizenRecordView,
  type OverviewView,
  type RecordCardMode,
  type SignedOutView,
  type SignInView,
} from '../view-models.ts';
import { dashboardNav, securityHeaders, type DashboardPage, type WebContext } from '../web-context.ts';
import type { LocalizedText } from '../view-models.ts';

/** What the dashboard's pages use. */
export interface DashboardDeps {
  insight: Insight;
  sessions: Sessions;
  accounts: Accounts;
  citizens: CitizenService;
  registry: Registry;
  web: WebContext;
  providers: IdentityProviderConfig[];
  /** The operator's witness: checkpoints and keys for the browser's check of "who used my data". */
  witness: Witness;
  /** Display names of the trust group's operators by issuer (where moved history came from). */
  operatorNames?: () => Record<string, LocalizedText>;
  /** Where and when the citizen moved from here (portability/), for the notice on their consents. */
  movedOut?: (accountId: string) => Promise<{ peer: string; at: string } | undefined>;
  /** The citizen's notifications (notifications/): the overview counts the unread ones. */
  notifications?: Pick<Notifications, 'unread'>;
}

const SignInQuery = Type.Object({
  return_to: Type.Optional(Type.String({ maxLength: RETURN_TO_MAX })),
  lang: Type.Optional(Type.String()),
  reason: Type.Optional(Type.Enum(['session_ended'])),
});
/** After sign-out; `state` carries the language back from the identity provider's logout. */
const SignedOutQuery = Type.Object({
  lang: Type.Optional(Type.String()),
  state: Type.Optional(Type.String({ maxLength: 8 })),
  idp: Type.Optional(Type.Enum(['kept'])),
});
const RecordParams = Type.Object({ record_id: Type.String({ maxLength: 100 }) });

/** Registers every page of the dashboard. */
export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  registerHomePages(app, deps);
  registerRecordPages(app, deps);
  registerConsentsPage(app, deps);
  registerDecisionRoutes(app, deps);
  registerDataPages(app, deps);
  registerAccountPages(app, deps);
}

function registerHomePages(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard', 303));

  r.get('/signin', { schema: { hide: true, querystring: SignInQuery } }, async (request, reply) => {
    const session = await deps.sessions.get(request);
    const locale = web.locale(request, session);
    const returnTo = safeReturnTo(request.query.return_to);
    const view: SignInView = {
      operatorName: web.operatorName(locale),
      returnTo,
      providers: deps.providers,
      sessionEnded: request.query.reason === 'session_ended',
    };
    return web.send(reply, request, session, t(locale, 'sign_in_title'), renderSignIn(view, locale));
  });

  r.get('/signed-out', { schema: { hide: true, querystring: SignedOutQuery } }, async (request, reply) => {
    const { state } = request.query;
    const locale = isLocale(state) ? state : web.locale(request);
    const view: SignedOutView = { operatorName: web.operatorName(locale), idpSessionKept: request.query.idp === 'kept' };
    const body = renderSignedOut(view, locale);
    return securityHeaders(reply)
      .type('text/html; charset=utf-8')
      .send(
        page({ locale, title: t(locale, 'signed_out_title'), body, operatorName: view.operatorName, path: `/signed-out?lang=${locale}` }),
      );
  });

  r.get('/dashboard', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const records = await deps.citizens.records(s.accountId);
    const view: OverviewView = {
      name: (await deps.accounts.displayName(s.accountId)) ?? '',
      pending: records.filter((x) => x.awaiting_me).length,
      active: records.filter((x) => x.status === 'active').length,
      unread: (await deps.notifications?.unread(s.accountId)) ?? 0,
    };
    return web.send(reply, request, s, t(locale, 'nav_overview'), renderOverview(view, locale), dashboardNav(locale, 'overview'));
  });
}

/** A page of record cards: which records, how each shows, and what to say when there is none. */
interface RecordPage {
  path: string;
  page: Extract<DashboardPage, 'requests' | 'others'>;
  records: (citizens: CitizenService, accountId: string) => Promise<CitizenRecordView[]>;
  mode: (r: CitizenRecordView) => RecordCardMode;
  empty: 'no_requests' | 'no_others';
}

const RECORD_PAGES: RecordPage[] = [
  { path: '/dashboard/requests', page: 'requests', records: (c, a) => c.pending(a), mode: () => 'request', empty: 'no_requests' },
  {
    path: '/dashboard/others',
    page: 'others',
    records: async (c, a) => (await c.records(a)).filter((x) => x.my_parties.some((p) => p.role === 'guardian')),
    mode: (x) => (x.awaiting_me ? 'request' : 'consent'),
    empty: 'no_others',
  },
];

function registerRecordPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const context = async (locale: CardContext['locale'], s: Session): Promise<CardContext> => ({
    locale,
    csrf: s.data.csrf,
    labels: sourceLabels(await deps.registry.sources()),
  });

  for (const p of RECORD_PAGES) {
    r.get(p.path, { schema: { hide: true } }, async (request, reply) => {
      const s = await signedInOrRedirect(deps.sessions, request, reply);
      if (!s) return reply;
      const locale = web.locale(request, s);
      const view = await context(locale, s);
      const records = renderRecords(await p.records(deps.citizens, s.accountId), p.mode, p.empty, view);
      // people who gave a mandate are acted for on the mandates page (mandates/)
      const more = p.page === 'others' ? html`<p><a href="/dashboard/mandates">${t(locale, 'mandates_others_link')}</a></p>` : '';
      const body = html`${records}${more}`;
      return web.send(reply, request, s, t(locale, `nav_${p.page}`), body, dashboardNav(locale, p.page));
    });
  }

  r.get('/dashboard/consents/:record_id/receipt', { schema: { hide: true, params: RecordParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    const receipts = await deps.citizens.receipts(s.accountId, request.params.record_id);
    const last = receipts.at(-1);
    return reply
      .header('content-disposition', `attachment; filename="consent-receipt-${last?.receipt_id.replace(/[^a-z0-9-]/gi, '') ?? 'none'}.jws"`)
      .type('application/jose')
      .send(last?.jws ?? '');
  });
}
