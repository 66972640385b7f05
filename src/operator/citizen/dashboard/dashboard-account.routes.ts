/**
 * The dashboard's pages about the account itself: the keychain (link, prefer, unlink
 * identities, and which identity each service sees) and export and erasure (GDPR Art. 15, 17 and 20).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../../shared/errors.ts';
import { t } from '../../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect } from '../../accounts/sessions.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import { renderErased, renderExportErase } from '../pages/export.page.ts';
import { renderKeychain } from '../pages/keychain.page.ts';
import type { KeychainView } from '../view-models.ts';
import { INSIGHT_CLIENT_ID } from '../insight.ts';
import { dashboardNav } from '../web-context.ts';

const EraseForm = Type.Object({ confirm: Type.Enum(['yes']), _csrf: Type.String() });
const KeychainForm = Type.Object({
  action: Type.Enum(['unlink', 'prefer']),
  iss: Type.String({ maxLength: 500 }),
  sub: Type.String({ maxLength: 500 }),
  _csrf: Type.Optional(Type.String()),
});
/** Which identity one service sees: an identity of the keychain by its index, or `default` (the one services see in general). */
const ServiceIdentityForm = Type.Object({
  client_id: Type.String({ maxLength: 200 }),
  identity: Type.String({ maxLength: 20 }),
  _csrf: Type.Optional(Type.String()),
});

/** Registers the keychain, export and erasure pages. */
export function registerAccountPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/dashboard/export', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    return web.send(reply, request, s, t(locale, 'nav_export'), renderExportErase(locale, s.data.csrf), dashboardNav(locale, 'export'));
  });

  r.post('/dashboard/erase', { schema: { hide: true, body: EraseForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const locale = web.locale(request, s);
    await deps.citizens.erase(s.accountId);
    reply.clearCookie('portti_session', { path: '/' });
    return web.send(reply, request, undefined, t(locale, 'erase_title'), renderErased(locale));
  });

  r.get('/dashboard/keychain', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const chain = await deps.accounts.keychain(s.accountId);
    const choices = await deps.accounts.serviceChoices(s.accountId);
    const services = new Map<string, KeychainView['services'][number]>();
    // the operator's own "My data" views are not a service that knows her
    for (const r of (await deps.citizens.records(s.accountId)).filter((x) => x.client_id !== INSIGHT_CLIENT_ID)) {
      const shown = choices.find((c) => c.client_id === r.client_id);
      services.set(r.client_id, { client_id: r.client_id, name: r.service_name, ...(shown ? { shown } : {}) });
    }
    const view: KeychainView = { chain, providers: deps.providers, csrf: s.data.csrf, services: [...services.values()] };
    return web.send(reply, request, s, t(locale, 'nav_keychain'), renderKeychain(view, locale), dashboardNav(locale, 'keychain'));
  });

  r.post('/dashboard/keychain', { schema: { hide: true, body: KeychainForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const { action, iss, sub } = request.body;
    if (action === 'unlink') await deps.accounts.unlink(s.accountId, iss, sub);
    else await deps.accounts.prefer(s.accountId, iss, sub);
    return reply.redirect('/dashboard/keychain', 303);
  });

  r.post('/dashboard/keychain/service', { schema: { hide: true, body: ServiceIdentityForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const { client_id, identity } = request.body;
    const chosen = identity === 'default' ? null : (await deps.accounts.keychain(s.accountId))[Number(identity)];
    if (identity !== 'default' && !chosen) throw new ProblemError(400, 'validation_failed', 'identity names no identity of your keychain');
    await deps.accounts.showToService(s.accountId, client_id, chosen ? { iss: chosen.iss, sub: chosen.sub } : null);
    return reply.redirect('/dashboard/keychain', 303);
  });
}
