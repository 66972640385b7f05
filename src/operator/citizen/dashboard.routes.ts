/**
 * The citizen dashboard, rendered on the server so it works without JavaScript, with
 * large targets and plain forms: sign in, overview, requests (approve with choices or
 * decline), consents (withdraw in one step, receipts), who used my data, keychain.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityProviderConfig } from '../../shared/config.schema.ts';
import { html } from '../../web/html.ts';
import { pick, t, type Locale, type MessageKey } from '../../web/i18n.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { CitizenService } from './citizen.service.ts';
import { safeReturnTo } from '../accounts/login.routes.ts';
import type { Registry } from '../registry/registry.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import type { WebContext } from './web-context.ts';
import { renderAccessLog, renderExportErase, renderKeychain, renderRecord } from './pages.ts';
import { hashAccessRecord, type AccessRecord } from '../../audit/access-record.ts';
import { flatten, type Insight, type InsightResult } from './insight.ts';

/** Recomputes each shown record's hash and checks links between consecutive records of a chain. */
function verifyShown(entries: Array<Record<string, unknown>>): { checked: number; broken: number } {
  const records = entries as unknown as AccessRecord[];
  const byPosition = new Map(records.map((r) => [`${r.chain}#${r.seq}`, r]));
  let broken = 0;
  for (const r of records) {
    const previous = byPosition.get(`${r.chain}#${r.seq - 1}`);
    if (hashAccessRecord(r) !== r.hash || (previous && previous.hash !== r.prev_hash)) broken += 1;
  }
  return { checked: records.length, broken };
}

export interface DashboardDeps {
  insight: Insight;
  sessions: Sessions;
  accounts: Accounts;
  citizens: CitizenService;
  registry: Registry;
  web: WebContext;
  providers: IdentityProviderConfig[];
}

type Page =
  'overview' | 'requests' | 'consents' | 'arrangements' | 'access' | 'mydata' | 'datastore' | 'others' | 'keychain' | 'move' | 'export';
const PAGES: Array<[Page, string, MessageKey]> = [
  ['overview', '/dashboard', 'nav_overview'],
  ['requests', '/dashboard/requests', 'nav_requests'],
  ['consents', '/dashboard/consents', 'nav_consents'],
  ['arrangements', '/dashboard/arrangements', 'nav_arrangements'],
  ['access', '/dashboard/access', 'nav_access'],
  ['mydata', '/dashboard/mydata', 'nav_mydata'],
  ['datastore', '/dashboard/datastore', 'nav_datastore'],
  ['others', '/dashboard/others', 'nav_others'],
  ['keychain', '/dashboard/keychain', 'nav_keychain'],
  ['move', '/dashboard/move', 'nav_move'],
  ['export', '/dashboard/export', 'nav_export'],
];

/** The dashboard's main navigation with `current` marked. */
export function dashboardNav(locale: Locale, current: Page) {
  return html`<nav class="main" aria-label="${t(locale, 'main_navigation')}">
    <ul>
      ${PAGES.map(
        ([id, href, key]) => html`<li><a href="${href}" ${id === current ? html`aria-current="page"` : ''}>${t(locale, key)}</a></li>`,
      )}
    </ul>
  </nav>`;
}

export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;

  const signedIn = (request: FastifyRequest, reply: FastifyReply) => signedInOrRedirect(deps.sessions, request, reply);

  async function sourceLabels() {
    const sources = await deps.registry.sources();
    return {
      sourceName: (resource: string, locale: Locale) => pick(sources.find((s) => s.resource === resource)?.name, locale) || resource,
      attributeLabel: (resource: string, id: string, locale: Locale) =>
        pick(sources.find((s) => s.resource === resource)?.attributes.find((a) => a.id === id)?.label, locale) || id,
    };
  }

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard', 303));

  app.get(
    '/signin',
    {
      schema: {
        hide: true,
        querystring: { type: 'object', properties: { return_to: { type: 'string', maxLength: 512 }, lang: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const session = await deps.sessions.get(request);
      const locale = web.locale(request, session);
      const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
      const body = html`<p>${t(locale, 'operator_intro', { operator: web.operatorName(locale) })}</p>
        ${deps.providers.length === 0 ? html`<p>${t(locale, 'no_identity_providers')}</p>` : ''}
        <ul class="idps">
          ${deps.providers.map((p) => html`<li><a class="button" href="/login/${p.id}?return_to=${encodeURIComponent(returnTo)}">${t(locale, 'sign_in_with', { name: pick(p.label, locale) })}</a></li>`)}
        </ul>`;
      return web.send(reply, request, session, t(locale, 'sign_in_title'), body);
    },
  );

  app.get('/dashboard', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const records = await deps.citizens.records(s.accountId);
    const name = (await deps.accounts.displayName(s.accountId)) ?? '';
    const body = html`<p>${t(locale, 'welcome', { name })}</p>
      <ul>
        <li><a href="/dashboard/requests">${t(locale, 'pending_count', { n: records.filter((r) => r.awaiting_me).length })}</a></li>
        <li><a href="/dashboard/consents">${t(locale, 'active_count', { n: records.filter((r) => r.status === 'active').length })}</a></li>
      </ul>`;
    return web.send(reply, request, s, t(locale, 'nav_overview'), body, dashboardNav(locale, 'overview'));
  });

  app.get('/dashboard/requests', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const labels = await sourceLabels();
    const pending = await deps.citizens.pending(s.accountId);
    const body =
      pending.length === 0
        ? html`<p>${t(locale, 'no_requests')}</p>`
        : html`${pending.map((r) => renderRecord(r, locale, s.data.csrf, labels, 'request'))}`;
    return web.send(reply, request, s, t(locale, 'nav_requests'), body, dashboardNav(locale, 'requests'));
  });

  const recordParams = { type: 'object', properties: { record_id: { type: 'string', maxLength: 100 } } };

  app.post('/dashboard/requests/:record_id', { schema: { hide: true, params: recordParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const body = request.body as { decision?: string; choices?: string | string[]; party_id?: string };
    const choices = body.choices === undefined ? [] : Array.isArray(body.choices) ? body.choices : [body.choices];
    await deps.citizens.decide(s.accountId, (request.params as { record_id: string }).record_id, {
      approve: body.decision === 'approve',
      choices,
      ...(body.party_id ? { party_id: body.party_id } : {}),
    });
    return reply.redirect('/dashboard/consents', 303);
  });

  app.get('/dashboard/consents', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const labels = await sourceLabels();
    const records = await deps.citizens.records(s.accountId);
    const body =
      records.length === 0
        ? html`<p>${t(locale, 'no_consents')}</p>`
        : html`${records.map((r) => renderRecord(r, locale, s.data.csrf, labels, 'consent'))}`;
    return web.send(reply, request, s, t(locale, 'nav_consents'), body, dashboardNav(locale, 'consents'));
  });

  app.post('/dashboard/consents/:record_id/withdraw', { schema: { hide: true, params: recordParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const partyId = (request.body as { party_id?: string }).party_id;
    await deps.citizens.withdraw(s.accountId, (request.params as { record_id: string }).record_id, partyId || undefined);
    return reply.redirect('/dashboard/consents', 303);
  });

  app.get('/dashboard/consents/:record_id/receipt', { schema: { hide: true, params: recordParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    const receipts = await deps.citizens.receipts(s.accountId, (request.params as { record_id: string }).record_id);
    const last = receipts.at(-1);
    return reply
      .header('content-disposition', `attachment; filename="consent-receipt-${last?.receipt_id.replace(/[^a-z0-9-]/gi, '') ?? 'none'}.jws"`)
      .type('application/jose')
      .send(last?.jws ?? '');
  });

  app.get(
    '/dashboard/access',
    {
      schema: {
        hide: true,
        querystring: {
          type: 'object',
          properties: {
            outcome: { enum: ['', 'allowed', 'refused', 'error'] },
            record_id: { type: 'string', maxLength: 100 },
            verify: { enum: ['1'] },
            lang: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const s = await signedIn(request, reply);
      if (!s) return reply;
      const locale = web.locale(request, s);
      const q = request.query as { outcome?: 'allowed' | 'refused' | 'error' | ''; record_id?: string; verify?: string };
      const entries = await deps.citizens.accessLog(s.accountId, {
        ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.record_id ? { record_id: q.record_id } : {}),
      });
      type Definition = {
        name: { fi: string; sv: string; en: string };
        purposes?: Array<{ purpose: string; label: { fi: string; sv: string; en: string } }>;
      };
      const services = new Map((await deps.registry.services()).map((x) => [x.client_id, x.definition as Definition]));
      const labels = await sourceLabels();
      const verdict = q.verify ? verifyShown(entries) : undefined;
      const purposeLabel = (clientId: string, purpose: string) =>
        pick(services.get(clientId)?.purposes?.find((p) => p.purpose === purpose)?.label, locale) || purpose;
      return web.send(
        reply,
        request,
        s,
        t(locale, 'nav_access'),
        renderAccessLog(
          entries,
          locale,
          q.outcome ?? '',
          (id) => pick(services.get(id)?.name, locale) || id,
          labels,
          verdict,
          purposeLabel,
        ),
        dashboardNav(locale, 'access'),
      );
    },
  );

  const mydataPage = async (request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }, result?: InsightResult) => {
    const locale = web.locale(request, s);
    const sources = await deps.registry.sources();
    const body = html`<p>${t(locale, 'mydata_intro')}</p>
      ${sources.map(
        (src) =>
          html`<section class="card" aria-labelledby="src-${src.id}">
            <h2 id="src-${src.id}">${pick(src.name, locale)}</h2>
            <form method="post" action="/dashboard/mydata">
              <input type="hidden" name="_csrf" value="${s.data.csrf}" /><input type="hidden" name="source" value="${src.id}" />
              <button type="submit">${t(locale, 'mydata_show', { source: pick(src.name, locale) })}</button>
            </form>
            ${
              result?.source.id === src.id
                ? result.operations.map((op) => {
                    const rows = op.data ? flatten(op.data) : [];
                    return rows.length === 0
                      ? html`<p>${t(locale, 'mydata_nothing')}</p>`
                      : html`<table>
                          <caption>
                            ${op.name}
                          </caption>
                          <thead>
                            <tr>
                              <th scope="col">${t(locale, 'item')}</th>
                              <th scope="col">${t(locale, 'value')}</th>
                            </tr>
                          </thead>
                          <tbody>
                            ${rows.map(
                              ([k, v]) =>
                                html`<tr>
                                  <th scope="row">${k}</th>
                                  <td>${v}</td>
                                </tr>`,
                            )}
                          </tbody>
                        </table>`;
                  })
                : ''
            }
            ${src.correction_url ? html`<p><a href="${src.correction_url}">${t(locale, 'mydata_correction', { source: pick(src.name, locale) })}</a></p>` : ''}
          </section>`,
      )}`;
    return web.send(reply, request, s, t(locale, 'nav_mydata'), body, dashboardNav(locale, 'mydata'));
  };

  app.get('/dashboard/mydata', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    return mydataPage(request, reply, s);
  });

  app.post(
    '/dashboard/mydata',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['source', '_csrf'],
          properties: { source: { type: 'string', maxLength: 64 }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const result = await deps.insight.show(
        s.accountId,
        await deps.accounts.identifiers(s.accountId),
        (request.body as { source: string }).source,
      );
      return mydataPage(request, reply, s, result);
    },
  );

  app.get('/dashboard/others', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const labels = await sourceLabels();
    const records = (await deps.citizens.records(s.accountId)).filter((r) => r.my_parties.some((p) => p.role === 'guardian'));
    const body =
      records.length === 0
        ? html`<p>${t(locale, 'no_others')}</p>`
        : html`${records.map((r) => renderRecord(r, locale, s.data.csrf, labels, r.awaiting_me ? 'request' : 'consent'))}`;
    return web.send(reply, request, s, t(locale, 'nav_others'), body, dashboardNav(locale, 'others'));
  });

  app.get('/dashboard/export', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    return web.send(reply, request, s, t(locale, 'nav_export'), renderExportErase(locale, s.data.csrf), dashboardNav(locale, 'export'));
  });

  app.post(
    '/dashboard/erase',
    {
      schema: {
        hide: true,
        body: { type: 'object', required: ['confirm', '_csrf'], properties: { confirm: { enum: ['yes'] }, _csrf: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const locale = web.locale(request, s);
      await deps.citizens.erase(s.accountId);
      reply.clearCookie('portti_session', { path: '/' });
      return web.send(
        reply,
        request,
        undefined,
        t(locale, 'erase_title'),
        html`<p role="status">${t(locale, 'erased')}</p>
          <p><a href="/signin">${t(locale, 'sign_in')}</a></p>`,
      );
    },
  );

  app.get('/dashboard/keychain', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const chain = await deps.accounts.keychain(s.accountId);
    return web.send(
      reply,
      request,
      s,
      t(locale, 'nav_keychain'),
      renderKeychain(chain, deps.providers, locale, s.data.csrf),
      dashboardNav(locale, 'keychain'),
    );
  });

  app.post(
    '/dashboard/keychain',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['action', 'iss', 'sub'],
          properties: {
            action: { enum: ['unlink', 'prefer'] },
            iss: { type: 'string', maxLength: 500 },
            sub: { type: 'string', maxLength: 500 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const { action, iss, sub } = request.body as { action: string; iss: string; sub: string };
      if (action === 'unlink') await deps.accounts.unlink(s.accountId, iss, sub);
      else await deps.accounts.prefer(s.accountId, iss, sub);
      return reply.redirect('/dashboard/keychain', 303);
    },
  );
}
