/**
 * The pages a citizen lands on: sign-in (one button per identity provider) and the
 * overview of what waits for them.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t, tn, type Locale } from '../../../web/i18n.ts';
import type { OverviewView, SignInView } from '../view-models.ts';

/** The sign-in page: who the operator is and how to sign in. */
export function renderSignIn(view: SignInView, locale: Locale): SafeHtml {
  const returnTo = encodeURIComponent(view.returnTo);
  const button = (p: SignInView['providers'][number]) =>
    html`<li>
      <a class="button" href="/login/${p.id}?return_to=${returnTo}">${t(locale, 'sign_in_with', { name: pick(p.label, locale) })}</a>
    </li>`;
  return html`<p>${t(locale, 'operator_intro', { operator: view.operatorName })}</p>
    ${view.providers.length === 0 ? html`<p>${t(locale, 'no_identity_providers')}</p>` : ''}
    <ul class="idps">
      ${view.providers.map(button)}
    </ul>`;
}

/** The overview: a welcome, and links to pending requests and active consents. */
export function renderOverview(view: OverviewView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'welcome', { name: view.name })}</p>
    <ul>
      <li><a href="/dashboard/requests">${tn(locale, 'pending_requests', view.pending)}</a></li>
      <li><a href="/dashboard/consents">${tn(locale, 'active_consents', view.active)}</a></li>
    </ul>`;
}
