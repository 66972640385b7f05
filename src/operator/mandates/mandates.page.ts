/**
 * The mandates page: the mandates the person has given, each with a one-click end; the form
 * that gives one (no service ticked, an end date required); and the people who gave them a
 * mandate, with those people's requests and consents within it to decide or withdraw.
 * Plain forms, no JavaScript.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { t, tn, type Locale } from '../../web/i18n.ts';
import { recordTerms } from '../citizen/consent-terms.ts';
import { day, statusText } from '../citizen/pages/format.ts';
import { itemChoices, renderTerms } from '../citizen/pages/terms.page.ts';
import type { CitizenRecordView } from '../citizen/view-models.ts';
import type { Mandate, ReceivedMandate } from './mandates.ts';
import type { MandatesPageView } from './mandates.view.ts';

const csrfField = (v: MandatesPageView) => html`<input type="hidden" name="_csrf" value="${v.card.csrf}" />`;

function givenCard(m: Mandate, v: MandatesPageView): SafeHtml {
  const { locale } = v.card;
  const id = encodeURIComponent(m.mandate_id);
  const end =
    m.state === 'live'
      ? html`<form method="post" action="/dashboard/mandates/${id}/end">
          ${csrfField(v)}<button type="submit" class="danger">${t(locale, 'mandate_end')}</button>
        </form>`
      : '';
  return html`<article class="card mandate">
    <h3>${m.delegate_name}</h3>
    <p>${t(locale, `mandate_state_${m.state}`)} · ${t(locale, 'mandate_until', { date: day(m.valid_until, locale) })}</p>
    <ul>
      ${m.services.map((s) => html`<li>${v.serviceName(s)}</li>`)}
    </ul>
    ${end}
  </article>`;
}

function grantForm(v: MandatesPageView): SafeHtml {
  const { locale } = v.card;
  const service = (s: { client_id: string; name: string }) =>
    html`<label><input type="checkbox" name="services" value="${s.client_id}" /> ${s.name}</label> `;
  return html`<form method="post" action="/dashboard/mandates" class="card">
    ${csrfField(v)}
    <h3>${t(locale, 'mandate_grant_title')}</h3>
    ${v.problem ? html`<p role="alert" class="notice">${t(locale, `mandate_problem_${v.problem}`)}</p>` : ''}
    <p>
      <label>${t(locale, 'mandate_delegate_name')}<br /><input type="text" name="delegate_name" required maxlength="120" /></label>
    </p>
    <p>
      <label
        >${t(locale, 'mandate_delegate_code')}<br /><input
          type="text"
          name="delegate_identifier"
          required
          maxlength="11"
          autocomplete="off"
      /></label>
    </p>
    <fieldset>
      <legend>${t(locale, 'mandate_services')}</legend>
      ${v.services.map(service)}
    </fieldset>
    <p>
      <label
        >${t(locale, 'mandate_valid_until')}<br /><input type="date" name="valid_until" required min="${v.minDate}" max="${v.maxDate}"
      /></label>
    </p>
    <button type="submit">${t(locale, 'mandate_grant')}</button>
  </form>`;
}

function recordCard(r: CitizenRecordView, m: Mandate, v: MandatesPageView): SafeHtml {
  const { locale } = v.card;
  const action = `/dashboard/mandates/${encodeURIComponent(m.mandate_id)}/records/${encodeURIComponent(r.record_id)}`;
  const terms = recordTerms(r, v.card.labels, locale);
  const id = `m-${encodeURIComponent(r.record_id)}`;
  const controls = r.awaiting_me
    ? html`<fieldset>
          <legend>${t(locale, 'attributes')}</legend>
          ${itemChoices(terms.items, locale)}
        </fieldset>
        <div class="actions">
          <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
          <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
        </div>`
    : r.status === 'active'
      ? html`<button type="submit" name="decision" value="withdraw" class="danger">${t(locale, 'withdraw')}</button>`
      : '';
  return html`<article class="card" aria-labelledby="${id}">
    <h4 id="${id}">${v.serviceName(r.client_id)}</h4>
    <p><span class="status status-${r.status}">${statusText(locale, r.status)}</span></p>
    ${renderTerms(terms, locale)} ${controls ? html`<form method="post" action="${action}">${csrfField(v)}${controls}</form>` : ''}
  </article>`;
}

function receivedSection(x: ReceivedMandate, v: MandatesPageView): SafeHtml {
  const { locale } = v.card;
  const waiting = x.records.filter((r) => r.awaiting_me).length;
  return html`<section class="mandate-received">
    <h3>${x.grantor_name}</h3>
    <p>
      ${t(locale, 'mandate_acting_for', { name: x.grantor_name })}
      ${t(locale, 'mandate_until', { date: day(x.mandate.valid_until, locale) })}
    </p>
    <p>${waiting > 0 ? tn(locale, 'mandate_requests_waiting', waiting) : ''}</p>
    ${x.records.length === 0 ? html`<p>${t(locale, 'mandate_nothing_waiting')}</p>` : x.records.map((r) => recordCard(r, x.mandate, v))}
  </section>`;
}

/** The mandates page. */
export function renderMandates(v: MandatesPageView): SafeHtml {
  const locale: Locale = v.card.locale;
  return html`<p>${t(locale, 'mandates_lead')}</p>
    <section aria-labelledby="mandates-received">
      <h2 id="mandates-received">${t(locale, 'mandates_received')}</h2>
      ${v.received.length === 0 ? html`<p>${t(locale, 'no_mandates_received')}</p>` : v.received.map((x) => receivedSection(x, v))}
    </section>
    <section aria-labelledby="mandates-given">
      <h2 id="mandates-given">${t(locale, 'mandates_given')}</h2>
      ${v.given.length === 0 ? html`<p>${t(locale, 'no_mandates_given')}</p>` : v.given.map((m) => givenCard(m, v))} ${grantForm(v)}
    </section>`;
}
