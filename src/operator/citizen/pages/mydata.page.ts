/**
 * "My data": one card per source with a button to see what it holds about the citizen
 * (read through the gateway under the citizen's own consent), and a link to ask the
 * source for a correction.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t, type Locale } from '../../../web/i18n.ts';
import { flatten, rowsTable } from '../../../web/json-rows.ts';
import type { InsightResult } from '../insight.ts';
import type { MyDataSourceView, MyDataView } from '../view-models.ts';

function operations(result: InsightResult, locale: Locale): SafeHtml[] {
  return result.operations.map((op) => {
    const rows = op.data ? flatten(op.data) : [];
    return rows.length === 0 ? html`<p>${t(locale, 'mydata_nothing')}</p>` : rowsTable(rows, locale, op.name);
  });
}

function sourceCard(src: MyDataSourceView, view: MyDataView, locale: Locale): SafeHtml {
  const name = pick(src.name, locale);
  const correction = src.correction_url
    ? html`<p><a href="${src.correction_url}">${t(locale, 'mydata_correction', { source: name })}</a></p>`
    : '';
  return html`<section class="card" aria-labelledby="src-${src.id}">
    <h2 id="src-${src.id}">${name}</h2>
    <form method="post" action="/dashboard/mydata">
      <input type="hidden" name="_csrf" value="${view.csrf}" /><input type="hidden" name="source" value="${src.id}" />
      <button type="submit">${t(locale, 'mydata_show', { source: name })}</button>
    </form>
    ${view.result?.source.id === src.id ? operations(view.result, locale) : ''} ${correction}
  </section>`;
}

/** Every source, and what the asked one holds about the citizen. */
export function renderMyData(view: MyDataView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'mydata_intro')}</p>
    ${view.sources.map((src) => sourceCard(src, view, locale))}`;
}
