/**
 * "Who used my data": a filter form (service, source, period, outcome; a plain GET form),
 * one page of entries (each with its service, time, source, items, purpose and outcome),
 * links to newer and older pages. Each entry carries the record as the gateway logged it and its
 * inclusion proof, the list the checkpoints and keys, so /assets/tlog-verify.js checks every shown
 * entry in the citizen's browser; without JavaScript each entry says what the operator's server found.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, tn, type Locale, type MessageKey } from '../../../web/i18n.ts';
import { ACCESS_OUTCOME_LABEL } from '../../../web/messages.ts';
import type { AccessEntryView, AccessFilterView, AccessLogView, ChoiceView } from '../view-models.ts';
import { when } from './format.ts';

const OUTCOMES = ['allowed', 'refused', 'error'] as const;

const SERVER_CHECK = { proven: 'proof_server_ok', broken: 'proof_broken', pending: 'proof_pending' } as const;

function checkNotice(view: AccessLogView, locale: Locale): SafeHtml {
  const proven = view.entries.filter((e) => e.checked === 'proven').length;
  const broken = view.entries.filter((e) => e.checked === 'broken').length;
  const text = broken > 0 ? tn(locale, 'proof_server_some_fail', broken) : tn(locale, 'proof_server_all_ok', proven);
  return html`<p class="notice" role="status" id="tlog-status" data-checked="server">${text}</p>`;
}

function select(name: string, label: MessageKey, choices: ChoiceView[], current: string, locale: Locale): SafeHtml {
  const option = (c: ChoiceView) => html`<option value="${c.value}" ${c.value === current ? html`selected` : ''}>${c.label}</option>`;
  return html`<label
    >${t(locale, label)}
    <select name="${name}">
      ${option({ value: '', label: t(locale, 'all') })} ${choices.map(option)}
    </select></label
  >`;
}

function filterForm(view: AccessLogView, locale: Locale): SafeHtml {
  const f = view.filter;
  const outcomes = OUTCOMES.map((o) => ({ value: o, label: t(locale, ACCESS_OUTCOME_LABEL[o]) }));
  const record = f.record_id ? html`<input type="hidden" name="record_id" value="${f.record_id}" />` : '';
  // on a phone the form folds away until asked for (open while a choice is made); wide screens always show it
  return html`<details class="card filters" ${filtered(f) ? html`open` : ''}>
    <summary>${t(locale, 'filters_legend')}</summary>
    <form method="get" action="/dashboard/access">
      <fieldset>
        <legend>${t(locale, 'filters_legend')}</legend>
        <div class="fields">
          ${select('service', 'service', view.services, f.service, locale)} ${select('source', 'source', view.sources, f.source, locale)}
          <label>${t(locale, 'period_from')} <input type="date" name="from" value="${f.from}" /></label>
          <label>${t(locale, 'period_to')} <input type="date" name="to" value="${f.to}" /></label>
          ${select('outcome', 'outcome', outcomes, f.outcome, locale)}
        </div>
        ${record}
        <div class="actions">
          <button type="submit">${t(locale, 'filter')}</button>
          <a class="button secondary" href="/dashboard/access">${t(locale, 'clear_filters')}</a>
        </div>
      </fieldset>
    </form>
  </details>`;
}

function entry(e: AccessEntryView, locale: Locale): SafeHtml {
  return html`<li class="card entry" data-access-id="${e.access_id}" data-leaf="${e.leaf}" ${e.proof ? html`data-proof="${e.proof}"` : ''}>
    <p class="entry-head"><strong>${e.service}</strong> <span class="muted">${when(e.time, locale)}</span></p>
    <dl class="entry-facts">
      <div>
        <dt>${t(locale, 'source')}</dt>
        <dd>${e.source}</dd>
      </div>
      <div>
        <dt>${t(locale, 'attributes')}</dt>
        <dd>${e.attributes.length > 0 ? e.attributes.join(', ') : '—'}</dd>
      </div>
      <div>
        <dt>${t(locale, 'purpose')}</dt>
        <dd>${e.purpose || '—'}</dd>
      </div>
      <div>
        <dt>${t(locale, 'outcome')}</dt>
        <dd class="outcome-${e.outcome}">${t(locale, ACCESS_OUTCOME_LABEL[e.outcome])}</dd>
      </div>
      ${
        e.moved_from
          ? html`<div>
              <dt>${t(locale, 'access_moved_from')}</dt>
              <dd>${e.moved_from}</dd>
            </div>`
          : ''
      }
      <div>
        <dt>${t(locale, 'proof_column')}</dt>
        <dd class="proof proof-${e.checked}">${t(locale, SERVER_CHECK[e.checked])}</dd>
      </div>
    </dl>
  </li>`;
}

function pager(view: AccessLogView, locale: Locale): SafeHtml | '' {
  if (!view.newer && !view.older) return '';
  const newest = view.paged ? html`<a href="/dashboard/access${firstPage(view.filter)}">${t(locale, 'page_newest')}</a>` : '';
  return html`<nav class="pager" aria-label="${t(locale, 'access_paging')}">
    ${view.newer ? html`<a rel="prev" href="/dashboard/access${view.newer}">← ${t(locale, 'page_newer')}</a>` : ''} ${newest}
    ${view.older ? html`<a rel="next" href="/dashboard/access${view.older}">${t(locale, 'page_older')} →</a>` : ''}
  </nav>`;
}

/** The query string of the newest page under the same choices. */
function firstPage(f: AccessFilterView): string {
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== '')).toString();
  return q ? `?${q}` : '';
}

function filtered(f: AccessFilterView): boolean {
  return Object.values(f).some((v) => v !== '');
}

/** The entries, with what the browser checks them against and the words it reports in. */
function entries(view: AccessLogView, locale: Locale): SafeHtml {
  return html`${checkNotice(view, locale)}
    <ol
      class="log"
      id="access-log"
      data-tlog="${view.evidence}"
      data-msg-ok="${t(locale, 'proof_browser_ok')}"
      data-msg-fail="${t(locale, 'proof_browser_fail')}"
      data-msg-all-ok="${t(locale, 'proof_browser_all_ok')}"
      data-msg-some-fail="${t(locale, 'proof_browser_some_fail')}"
      data-msg-error="${t(locale, 'proof_browser_error')}"
    >
      ${view.entries.map((e) => entry(e, locale))}
    </ol>
    <p class="muted">${t(locale, 'proof_explained')}</p>
    <script type="module" src="/assets/tlog-verify.js"></script>`;
}

/** The access log: the filter, one page of entries (each checked in the browser, or by the server without JavaScript) and the pager. */
export function renderAccessLog(view: AccessLogView, locale: Locale): SafeHtml {
  const empty = html`<p>${t(locale, filtered(view.filter) ? 'no_access_match' : 'no_access')}</p>`;
  return html`${filterForm(view, locale)} ${view.entries.length === 0 ? empty : entries(view, locale)} ${pager(view, locale)}`;
}
