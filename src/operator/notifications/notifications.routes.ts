/**
 * The notifications' routes: the dashboard page (notifications, e-mail settings), the page a
 * confirmation link opens, and the same for scripts in the citizen API (JSON).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { t } from '../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, FormList, formList, type WebContext } from '../citizen/web-context.ts';
import type { NotificationSettings } from './notification-settings.ts';
import type { Notifications } from './notifications.ts';
import { renderConfirm, renderConfirmed, renderNotifications } from './notifications.page.ts';

/** What the routes use. */
export interface NotificationRoutesDeps {
  sessions: Sessions;
  web: WebContext;
  notifications: Notifications;
  settings: NotificationSettings;
}

const SettingsForm = Type.Object({
  email: Type.String({ maxLength: 320 }),
  kinds: Type.Optional(FormList),
  _csrf: Type.Optional(Type.String()),
});
const SettingsBody = Type.Object(
  { email: Type.String({ maxLength: 320 }), kinds: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }) },
  { additionalProperties: false },
);
const ConfirmQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 100 })), lang: Type.Optional(Type.String()) });
const ConfirmForm = Type.Object({ token: Type.String({ maxLength: 100 }) });
const tags = ['citizen'];

/** Registers the notifications' pages and API. */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRoutesDeps): void {
  const { web, notifications, settings } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/dashboard/notifications', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const view = {
      notifications: await notifications.list(s.accountId, locale),
      settings: await settings.view(s.accountId),
      mails: notifications.mails,
      csrf: s.data.csrf,
    };
    await notifications.markRead(s.accountId);
    const body = renderNotifications(view, locale);
    return web.send(reply, request, s, t(locale, 'nav_notifications'), body, dashboardNav(locale, 'notifications'));
  });

  r.post('/dashboard/notifications', { schema: { hide: true, body: SettingsForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await settings.save(s.accountId, { email: request.body.email, kinds: formList(request.body.kinds) }, web.locale(request, s));
    return reply.redirect('/dashboard/notifications', 303);
  });

  r.get('/dashboard/notifications/confirm', { schema: { hide: true, querystring: ConfirmQuery } }, async (request, reply) => {
    const locale = web.locale(request);
    const token = request.query.token;
    const body = token ? renderConfirm(token, locale) : renderConfirmed(false, locale);
    return web.send(reply, request, undefined, t(locale, 'notifications_email_heading'), body);
  });

  r.post('/dashboard/notifications/confirm', { schema: { hide: true, body: ConfirmForm } }, async (request, reply) => {
    const locale = web.locale(request);
    const ok = await settings.confirm(request.body.token);
    return web.send(reply.code(ok ? 200 : 400), request, undefined, t(locale, 'notifications_email_heading'), renderConfirmed(ok, locale));
  });

  r.get('/citizen/api/notifications', { schema: { summary: 'My notifications and e-mail settings', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    const locale = web.locale(request, s);
    const [list, unread, mine] = [
      await notifications.list(s.accountId, locale),
      await notifications.unread(s.accountId),
      await settings.view(s.accountId),
    ];
    return { notifications: list, unread, settings: mine, mails: notifications.mails };
  });

  r.put(
    '/citizen/api/notifications/settings',
    { schema: { summary: 'Set my e-mail address (confirmed by a mailed link) and the kinds mailed', tags, body: SettingsBody } },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await settings.save(s.accountId, request.body, web.locale(request, s));
      return settings.view(s.accountId);
    },
  );
}
