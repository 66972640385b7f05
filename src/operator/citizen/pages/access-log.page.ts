/**
 * "Who used my data": the access log as a table with an outcome filter. Each entry carries the
 * record as the gateway logged it and its inclusion proof, and the table the checkpoints and keys,
 * so /assets/tlog-verify.js checks every shown entry in the citizen's browser; without JavaScript
 * each entry says what the operator's server found.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, type Locale } from '../../../web/i18n.ts';
import { ACCESS_OUTCOME_LABEL } from '../../../web/messages.ts';
import type { AccessEntryView, AccessLogView } from '../view-models.ts';
import { when } from './format.ts';

const OUTCOMES = ['', 'allowed', 'refused', 'error'] as const;

const SERVER_CHECK = { proven: 'proof_server_ok', broken: 'proof_broken', pending: 'proof_pending' } as const;

function checkNotice(view: AccessLogView, locale: Locale): SafeHtml {
  const proven = view.entries.filter((e) => e.checked === 'proven').length;
  const broken = view.entries.filter((e) => e.checked === 'broken').length;
  const text = broken > 0 ? t(locale, 'proof_server_some_fail', { n: broken }) : t(locale, 'proof_server_all_ok', { n: proven });
  return html`<p class="notice" role="status" id="tlog-status" data-checked="server">${text}</p>`;
}

function filters(outcome: string, locale: Locale): SafeHtml {
  const option = (o: (typeof OUTCOMES)[number]) =>
    html`<option value="${o}" ${o === outcome ? html`selected` : ''}>${o ? t(locale, ACCESS_OUTCOME_LABEL[o]) : t(locale, 'all')}</option>`;
  return html`<form method="get" action="/dashboard/access" class="filter">
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
  return html`<tr data-leaf="${e.leaf}" ${e.proof ? html`data-proof="${e.proof}"` : ''}>
    <td>${when(e.time, locale)}</td>
    <td>${e.service}</td>
    <td>${e.attributes}</td>
    <td>${e.purpose}</td>
    <td class="outcome-${e.outcome}">${t(locale, ACCESS_OUTCOME_LABEL[e.outcome])}</td>
    <td class="proof proof-${e.checked}">${t(locale, SERVER_CHECK[e.checked])}</td>
  </tr>`;
}

function table(view: AccessLogView, locale: Locale): SafeHtml {
  const { entries } = view;
  return html`<table
    id="access-table"
    data-tlog="${view.evidence}"
    data-msg-ok="${t(locale, 'proof_browser_ok')}"
    data-msg-fail="${t(locale, 'proof_browser_fail')}"
    data-msg-all-ok="${t(locale, 'proof_browser_all_ok')}"
    data-msg-some-fail="${t(locale, 'proof_browser_some_fail')}"
    data-msg-error="${t(locale, 'proof_browser_error')}"
  >
    <caption class="muted">
      ${t(locale, 'entries', { n: entries.length })}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t(locale, 'time')}</th>
        <th scope="col">${t(locale, 'service')}</th>
        <th scope="col">${t(locale, 'attributes')}</th>
        <th scope="col">${t(locale, 'purpose')}</th>
        <th scope="col">${t(locale, 'outcome')}</th>
        <th scope="col">${t(locale, 'proof_column')}</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map((e) => row(e, locale))}
    </tbody>
  </table>`;
}

/** The access log table with an outcome filter; each entry checked in the browser (or by the server, without JavaScript). */
export function renderAccessLog(view: AccessLogView, locale: Locale): SafeHtml {
  if (view.entries.length === 0)
    return html`${filters(view.outcome, locale)}
      <p>${t(locale, 'no_access')}</p>`;
  return html`${checkNotice(view, locale)} ${filters(view.outcome, locale)} ${table(view, locale)}
    <p class="muted">${t(locale, 'proof_explained')}</p>
    <script type="module" src="/assets/tlog-verify.js"></script>`;
}
