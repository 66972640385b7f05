/**
 * The export's summary page: what the operator holds about the person, in words and tables,
 * with the download of the file itself (JSON). Prints as a document (no navigation needed).
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import { day, statusText, when } from '../citizen/pages/format.ts';
import type { ExportSummaryView, UseCounts } from './export-summary.ts';

/** The download button of the file. */
export function downloadButton(locale: Locale): SafeHtml {
  return html`<a class="button" id="export-link" href="/citizen/api/export" download data-progress="${t(locale, 'export_progress')}"
    >${t(locale, 'export_button')}</a
  >`;
}

function whom(view: ExportSummaryView, locale: Locale): SafeHtml {
  const ids = view.subject.identifiers.map((i) => `${i.identifier_type}: ${i.identifier}`).join(', ');
  return html`<section class="card" aria-labelledby="whom-h">
    <h2 id="whom-h">${t(locale, 'export_whom')}</h2>
    <dl class="facts">
      <dt>${t(locale, 'export_name')}</dt>
      <dd>${view.subject.name ?? '—'}</dd>
      <dt>${t(locale, 'export_identifiers')}</dt>
      <dd>${ids || '—'}</dd>
      <dt>${t(locale, 'nav_keychain')}</dt>
      <dd>${view.keychain.length === 0 ? '—' : view.keychain.map((k) => `${k.name ?? k.idp} (${day(k.linked_at, locale)})`).join(', ')}</dd>
    </dl>
  </section>`;
}

const usesText = (u: UseCounts) => String(u.allowed + u.refused + u.error);

function consents(view: ExportSummaryView, locale: Locale): SafeHtml {
  const rows = view.records.map(
    (r) =>
      html`<tr>
        <td>${r.service ? pick(r.service, locale) : r.client_id}</td>
        <td>${r.purpose ? pick(r.purpose, locale) : ''}</td>
        <td class="status status-${r.status}">${statusText(locale, r.status)}</td>
        <td>${day(r.created_at, locale)}</td>
        <td>${String(r.events)}</td>
        <td>${String(r.receipts)}</td>
        <td>${usesText(r.uses)}</td>
      </tr>`,
  );
  return html`<section class="card" aria-labelledby="consents-h">
    <h2 id="consents-h">${t(locale, 'export_consents')}</h2>
    ${
      view.records.length === 0
        ? html`<p>${t(locale, 'export_none')}</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">${t(locale, 'service')}</th>
                <th scope="col">${t(locale, 'purpose')}</th>
                <th scope="col">${t(locale, 'status')}</th>
                <th scope="col">${t(locale, 'export_created')}</th>
                <th scope="col">${t(locale, 'export_events')}</th>
                <th scope="col">${t(locale, 'export_receipts')}</th>
                <th scope="col">${t(locale, 'export_uses')}</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }
  </section>`;
}

function access(view: ExportSummaryView, locale: Locale): SafeHtml {
  const u = view.uses;
  const period =
    u.first && u.last ? html` ${t(locale, 'export_access_period', { first: when(u.first, locale), last: when(u.last, locale) })}` : '';
  return html`<section class="card" aria-labelledby="access-h">
    <h2 id="access-h">${t(locale, 'nav_access')}</h2>
    <p>
      ${
        u.total === 0
          ? t(locale, 'no_access')
          : t(locale, 'export_access_total', { n: u.total, allowed: u.allowed, refused: u.refused, error: u.error })
      }${period}
    </p>
  </section>`;
}

function permissions(view: ExportSummaryView, locale: Locale): SafeHtml {
  return html`<section class="card" aria-labelledby="permissions-h">
    <h2 id="permissions-h">${t(locale, 'nav_arrangements')}</h2>
    ${
      view.permissions.length === 0
        ? html`<p>${t(locale, 'export_none')}</p>`
        : html`<ul>
            ${view.permissions.map((p) => html`<li>${p.label}${p.until ? ` (${t(locale, 'expires')} ${day(p.until, locale)})` : ''}</li>`)}
          </ul>`
    }
  </section>`;
}

function dataStore(view: ExportSummaryView, locale: Locale): SafeHtml {
  const { status, documents } = view.dataStore;
  const body =
    status === 'not_configured'
      ? html`<p>${t(locale, 'datastore_not_configured')}</p>`
      : status === 'unavailable'
        ? html`<p class="notice">${t(locale, 'export_datastore_unavailable')}</p>`
        : status === 'no_identifier'
          ? html`<p>${t(locale, 'export_datastore_no_identifier')}</p>`
          : html`<p>${t(locale, 'export_datastore_documents', { n: documents.length })}</p>
              <ul>
                ${documents.map((d) => {
                  const time = day(d.provenance.issued_at, locale);
                  const by =
                    d.provenance.status === 'verified'
                      ? t(locale, 'export_verified_by', { depositor: d.provenance.depositor, time })
                      : t(locale, 'export_corrected', { time });
                  return html`<li>${d.category}: ${by}</li>`;
                })}
              </ul>`;
  return html`<section class="card" aria-labelledby="datastore-h">
    <h2 id="datastore-h">${t(locale, 'nav_datastore')}</h2>
    ${body}
  </section>`;
}

/** The summary page with the file's download. */
export function renderExportSummary(view: ExportSummaryView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'export_summary_intro', { operator: view.operatorName, time: when(view.exportedAt, locale) })}</p>
    <p class="actions">${downloadButton(locale)}</p>
    <p id="export-status" role="status" aria-live="polite"></p>
    <progress id="export-progress" hidden></progress>
    ${whom(view, locale)} ${consents(view, locale)} ${access(view, locale)} ${permissions(view, locale)} ${dataStore(view, locale)}
    <p class="muted">${t(locale, 'export_format_note', { format: view.format, url: view.schemaUrl })}</p>
    <script src="/assets/export.js" defer></script>`;
}
