/**
 * The pages a citizen lands on: sign-in (one button per identity provider) and the
 * overview of what waits for them.
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t, tn, type Locale } from '../../../web/i18n.ts';
import type { OverviewView, SignedOutView, SignInView } from '../view-models.ts';

/** The sign-in page: who the operator is and how to sign in. */
export function renderSignIn(view: SignInView, locale: Locale): SafeHtml {
  const returnTo = encodeURIComponent(view.returnTo);
  const button = (p: SignInView['providers'][number]) =>
    html`<li>
      <a class="button" href="/login/${p.id}?return_to=${returnTo}">${t(locale, 'sign_in_with', { name: pick(p.label, locale) })}</a>
    </li>`;
  return html`${view.sessionEnded ? html`<p class="notice" role="status">${t(locale, 'signin_session_ended')}</p>` : ''}
    <p>${t(locale, 'operator_intro', { operator: view.operatorName })}</p>
    ${view.providers.length === 0 ? html`<p>${t(locale, 'no_identity_providers')}</p>` : ''}
    <ul class="idps">
      ${view.providers.map(button)}
    </ul>`;
}

/** After sign-out: signed out here and (unless it offers no sign-out) at the identity provider, and a way to sign in again. */
export function renderSignedOut(view: SignedOutView, locale: Locale): SafeHtml {
  const text = t(locale, view.idpSessionKept ? 'signed_out_idp_kept' : 'signed_out_text', { operator: view.operatorName });
  return html`<p>${text}</p>
    <p><a class="button" href="/signin">${t(locale, 'sign_in')}</a></p>`;
}

/** The overview: a welcome, and links to pending requests and active consents. */
export function renderOverview(view: OverviewView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'welcome', { name: view.name })}</p>
    <ul>
      <li><a href="/dashboard/requests">${tn(locale, 'pending_requests', view.pending)}</a></li>
      <li><a href="/dashboard/notifications">${tn(locale, 'notifications_unread', view.unread)}</a></li>
      <li><a href="/dashboard/consents">${tn(locale, 'active_consents', view.active)}</a></li>
    </ul>`;
}
