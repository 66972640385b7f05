/**
 * The terms of a consent in plain words, as one list of facts: controller and contact, privacy
 * notice and data agreement, purpose, lawful basis (and that consent can be withdrawn), recipients,
 * retention and validity. The interactive prompt and the dashboard's cards both render it.
 */
import { isConsentBasis } from '../../../core/consent.ts';
import { html, type SafeHtml } from '../../../web/html.ts';
import { listOf, t, type Locale } from '../../../web/i18n.ts';
import type { ConsentItemView, ConsentTermsView, ValidityView } from '../consent-terms.ts';
import { humanDuration, when } from './format.ts';

/** A data item with its source ("Annual income – Incomes Register"). */
export const itemText = (i: ConsentItemView, locale: Locale) => t(locale, 'item_from_source', { item: i.label, source: i.source });

/** A controller's contact: an e-mail address or a web address as a link, anything else as text. */
function contact(value: string): SafeHtml {
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return html`<a href="mailto:${value}">${value}</a>`;
  if (/^https?:\/\//.test(value)) return html`<a href="${value}">${value}</a>`;
  return html`${value}`;
}

/** The validity as it will apply, in words. */
export function validityText(v: Exclude<ValidityView, { kind: 'ended' }>, locale: Locale): string {
  switch (v.kind) {
    case 'until':
      return v.duration
        ? t(locale, 'validity_for_until', { duration: humanDuration(v.duration, locale), date: when(v.at, locale) })
        : t(locale, 'validity_until', { date: when(v.at, locale) });
    case 'from_activation':
      return t(locale, 'validity_from_activation', { duration: humanDuration(v.duration, locale), date: when(v.if_today, locale) });
    case 'until_withdrawn':
      return t(locale, 'until_withdrawn');
  }
}

/** The time a validity runs to, if it has one (machine-readable on the page as `data-until`). */
const untilOf = (v: ValidityView) => (v.kind === 'until' ? v.at : v.kind === 'from_activation' ? v.if_today : '');

function validityRow(v: ValidityView, locale: Locale): SafeHtml {
  return v.kind === 'ended'
    ? html`<dt>${t(locale, 'ended')}</dt>
        <dd>${when(v.at, locale)}</dd>`
    : html`<dt>${t(locale, 'validity')}</dt>
        <dd class="validity" data-until="${untilOf(v)}">${validityText(v, locale)}</dd>`;
}

/** The lawful basis in words; while a consent is not ended, that it can be withdrawn (GDPR Art. 7(3)). */
function basisText(basis: string, ended: boolean, locale: Locale): SafeHtml {
  if (!isConsentBasis(basis)) return html`${t(locale, 'lawful_basis_other', { basis })}`;
  return ended ? html`${t(locale, 'lawful_basis_consent')}` : html`${t(locale, 'lawful_basis_consent')}. ${t(locale, 'withdraw_any_time')}`;
}

function whoRows(v: ConsentTermsView, locale: Locale): SafeHtml {
  const notice = v.privacy_notice ? html`<a href="${v.privacy_notice}">${t(locale, 'privacy_notice_read')}</a>` : '';
  const agreement = v.agreement_uid ? html`<a href="${v.agreement_uid}">${t(locale, 'data_agreement')}</a>` : '';
  return html`<dt>${t(locale, 'controller')}</dt>
    <dd>
      ${v.controller.name}${v.controller.contact ? html`<br />${t(locale, 'controller_contact')}: ${contact(v.controller.contact)}` : ''}
    </dd>
    <dt>${t(locale, 'privacy_notice')}</dt>
    <dd>${notice}${notice && agreement ? html`<br />` : ''}${agreement}</dd>`;
}

/**
 * The terms as a list of facts; `lead` rows (e.g. the record's status) come first.
 *
 * @example renderTerms(consentTerms({ ... }), 'fi')
 */
export function renderTerms(v: ConsentTermsView, locale: Locale, lead: SafeHtml | '' = ''): SafeHtml {
  const recipients = v.recipients.length > 0 ? listOf(locale, v.recipients) : t(locale, 'recipients_none', { service: v.service });
  const retention = t(locale, 'retention_words', { duration: humanDuration(v.retention_period, locale), service: v.service });
  return html`<dl class="facts">
    ${lead} ${whoRows(v, locale)}
    <dt>${t(locale, 'purpose')}</dt>
    <dd>${v.purpose}${v.purpose_description ? html`<br />${v.purpose_description}` : ''}</dd>
    <dt>${t(locale, 'lawful_basis')}</dt>
    <dd>${basisText(v.lawful_basis, v.validity.kind === 'ended', locale)}</dd>
    <dt>${t(locale, 'recipients')}</dt>
    <dd>${recipients}</dd>
    <dt>${t(locale, 'retention')}</dt>
    <dd>${retention}</dd>
    ${validityRow(v.validity, locale)}
  </dl>`;
}

/** The items of a decision: required ones shown as included, optional ones as checkboxes left unticked unless `chosen`. */
export function itemChoices(items: ConsentItemView[], locale: Locale, chosen: ReadonlySet<string> = new Set()): SafeHtml {
  return html`${items.map((i) => {
    const text = `${itemText(i, locale)} (${t(locale, i.optional ? 'optional' : 'required')})`;
    return i.optional
      ? html`<label><input type="checkbox" name="choices" value="${i.key}" ${chosen.has(i.key) ? html`checked` : ''} /> ${text}</label>`
      : html`<label><input type="checkbox" checked disabled /> ${text}</label>`;
  })}`;
}
