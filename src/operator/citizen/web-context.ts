/**
 * What every dashboard page needs: the visitor's language (query, session, browser)
 * and rendering a page with security headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../../web/html.ts';
import { fromAcceptLanguage, isLocale, type Locale } from '../../web/i18n.ts';
import { page } from '../../web/layout.ts';
import type { Session } from '../accounts/sessions.ts';

/** Content-Security-Policy of every dashboard page: nothing from third parties. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

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

export function createWebContext(names: { fi: string; sv: string; en: string }): WebContext {
  return {
    operatorName: (locale) => names[locale],
    locale(request, session) {
      const q = (request.query as { lang?: unknown } | undefined)?.lang;
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
