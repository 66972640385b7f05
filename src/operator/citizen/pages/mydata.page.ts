/**
 * "My data": each source with a button that shows what it holds about the citizen (as rows
 * named from the source's definition), its correction link, and the views made so far (each
 * a consent of its own, withdrawn right after the read, kept here rather than among the consents).
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t, type Locale } from '../../../web/i18n.ts';
import { rowsTable } from '../../../web/json-rows.ts';
import type { MyDataSourceView, MyDataView, MyDataViewEntry } from '../view-models.ts';
import { statusText, when } from './format.ts';

function result(view: MyDataView, src: MyDataSourceView, locale: Locale): SafeHtml | '' {
  if (view.result?.source_id !== src.id) return '';
  const rows = view.result.rows;
  return rows.length === 0 ? html`<p>${t(locale, 'mydata_nothing')}</p>` : rowsTable(rows, locale);
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
    ${result(view, src, locale)} ${correction}
  </section>`;
}

function viewItem(v: MyDataViewEntry, locale: Locale): SafeHtml {
  return html`<li>${when(v.time, locale)}: ${v.source} (${statusText(locale, v.status)})</li>`;
}

function earlierViews(views: MyDataViewEntry[], locale: Locale): SafeHtml | '' {
  if (views.length === 0) return '';
  return html`<section class="card" aria-labelledby="views-h">
    <h2 id="views-h">${t(locale, 'mydata_views_title')}</h2>
    <p>${t(locale, 'mydata_views_intro')}</p>
    <ol class="plain">
      ${views.map((v) => viewItem(v, locale))}
    </ol>
  </section>`;
}

/** Every source, what the asked one holds about the citizen, and the views made so far. */
export function renderMyData(view: MyDataView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'mydata_intro')}</p>
    ${view.sources.map((src) => sourceCard(src, view, locale))} ${earlierViews(view.views, locale)}`;
}
