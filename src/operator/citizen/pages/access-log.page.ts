/**
 * "Who used my data": the access log as a table, with an outcome filter and a check of
 * the shown records' hash chain.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, tn, type Locale } from '../../../web/i18n.ts';
import { ACCESS_OUTCOME_LABEL } from '../../../web/messages.ts';
import type { AccessEntryView, AccessLogView } from '../view-models.ts';
import { when } from './format.ts';

const OUTCOMES = ['', 'allowed', 'refused', 'error'] as const;

function verdictNotice(verdict: AccessLogView['verdict'], locale: Locale): SafeHtml | '' {
  if (!verdict) return '';
  const text = verdict.broken === 0 ? tn(locale, 'verify_ok', verdict.checked) : tn(locale, 'verify_failed', verdict.broken);
  return html`<p class="notice" role="status">${text}</p>`;
}

function filters(outcome: string, locale: Locale): SafeHtml {
  const option = (o: (typeof OUTCOMES)[number]) =>
    html`<option value="${o}" ${o === outcome ? html`selected` : ''}>${o ? t(locale, ACCESS_OUTCOME_LABEL[o]) : t(locale, 'all')}</option>`;
  return html`<form method="get" action="/dashboard/access" class="filter">
      <input type="hidden" name="verify" value="1" /><button type="submit" class="secondary">${t(locale, 'verify_chain')}</button>
    </form>
    <form method="get" action="/dashboard/access" class="filter">
      <label
        >${t(locale, 'outcome')}
        <select name="outcome">
          ${OUTCOMES.map(option)}
        </select></label
      >
      <button type="submit" class="secondary">${t(locale, 'filter')}</button>
    </form>`;
}

function row(e: AccessEntryView, locale: Locale): SafeHtml {
  return html`<tr>
    <td>${when(e.time, locale)}</td>
    <td>${e.service}</td>
    <td>${e.attributes}</td>
    <td>${e.purpose}</td>
    <td class="outcome-${e.outcome}">${t(locale, ACCESS_OUTCOME_LABEL[e.outcome])}</td>
  </tr>`;
}

function table(entries: AccessEntryView[], locale: Locale): SafeHtml {
  return html`<table>
    <caption class="muted">
      ${tn(locale, 'access_entries', entries.length)}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t(locale, 'time')}</th>
        <th scope="col">${t(locale, 'service')}</th>
        <th scope="col">${t(locale, 'attributes')}</th>
        <th scope="col">${t(locale, 'purpose')}</th>
        <th scope="col">${t(locale, 'outcome')}</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map((e) => row(e, locale))}
    </tbody>
  </table>`;
}

/** The access log table with an outcome filter and the result of a verification, if asked. */
export function renderAccessLog(view: AccessLogView, locale: Locale): SafeHtml {
  return html`${verdictNotice(view.verdict, locale)} ${filters(view.outcome, locale)}
  ${view.entries.length === 0 ? html`<p>${t(locale, 'no_access')}</p>` : table(view.entries, locale)}`;
}
