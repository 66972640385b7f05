/**
 * The keychain page: the identities linked to the account, which one services see, and
 * links to add another identity or remove one.
 */
import type { KeychainEntry } from '../../accounts/accounts.ts';
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t, type Locale } from '../../../web/i18n.ts';
import type { KeychainView } from '../view-models.ts';
import { when } from './format.ts';

function keychainForm(k: KeychainEntry, action: 'prefer' | 'unlink', csrf: string, button: SafeHtml): SafeHtml {
  return html`<form method="post" action="/dashboard/keychain">
    <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="action" value="${action}" />
    <input type="hidden" name="iss" value="${k.iss}" /><input type="hidden" name="sub" value="${k.sub}" />${button}
  </form>`;
}

function entry(k: KeychainEntry, view: KeychainView, locale: Locale): SafeHtml {
  const prefer = k.preferred
    ? html`<p><strong>${t(locale, 'shown_to_services')}</strong></p>`
    : keychainForm(k, 'prefer', view.csrf, html`<button type="submit" class="secondary">${t(locale, 'use_for_services')}</button>`);
  const unlink =
    view.chain.length > 1
      ? keychainForm(k, 'unlink', view.csrf, html`<button type="submit" class="danger">${t(locale, 'unlink')}</button>`)
      : '';
  return html`<li class="card">
    <dl class="facts">
      <dt>${t(locale, 'identity_provider')}</dt>
      <dd>${pick(view.providers.find((p) => p.id === k.idp)?.label, locale) || k.iss}</dd>
      <dt>${t(locale, 'linked_at')}</dt>
      <dd>${when(k.linked_at, locale)}</dd>
    </dl>
    ${prefer} ${unlink}
  </li>`;
}

/** The keychain: linked identities, link another, choose which one services see, unlink. */
export function renderKeychain(view: KeychainView, locale: Locale): SafeHtml {
  const link = (p: KeychainView['providers'][number]) =>
    html`<li>
      <a class="button secondary" href="/login/${p.id}?link=1&amp;return_to=%2Fdashboard%2Fkeychain"
        >${t(locale, 'link_identity', { name: pick(p.label, locale) })}</a
      >
    </li>`;
  return html`<ul>
      ${view.chain.map((k) => entry(k, view, locale))}
    </ul>
    <ul>
      ${view.providers.map(link)}
    </ul>`;
}
