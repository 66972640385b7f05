/**
 * The "my data store" page: each document with who verified it and when (or that the
 * citizen corrected it), a form for the fields the depositor allows to correct, delete
 * and erase buttons, and the choice of aggregate services that may include the citizen.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { pick, t, tn, type Locale } from '../../web/i18n.ts';
import { flatten, rowsTable } from '../../web/json-rows.ts';
import { labelledRows } from '../../web/labelled-rows.ts';
import type { CitizenDocument } from '../../pds/pds.service.ts';
import { day } from '../citizen/pages/format.ts';
import type { DatastoreView } from './datastore.view.ts';

/** The value at an RFC 6901 JSON pointer, or null. */
function pointerValue(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node ?? null;
}

function hiddenFields(csrf: string, category: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="category" value="${category}" />`;
}

type Category = DatastoreView['meta']['categories'][number];

/** The rows of a document, each part named by its category's labels (by JSON pointer, array positions left out). */
function documentRows(d: CitizenDocument, category: Category | undefined, locale: Locale): Array<[string, string]> {
  // the card's heading names the category: rows start with their own labels
  return labelledRows(
    d.document,
    '',
    {
      field: (keys) => pick(category?.labels?.[`/${keys.join('/')}`], locale) || undefined,
      value: (code) => pick(category?.values?.[code], locale) || undefined,
    },
    locale,
  );
}

function correctionForm(d: CitizenDocument, view: DatastoreView, depositor: string, locale: Locale): SafeHtml {
  if (d.correctable.length === 0) return html`<p>${t(locale, 'datastore_not_correctable')}</p>`;
  const id = `doc-${d.category}`;
  const labels = view.meta.categories.find((c) => c.id === d.category)?.labels ?? {};
  const label = (pointer: string, i: number) => pick(labels[pointer], locale) || `${t(locale, 'item')} ${i + 1}`;
  const field = (p: string, i: number) => {
    const current = flatten(pointerValue(d.document, p))[0]?.[1] ?? '';
    return html`<p>
      <label for="${id}-f${i}">${label(p, i)}</label>
      <input type="text" id="${id}-f${i}" name="${p}" value="${current === '—' ? '' : current}" maxlength="500" />
    </p>`;
  };
  return html`<form method="post" action="/dashboard/datastore/correct">
    <fieldset>
      <legend>${t(locale, 'datastore_correct_legend', { depositor })}</legend>
      ${hiddenFields(view.csrf, d.category)} ${d.correctable.map(field)}
      <button type="submit">${t(locale, 'datastore_correct')}</button>
    </fieldset>
  </form>`;
}

function documentCard(d: CitizenDocument, view: DatastoreView, locale: Locale): SafeHtml {
  const category = view.meta.categories.find((c) => c.id === d.category);
  const depositor = pick(view.meta.depositors.find((x) => x.id === d.provenance.depositor)?.name, locale) || d.provenance.depositor;
  const provenance =
    d.provenance.status === 'verified'
      ? t(locale, 'datastore_verified', { depositor, date: day(d.provenance.issued_at, locale) })
      : t(locale, 'datastore_corrected', { depositor, date: day(d.history[0]?.stored_at ?? d.provenance.issued_at, locale) });
  const id = `doc-${d.category}`;
  return html`<section class="card" aria-labelledby="${id}">
    <h2 id="${id}">${pick(category?.label, locale) || d.category}</h2>
    <p class="provenance provenance-${d.provenance.status}">${provenance}</p>
    ${rowsTable(documentRows(d, category, locale), locale)}
    <p>${tn(locale, 'datastore_versions', d.history.length)}</p>
    ${correctionForm(d, view, depositor, locale)}
    <form method="post" action="/dashboard/datastore/delete">
      ${hiddenFields(view.csrf, d.category)}<button type="submit" class="secondary">${t(locale, 'datastore_delete')}</button>
    </form>
  </section>`;
}

function sharingCard(view: DatastoreView, locale: Locale): SafeHtml {
  const services = view.meta.aggregate_services;
  const kMin = Math.min(...services.map((a) => a.k_min), Infinity);
  const choice = (a: (typeof services)[number]) => {
    const checked = view.sharing.includes(a.id) ? html`checked` : '';
    return html`<label><input type="checkbox" name="aggregate_services" value="${a.id}" ${checked} />${pick(a.name, locale)}</label>`;
  };
  return html`<section class="card" aria-labelledby="sharing-h">
    <h2 id="sharing-h">${t(locale, 'datastore_sharing_title')}</h2>
    <p>${tn(locale, 'datastore_sharing_intro', kMin)}</p>
    <form method="post" action="/dashboard/datastore/sharing">
      <input type="hidden" name="_csrf" value="${view.csrf}" /><input type="hidden" name="aggregate_services" value="" />
      ${services.map(choice)}
      <button type="submit">${t(locale, 'datastore_sharing_save')}</button>
    </form>
  </section>`;
}

function eraseForm(view: DatastoreView, locale: Locale): SafeHtml {
  return html`<form method="post" action="/dashboard/datastore/erase">
    <input type="hidden" name="_csrf" value="${view.csrf}" /><button type="submit" class="secondary">
      ${t(locale, 'datastore_erase')}
    </button>
  </form>`;
}

/** The citizen's documents in their data store, with correction, deletion and sharing. */
export function renderDatastore(view: DatastoreView, locale: Locale): SafeHtml {
  const { documents } = view;
  return html`<p>${t(locale, 'datastore_intro')}</p>
    ${view.saved ? html`<p role="status">${t(locale, 'datastore_saved')}</p>` : ''}
    ${documents.length === 0 ? html`<p>${t(locale, 'datastore_empty')}</p>` : documents.map((d) => documentCard(d, view, locale))}
    ${documents.length > 0 && view.meta.aggregate_services.length > 0 ? sharingCard(view, locale) : ''}
    ${documents.length > 0 ? eraseForm(view, locale) : ''}`;
}
