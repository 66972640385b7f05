/**
 * The error page of a component that has no pages of its own (the gateway, the personal data
 * store), for a person who opened one of its addresses in a browser: in their language, what
 * the address is, and the answer an API client would have got. APIs keep problem+json.
 */
import type { ProblemBody } from '../shared/errors.ts';
import { html } from './html.ts';
import { fromAcceptLanguage, t } from './i18n.ts';

/** An ErrorPage (shared/http-server.ts) for `component`, e.g. "Portti access gateway". */
export function apiErrorPage(component: string) {
  return async (request: { headers: { 'accept-language'?: string | undefined } }, _reply: unknown, problem: ProblemBody) => {
    const locale = fromAcceptLanguage(request.headers['accept-language']);
    const title =
      problem.status === 404 ? t(locale, 'error_not_found') : t(locale, problem.status >= 500 ? 'error_server' : 'error_bad_request');
    return html`<!doctype html>
      <html lang="${locale}">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${title} – ${component}</title>
        </head>
        <body>
          <main>
            <h1>${title}</h1>
            <p>${t(locale, 'api_only', { component })}</p>
            <h2>${t(locale, 'error_technical')}</h2>
            <p><code>${String(problem.status)} ${problem.code}</code>${problem.status < 500 ? html`: ${problem.detail ?? ''}` : ''}</p>
          </main>
        </body>
      </html>`.value;
  };
}
