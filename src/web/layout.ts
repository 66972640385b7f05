/**
 * The page frame of the dashboard: language, skip link, header with the language
 * switcher and sign-out, one `main` landmark. No third-party assets.
 */
import { html, type SafeHtml } from './html.ts';
import { LOCALES, t, type Locale } from './i18n.ts';

/** What a page is made of: language, title, body and the state of the header. */
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

/** One entry of the language switcher (the current language marked). */
function languageLink(path: string, current: Locale, l: Locale): SafeHtml {
  const marked = l === current ? html`aria-current="true"` : '';
  return html`<li><a href="${withLang(path, l)}" lang="${l}" ${marked}>${LANGUAGE_NAMES[l]}</a></li>`;
}

/** The sign-out button, a CSRF-protected form. */
function signOut(locale: Locale, csrf: string): SafeHtml {
  const field = html`<input type="hidden" name="_csrf" value="${csrf}" />`;
  return html`<form method="post" action="/logout" class="signout">${field}<button type="submit">${t(locale, 'sign_out')}</button></form>`;
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
              ${LOCALES.map((l) => languageLink(o.path, o.locale, l))}
            </ul>
          </nav>
          ${o.signedIn ? signOut(o.locale, o.csrf ?? '') : ''}
        </header>
        ${o.nav ?? ''}
        <main id="main" tabindex="-1">
          <h1>${o.title}</h1>
          ${o.body}
        </main>
      </body>
    </html>`.value;
}
