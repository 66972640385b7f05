/**
 * "Who used my data": a filter form (service, source, period, outcome; a plain GET form),
 * one page of entries (each with its service, time, source, items, purpose and outcome),
 * links to newer and older pages, and a check of the shown records' hash chain.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, type Locale, type MessageKey } from '../../../web/i18n.ts';
import { ACCESS_OUTCOME_LABEL } from '../../../web/messages.ts';
import type { AccessEntryView, AccessFilterView, AccessLogView, ChoiceView } from '../view-models.ts';
import { when } from './format.ts';

const OUTCOMES = ['allowed', 'refused', 'error'] as const;

function verdictNotice(verdict: AccessLogView['verdict'], locale: Locale): SafeHtml | '' {
  if (!verdict) return '';
  const text = verdict.broken === 0 ? t(locale, 'verify_ok', { n: verdict.checked }) : t(locale, 'verify_failed', { n: verdict.broken });
  return html`<p class="notice" role="status">${text}</p>`;
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

/** The verification button: the same choices, checked. */
function verifyForm(f: AccessFilterView, locale: Locale): SafeHtml {
  const hidden = Object.entries(f)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);
  return html`<form method="get" action="/dashboard/access" class="verify">
    ${hidden}<input type="hidden" name="verify" value="1" />
    <button type="submit" class="secondary">${t(locale, 'verify_chain')}</button>
  </form>`;
}

function entry(e: AccessEntryView, locale: Locale): SafeHtml {
  return html`<li class="card entry" data-access-id="${e.access_id}">
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

/** The access log: the filter, the verification's result, one page of entries and the pager. */
export function renderAccessLog(view: AccessLogView, locale: Locale): SafeHtml {
  const empty = html`<p>${t(locale, filtered(view.filter) ? 'no_access_match' : 'no_access')}</p>`;
  return html`${verdictNotice(view.verdict, locale)} ${filterForm(view, locale)}
  ${
    view.entries.length === 0
      ? empty
      : html`${verifyForm(view.filter, locale)}
          <ol class="log">
            ${view.entries.map((e) => entry(e, locale))}
          </ol>`
  }
  ${pager(view, locale)}`;
}
