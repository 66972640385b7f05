/**
 * The fee service's page frame (language, skip link, the City's header with a language
 * switcher, one `main`, a small script that reloads a waiting page when it changes) and its
 * error pages: a browser gets a page in its language for an unknown address, a bad form or a
 * failure; API clients keep JSON.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../web/html.ts';
import { LOCALES, type Locale } from '../../web/i18n.ts';
import { prefersHtml } from '../../web/negotiate.ts';
import { ft, localeOf, type FeeKey } from './fee-i18n.ts';

const STYLE = [
  'body{font:1.125rem/1.5 system-ui,sans-serif;max-width:52rem;margin:0 auto;padding:0 1rem;color:#1a1a1a}',
  'header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;justify-content:space-between;align-items:center;',
  'border-bottom:1px solid #767676;margin-bottom:1rem}',
  'header ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}',
  'a{color:#0050a0}a:focus,button:focus,input:focus,select:focus{outline:3px solid #1a1a1a;outline-offset:2px}',
  '.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem}',
  'label{display:block;margin:.6rem 0 .2rem}',
  'input,select{font:inherit;padding:.3rem;min-height:40px;max-width:100%;box-sizing:border-box}',
  'button{font:inherit;min-height:44px;padding:.5rem 1.2rem}',
  '.scroll{overflow-x:auto}table{border-collapse:collapse}',
  'td,th{border-bottom:1px solid #767676;padding:.4rem;text-align:left;vertical-align:top}',
  '.notice{background:#fff8e1;padding:.6rem 1rem;border-left:4px solid #8a5a00}',
  '.fee{font-size:1.4rem}.inline{display:inline}',
  '.fit table{width:100%;table-layout:fixed}.fit td,.fit th{hyphens:auto;overflow-wrap:break-word}',
  'h1{font-size:clamp(1.6rem,7vw,2.4rem);hyphens:auto;overflow-wrap:anywhere}',
].join('');

const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

/** Polls the watched address every 2 s and reloads the page once what it shows has changed (no meta refresh: WCAG 2.2.1). */
const WATCH_SCRIPT = `const el = document.querySelector('[data-watch]');
if (el) {
  const poll = async () => {
    try {
      const res = await fetch(el.dataset.watch, { headers: { accept: 'application/json' } });
      if ((await res.json()).version !== el.dataset.version) return location.reload();
    } catch {}
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
`;

const LANGUAGE_NAMES: Record<Locale, string> = { fi: 'Suomeksi', sv: 'På svenska', en: 'In English' };

function withLang(path: string, lang: Locale): string {
  const u = new URL(path, 'http://x');
  u.searchParams.set('lang', lang);
  return `${u.pathname}${u.search}`;
}

/** A complete page of the service. */
export function feePage(locale: Locale, path: string, title: string, body: SafeHtml, refresh = false): string {
  // a page that waits carries `data-watch` (where to poll) and `data-version` (what it shows); the script reloads on a change
  const link = (l: Locale) =>
    html`<li><a href="${withLang(path, l)}" lang="${l}" ${l === locale ? html`aria-current="true"` : ''}>${LANGUAGE_NAMES[l]}</a></li>`;
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${refresh ? html`<script src="/assets/fee-watch.js" defer></script>` : ''}
        <title>${title} – ${ft(locale, 'site')}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">${ft(locale, 'skip_to_content')}</a>
        <header>
          <p><strong>${ft(locale, 'brand')}</strong></p>
          <nav aria-label="${ft(locale, 'language')}">
            <ul>
              ${LOCALES.map(link)}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex="-1">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.value;
}

/** Sends a page in the request's language with the service's security headers. */
export function sendFeePage(
  request: FastifyRequest,
  reply: FastifyReply,
  title: (locale: Locale) => string,
  body: (locale: Locale) => SafeHtml,
  refresh = false,
): FastifyReply {
  const locale = localeOf(request, reply);
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(feePage(locale, request.url, title(locale), body(locale), refresh));
}

/** An error page: what went wrong in words, the technical code for support, a way on. */
export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, status: number, code: string): FastifyReply {
  const [title, text]: [FeeKey, FeeKey] =
    status === 404
      ? ['error_not_found', 'error_not_found_text']
      : status === 401 || status === 403
        ? ['error_forbidden', 'error_forbidden_text']
        : status < 500
          ? ['error_bad_request', 'error_bad_request_text']
          : ['error_server', 'error_server_text'];
  return sendFeePage(
    request,
    reply.code(status),
    (l) => ft(l, title),
    (l) =>
      html`<p>${ft(l, text)}</p>
        <p><a href="/">${ft(l, 'go_home')}</a></p>
        <p><small>${ft(l, 'technical', { code: `${status} ${code}` })}</small></p>`,
  );
}

/** Browsers get error pages for unknown addresses and failures; API clients the JSON Fastify answers. */
export function registerErrorPages(app: FastifyInstance): void {
  app.get('/assets/fee-watch.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(WATCH_SCRIPT),
  );
  app.setNotFoundHandler((request, reply) =>
    prefersHtml(request.headers.accept)
      ? sendErrorPage(request, reply, 404, 'not_found')
      : reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (prefersHtml(request.headers.accept)) return sendErrorPage(request, reply, status, error.code ?? 'error');
    return reply.code(status).send({ error: error.code ?? 'error', message: status < 500 ? error.message : 'internal error' });
  });
}
