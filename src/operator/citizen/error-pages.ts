/**
 * The operator's errors for browsers: a page in the visitor's language with a way on (see
 * pages/error.page.ts) instead of problem+json, for every route and for unknown addresses.
 * API clients keep problem+json (the shared server negotiates).
 */
import type { FastifyRequest } from 'fastify';
import type { ErrorPage } from '../../shared/http-server.ts';
import { fromAcceptLanguage } from '../../web/i18n.ts';
import { page } from '../../web/layout.ts';
import type { Sessions } from '../accounts/sessions.ts';
import { errorKind, errorTitle, renderErrorPage, type ErrorPageView } from './pages/error.page.ts';
import { securityHeaders, type WebContext } from './web-context.ts';

/** Posts whose form lives on a page of another name than the post's first path segments. */
const FORM_PAGES: Record<string, string> = { '/dashboard/erase': '/dashboard/export' };

/** The operator page a request belongs to: itself for a page, the page of its form (its dashboard section) for a post. */
export function pageOf(request: FastifyRequest): string {
  const url = request.url;
  if (request.method === 'GET' || request.method === 'HEAD') return url;
  const path = url.split('?')[0] ?? '';
  if (/^\/interaction\/[\w-]+$/.test(path)) return path;
  const section = /^\/dashboard\/[a-z]+/.exec(path)?.[0];
  return section ? (FORM_PAGES[section] ?? section) : '/dashboard';
}

/** Renders the operator's error pages (with the visitor's session, when there is one, for the language and header). */
export function operatorErrorPage(sessions: Sessions, web: WebContext): ErrorPage {
  return async (request, reply, problem) => {
    const session = await sessions.get(request).catch(() => undefined);
    const locale = web.locale(request, session);
    const view: ErrorPageView = {
      kind: request.url.startsWith('/interaction/') && problem.status === 400 ? 'oauth' : errorKind(problem),
      back: pageOf(request),
      technical: { code: problem.code, detail: problem.status < 500 ? problem.detail : undefined },
    };
    securityHeaders(reply);
    return page({
      locale,
      title: errorTitle(view, locale),
      body: renderErrorPage(view, locale),
      operatorName: web.operatorName(locale),
      csrf: session?.data.csrf,
      signedIn: Boolean(session?.accountId),
      path: view.back,
    });
  };
}

/** The authorization server's error page for browsers (oidc-provider's `renderError`), in the browser's language. */
export function oauthErrorPage(web: WebContext) {
  return (acceptLanguage: string | undefined, out: { error: string; error_description?: string }): string => {
    const locale = fromAcceptLanguage(acceptLanguage);
    const view: ErrorPageView = { kind: 'oauth', back: '/dashboard', technical: { code: out.error, detail: out.error_description } };
    return page({
      locale,
      title: errorTitle(view, locale),
      body: renderErrorPage(view, locale),
      operatorName: web.operatorName(locale),
      path: '/dashboard',
    });
  };
}
