/**
 * The consent prompt of an authorization: for each requested source the terms in plain words
 * (controller and contact, privacy notice, purpose, lawful basis, recipients, retention,
 * validity) and its items, optional ones as checkboxes left unticked; approve or decline.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { t, type Locale } from '../../web/i18n.ts';
import { itemChoices, renderTerms } from '../citizen/pages/terms.page.ts';
import type { ConsentPromptView } from './consent-prompt.view.ts';

function sourceCard(item: ConsentPromptView['terms'][number], index: number, view: ConsentPromptView, locale: Locale): SafeHtml {
  return html`<section class="card" aria-labelledby="src-${index}">
    <h2 id="src-${index}">${item.source}</h2>
    ${renderTerms(item.terms, locale)}
    <fieldset>
      <legend>${t(locale, 'attributes')}</legend>
      ${itemChoices(item.terms.items, locale, view.chosen)}
    </fieldset>
  </section>`;
}

/** The consent form of an interaction. */
export function renderConsentPrompt(view: ConsentPromptView, locale: Locale): SafeHtml {
  return html`${view.notice ? html`<p class="notice" role="status">${t(locale, view.notice)}</p>` : ''}
    <p>${t(locale, 'only_chosen_shared')}</p>
    <form method="post" action="/interaction/${view.uid}">
      <input type="hidden" name="_csrf" value="${view.csrf}" />
      ${view.terms.map((item, i) => sourceCard(item, i, view, locale))}
      <div class="actions">
        <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
        <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
      </div>
    </form>`;
}
