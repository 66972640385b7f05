/**
 * The consent prompt of an authorization: who asks (controller and privacy notice), and
 * for each source the purpose, lawful basis, retention and attributes, optional ones as
 * checkboxes; approve or decline.
 */
import { attrKey, isConsentBasis, type PiiItem } from '../../core/consent.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import type { ConsentPromptItem, ConsentPromptView } from './consent-prompt.view.ts';

function attribute(p: ConsentPromptItem, i: PiiItem, locale: Locale): SafeHtml {
  const label = pick(p.labels.get(i.pii_attribute_id), locale) || i.pii_attribute_id;
  return i.pii_optional
    ? html`<label><input type="checkbox" name="choices" value="${attrKey(i)}" checked /> ${label} (${t(locale, 'optional')})</label>`
    : html`<label><input type="checkbox" checked disabled /> ${label} (${t(locale, 'required')})</label>`;
}

function itemCard(p: ConsentPromptItem, locale: Locale): SafeHtml {
  const def = p.service.purposes.find((x) => x.purpose === p.detail.purpose);
  const purpose = p.purposes[0]!;
  const basis = purpose.lawful_basis;
  return html`<section class="card">
    <dl class="facts">
      <dt>${t(locale, 'purpose')}</dt>
      <dd>${pick(def?.label, locale)}</dd>
      <dt>${t(locale, 'lawful_basis')}</dt>
      <dd>${isConsentBasis(basis) ? t(locale, 'lawful_basis_consent') : t(locale, 'lawful_basis_other', { basis })}</dd>
      <dt>${t(locale, 'retention')}</dt>
      <dd>${purpose.retention_period}</dd>
      <dt>${t(locale, 'source')}</dt>
      <dd>${pick(p.sourceName, locale)}</dd>
    </dl>
    <fieldset>
      <legend>${t(locale, 'attributes')}</legend>
      ${purpose.pii_information.map((i) => attribute(p, i, locale))}
    </fieldset>
  </section>`;
}

/** The consent form of an interaction. */
export function renderConsentPrompt(view: ConsentPromptView, locale: Locale): SafeHtml {
  const service = view.items[0]?.service;
  const controller = service
    ? html`${t(locale, 'controller')}: <strong>${service.controller.name}</strong>.
        <a href="${service.privacy_notice}">${t(locale, 'privacy_notice')}</a>`
    : '';
  return html` <p>${controller}</p>
    <form method="post" action="/interaction/${view.uid}">
      <input type="hidden" name="_csrf" value="${view.csrf}" />
      ${view.items.map((p) => itemCard(p, locale))}
      <div class="actions">
        <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
        <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
      </div>
    </form>`;
}
