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

/** Per service with a consent: which identity of the keychain it sees (a choice, the general one by default). */
function perService(view: KeychainView, locale: Locale): SafeHtml | '' {
  if (view.chain.length < 2 || view.services.length === 0) return '';
  const label = (k: KeychainEntry) => pick(view.providers.find((p) => p.id === k.idp)?.label, locale) || k.iss;
  const row = (svc: KeychainView['services'][number]) => {
    const id = `svc-${svc.client_id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
    const chosen = svc.shown ? view.chain.findIndex((k) => k.iss === svc.shown!.iss && k.sub === svc.shown!.sub) : -1;
    return html`<li>
      <form method="post" action="/dashboard/keychain/service">
        <input type="hidden" name="_csrf" value="${view.csrf}" /><input type="hidden" name="client_id" value="${svc.client_id}" />
        <label for="${id}">${pick(svc.name ?? undefined, locale) || svc.client_id}</label>
        <select id="${id}" name="identity">
          <option value="default" ${chosen < 0 ? 'selected' : ''}>${t(locale, 'service_identity_default')}</option>
          ${view.chain.map((k, i) => html`<option value="${String(i)}" ${i === chosen ? 'selected' : ''}>${label(k)}</option>`)}
        </select>
        <button type="submit" class="secondary">${t(locale, 'service_identity_save')}</button>
      </form>
    </li>`;
  };
  return html`<section class="card" aria-labelledby="per-service-h">
    <h2 id="per-service-h">${t(locale, 'service_identity_title')}</h2>
    <p>${t(locale, 'service_identity_intro')}</p>
    <ul class="plain">
      ${view.services.map(row)}
    </ul>
  </section>`;
}

/** The keychain: linked identities, link another, choose which one services see (in general and per service), unlink. */
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
    </ul>
    ${perService(view, locale)}`;
}
