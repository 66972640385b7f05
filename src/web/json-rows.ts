/**
 * A JSON document as (path, value) rows, and those rows as an item/value table: how the
 * dashboard shows a citizen what a source or their data store holds.
 */
import { html, type SafeHtml } from './html.ts';
import { t, type Locale } from './i18n.ts';

/** Flattens a JSON document to (path, value) rows for display. */
export function flatten(value: unknown, prefix = ''): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [[prefix || '—', value === null ? '—' : String(value)]];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i + 1), v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix} › ${k}` : k));
}

/** Rows as an item/value table; `caption` names it. */
export function rowsTable(rows: Array<[string, string]>, locale: Locale, caption?: string): SafeHtml {
  return html`<table>
    ${
      caption === undefined
        ? ''
        : html`<caption>
            ${caption}
          </caption>`
    }
    <thead>
      <tr>
        <th scope="col">${t(locale, 'item')}</th>
        <th scope="col">${t(locale, 'value')}</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        ([k, v]) =>
          html`<tr>
            <th scope="row">${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
