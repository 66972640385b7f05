/**
 * Export and erasure: download everything the operator holds (the file; its summary is
 * export/), erase the account with what is erased and what is kept, and the confirmation
 * after erasure.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, type Locale } from '../../../web/i18n.ts';

function exportSection(locale: Locale): SafeHtml {
  return html`<section class="card" aria-labelledby="export-h">
    <h2 id="export-h">${t(locale, 'export_title')}</h2>
    <p>${t(locale, 'export_intro')}</p>
    <p class="actions">
      <a class="button" id="export-link" href="/citizen/api/export" download data-progress="${t(locale, 'export_progress')}"
        >${t(locale, 'export_button')}</a
      >
      <a class="button secondary" href="/dashboard/export/summary">${t(locale, 'export_summary_link')}</a>
    </p>
    <p id="export-status" role="status" aria-live="polite"></p>
  </section>`;
}

function eraseSection(locale: Locale, csrf: string): SafeHtml {
  return html`<section class="card" aria-labelledby="erase-h">
    <h2 id="erase-h">${t(locale, 'erase_title')}</h2>
    <p>${t(locale, 'erase_what')}</p>
    <p>${t(locale, 'erase_kept')}</p>
    <form method="post" action="/dashboard/erase">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label><input type="checkbox" name="confirm" value="yes" required /> ${t(locale, 'erase_confirm')}</label>
      <button type="submit" class="danger">${t(locale, 'erase_button')}</button>
    </form>
  </section>`;
}

/** Export (download everything) and erasure, with what is erased and what is kept. */
export function renderExportErase(locale: Locale, csrf: string): SafeHtml {
  return html`${exportSection(locale)} ${eraseSection(locale, csrf)}
    <script src="/assets/export.js" defer></script>`;
}

/** The page after erasure: done, and a way to sign in again. */
export function renderErased(locale: Locale): SafeHtml {
  return html`<p role="status">${t(locale, 'erased')}</p>
    <p><a href="/signin">${t(locale, 'sign_in')}</a></p>`;
}
