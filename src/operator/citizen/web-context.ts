/**
 * What every dashboard page needs: the visitor's language (query, session, browser),
 * rendering a page with security headers, checkbox lists of its forms, and the
 * dashboard's main navigation.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { html, type SafeHtml } from '../../web/html.ts';
import { fromAcceptLanguage, isLocale, t, type Locale, type MessageKey } from '../../web/i18n.ts';
import { page } from '../../web/layout.ts';
import type { Session } from '../accounts/sessions.ts';

/** Content-Security-Policy of every dashboard page: nothing from third parties. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** The language and page frame of the dashboard, shared by every feature that renders a page. */
export interface WebContext {
  operatorName: (locale: Locale) => string;
  locale(request: FastifyRequest, session?: Session): Locale;
  send(
    reply: FastifyReply,
    request: FastifyRequest,
    session: Session | undefined,
    title: string,
    body: SafeHtml,
    nav?: SafeHtml,
  ): FastifyReply;
}

/** Sets the headers every HTML response carries. */
export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY');
}

/** The `lang` query parameter of any request (routes declare their own query schemas, or none). */
function queryLang(request: FastifyRequest): unknown {
  const query: unknown = request.query;
  return typeof query === 'object' && query !== null && 'lang' in query ? query.lang : undefined;
}

/** The web context of an operator with the given display names. */
export function createWebContext(names: { fi: string; sv: string; en: string }): WebContext {
  return {
    operatorName: (locale) => names[locale],
    locale(request, session) {
      const q = queryLang(request);
      if (isLocale(q)) {
        if (session) session.data.locale = q;
        return q;
      }
      if (session?.data.locale && isLocale(session.data.locale)) return session.data.locale;
      return fromAcceptLanguage(request.headers['accept-language']);
    },
    send(reply, request, session, title, body, nav) {
      const locale = this.locale(request, session);
      return securityHeaders(reply)
        .type('text/html; charset=utf-8')
        .send(
          page({
            locale,
            title,
            body,
            nav,
            operatorName: names[locale],
            csrf: session?.data.csrf,
            signedIn: Boolean(session?.accountId),
            path: request.url,
          }),
        );
    },
  };
}

/** A form's checkbox list: it arrives as one string or as several. */
export const FormList = Type.Union([Type.String(), Type.Array(Type.String())]);

/** The values of a form's checkbox list (none, one or several). */
export function formList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The pages of the dashboard's main navigation. */
export type DashboardPage =
  | 'overview'
  | 'requests'
  | 'notifications'
  | 'consents'
  | 'arrangements'
  | 'access'
  | 'mydata'
  | 'datastore'
  | 'others'
  | 'mandates'
  | 'keychain'
  | 'move'
  | 'export';

const PAGES: Array<[DashboardPage, string, MessageKey]> = [
  ['overview', '/dashboard', 'nav_overview'],
  ['requests', '/dashboard/requests', 'nav_requests'],
  ['notifications', '/dashboard/notifications', 'nav_notifications'],
  ['consents', '/dashboard/consents', 'nav_consents'],
  ['arrangements', '/dashboard/arrangements', 'nav_arrangements'],
  ['access', '/dashboard/access', 'nav_access'],
  ['mydata', '/dashboard/mydata', 'nav_mydata'],
  ['datastore', '/dashboard/datastore', 'nav_datastore'],
  ['others', '/dashboard/others', 'nav_others'],
  ['mandates', '/dashboard/mandates', 'nav_mandates'],
  ['keychain', '/dashboard/keychain', 'nav_keychain'],
  ['move', '/dashboard/move', 'nav_move'],
  ['export', '/dashboard/export', 'nav_export'],
];

/**
 * The dashboard's main navigation with `current` marked: a disclosure menu ("Menu: My consents")
 * on small screens, a row of links on wide ones (CSS only, so it works without JavaScript).
 */
export function dashboardNav(locale: Locale, current: DashboardPage): SafeHtml {
  const here = PAGES.find(([id]) => id === current);
  return html`<nav class="main" aria-label="${t(locale, 'main_navigation')}">
    <details>
      <summary>${t(locale, 'menu')}${here ? html` <span class="current">${t(locale, here[2])}</span>` : ''}</summary>
      <ul>
        ${PAGES.map(
          ([id, href, key]) => html`<li><a href="${href}" ${id === current ? html`aria-current="page"` : ''}>${t(locale, key)}</a></li>`,
        )}
      </ul>
    </details>
  </nav>`;
}
