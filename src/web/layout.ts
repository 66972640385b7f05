/**
 * The page frame of the dashboard: language, skip link, header with the language
 * switcher and sign-out, one `main` landmark. No third-party assets.
 */
import { html, type SafeHtml } from './html.ts';
import { LOCALES, t, type Locale } from './i18n.ts';

export interface PageOptions {
  locale: Locale;
  title: string;
  body: SafeHtml;
  operatorName: string;
  /** CSRF token when signed in (the sign-out form needs it). */
  csrf?: string;
  signedIn?: boolean;
  nav?: SafeHtml;
  /** Current path, for the language links. */
  path: string;
}

const LANGUAGE_NAMES: Record<Locale, string> = { fi: 'Suomeksi', sv: 'På svenska', en: 'In English' };

function withLang(path: string, lang: Locale): string {
  const u = new URL(path, 'http://x');
  u.searchParams.set('lang', lang);
  return `${u.pathname}${u.search}`;
}

/** Renders a complete HTML document. */
export function page(o: PageOptions): string {
  return html`<!doctype html>
    <html lang="${o.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} – ${o.operatorName}</title>
        <link rel="stylesheet" href="/assets/portti.css" />
      </head>
      <body>
        <a class="skip" href="#main">${t(o.locale, 'skip_to_content')}</a>
        <header class="top">
          <p class="brand">${o.operatorName} · ${t(o.locale, 'app_name')}</p>
          <nav aria-label="${t(o.locale, 'language')}" class="langs">
            <ul>
              ${LOCALES.map((l) => html`<li><a href="${withLang(o.path, l)}" lang="${l}" ${l === o.locale ? html`aria-current="true"` : ''}>${LANGUAGE_NAMES[l]}</a></li>`)}
            </ul>
          </nav>
          ${o.signedIn ? html`<form method="post" action="/logout" class="signout"><input type="hidden" name="_csrf" value="${o.csrf ?? ''}" /><button type="submit">${t(o.locale, 'sign_out')}</button></form>` : ''}
        </header>
        ${o.nav ?? ''}
        <main id="main" tabindex="-1">
          <h1>${o.title}</h1>
          ${o.body}
        </main>
      </body>
    </html>`.value;
}
