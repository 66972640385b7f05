/**
 * The arrangement pages: each standing permission as a card (purpose, service kind,
 * trust group, end, attributes and its ODRL policy) with edit and delete, and the form
 * that creates or changes one. Plain forms, no JavaScript.
 */
import { DPV_PURPOSES } from '../../core/dpv.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import { dateLocale } from '../citizen/pages/format.ts';
import type { Arrangement } from './arrangements.ts';
import type { ArrangementFormView, ArrangementListView } from './arrangements.view.ts';

const DEFAULT_PURPOSE = 'https://w3id.org/dpv#ServiceProvision';

function selects(view: ArrangementFormView, locale: Locale): SafeHtml {
  const c = view.catalogue;
  const rule = view.current?.rule;
  const purpose = (p: string) =>
    html`<option value="${p}" ${(rule?.purpose ?? DEFAULT_PURPOSE) === p ? 'selected' : ''}>${c.purposeLabel(p)}</option>`;
  const kind = (k: string) => html`<option value="${k}" ${rule?.service_kind === k ? 'selected' : ''}>${c.kindLabel(k)}</option>`;
  return html`<p>
      <label
        >${t(locale, 'arrangement_purpose')}<br /><select name="purpose">
          ${DPV_PURPOSES.map(purpose)}
        </select></label
      >
    </p>
    <p>
      <label
        >${t(locale, 'arrangement_kind')}<br /><select name="service_kind">
          <option value="">${t(locale, 'any_kind')}</option>
          ${c.kinds.map(kind)}
        </select></label
      >
    </p>`;
}

function groupChoice(view: ArrangementFormView, locale: Locale): SafeHtml | '' {
  const rule = view.current?.rule;
  if (!view.group) return '';
  return html`<p>
    <label
      ><input type="checkbox" name="in_group" value="yes" ${!rule || rule.trust_group ? 'checked' : ''} />
      ${t(locale, 'arrangement_group', { group: view.groupName ?? '' })}</label
    >
  </p>`;
}

function attributeChoices(view: ArrangementFormView, locale: Locale): SafeHtml[] {
  const rule = view.current?.rule;
  return view.catalogue.sources.map((src) => {
    const choice = (a: (typeof src.attributes)[number]) => {
      const key = `${src.resource}#${a.id}`;
      return html`<label
        ><input type="checkbox" name="attributes" value="${key}" ${rule?.attributes.includes(key) ? 'checked' : ''} />
        ${pick(a.label, locale)}</label
      > `;
    };
    return html`<fieldset>
      <legend>${t(locale, 'arrangement_attributes')} – ${pick(src.name, locale)}</legend>
      ${src.attributes.map(choice)}
    </fieldset>`;
  });
}

/** The form that creates an arrangement, or changes the current one. */
export function renderArrangementForm(view: ArrangementFormView, locale: Locale): SafeHtml {
  const { current } = view;
  const rule = current?.rule;
  const action = current ? `/dashboard/arrangements/${encodeURIComponent(current.arrangement_id)}` : '/dashboard/arrangements';
  return html`<form method="post" action="${action}" class="card">
    <input type="hidden" name="_csrf" value="${view.csrf}" />
    <p>
      <label
        >${t(locale, 'arrangement_name')}<br /><input type="text" name="label" required maxlength="120" value="${rule?.label ?? ''}"
      /></label>
    </p>
    ${selects(view, locale)} ${groupChoice(view, locale)} ${attributeChoices(view, locale)}
    <p>
      <label
        >${t(locale, 'arrangement_until')}<br /><input type="date" name="until" value="${rule?.until ? rule.until.slice(0, 10) : ''}"
      /></label>
    </p>
    <div class="actions"><button type="submit">${t(locale, 'arrangement_save')}</button></div>
  </form>`;
}

function facts(a: Arrangement, view: ArrangementFormView, locale: Locale): SafeHtml {
  const c = view.catalogue;
  const until = a.rule.until
    ? new Date(a.rule.until).toLocaleDateString(dateLocale(locale), { timeZone: 'Europe/Helsinki' })
    : t(locale, 'no_end');
  const group = a.rule.trust_group
    ? html`<dt>${t(locale, 'trust_group_label')}</dt>
        <dd>${a.rule.trust_group === view.group ? view.groupName : t(locale, 'trust_group_other')}</dd>`
    : '';
  return html`<dl class="facts">
    <dt>${t(locale, 'purpose')}</dt>
    <dd>${c.purposeLabel(a.rule.purpose)}</dd>
    <dt>${t(locale, 'arrangement_kind')}</dt>
    <dd>${a.rule.service_kind ? c.kindLabel(a.rule.service_kind) : t(locale, 'any_kind')}</dd>
    ${group}
    <dt>${t(locale, 'expires')}</dt>
    <dd>${until}</dd>
  </dl>`;
}

function card(a: Arrangement, view: ArrangementListView, locale: Locale): SafeHtml {
  const c = view.form.catalogue;
  const id = encodeURIComponent(a.arrangement_id);
  return html`<article class="card" aria-labelledby="a-${id}">
    <h2 id="a-${id}">${a.label}</h2>
    ${facts(a, view.form, locale)}
    <h3>${t(locale, 'arrangement_attributes')}</h3>
    <ul>
      ${a.rule.attributes.map((k) => html`<li>${c.attributeLabel(k)}</li>`)}
    </ul>
    <details>
      <summary>${t(locale, 'arrangement_policy')}</summary>
      <pre>${JSON.stringify(a.policy, null, 2)}</pre>
    </details>
    <div class="actions">
      <a class="button secondary" href="/dashboard/arrangements/${id}/edit">${t(locale, 'arrangement_edit')}</a>
      <form method="post" action="/dashboard/arrangements/${id}/delete">
        <input type="hidden" name="_csrf" value="${view.form.csrf}" /><button type="submit" class="danger">
          ${t(locale, 'arrangement_delete')}
        </button>
      </form>
    </div>
  </article>`;
}

/** The citizen's arrangements, then the form for a new one. */
export function renderArrangements(view: ArrangementListView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'arrangements_intro')}</p>
    ${view.arrangements.length === 0 ? html`<p>${t(locale, 'no_arrangements')}</p>` : ''}
    ${view.arrangements.map((a) => card(a, view, locale))}
    <h2>${t(locale, 'arrangement_new')}</h2>
    ${renderArrangementForm(view.form, locale)}`;
}
