/**
 * A decision or a withdrawal asked again after the person signed in again or sent a stale
 * form: what happened (nothing yet), the record's card with the form's choices kept, and the
 * same buttons as before, now with a fresh CSRF token.
 */
import { canWithdraw } from '../../../core/consent-rules.ts';
import { html, type SafeHtml } from '../../../web/html.ts';
import { pick, t } from '../../../web/i18n.ts';
import type { AskAgainView, CardContext } from '../view-models.ts';
import { renderRecord } from './record.page.ts';

/** The page's title. */
export function askAgainTitle(view: AskAgainView, locale: CardContext['locale']): string {
  const service = pick(view.record.service_name ?? undefined, locale) || view.record.client_id;
  return view.action === 'withdraw' && canWithdraw(view.record)
    ? t(locale, 'confirm_withdraw_title', { service })
    : t(locale, 'consent_request_title', { service });
}

/** The page's body: why it is asked again, and the card to act on. */
export function renderAskAgain(view: AskAgainView, ctx: CardContext): SafeHtml {
  const { locale } = ctx;
  const r = view.record;
  const open = view.action === 'withdraw' ? canWithdraw(r) : r.awaiting_me;
  const intro = view.action === 'withdraw' ? 'confirm_withdraw_intro' : 'confirm_decision_intro';
  const back =
    view.action === 'withdraw'
      ? html`<a class="button secondary" href="/dashboard/consents">${t(locale, 'keep_consent')}</a>`
      : html`<a class="button secondary" href="/dashboard/requests">${t(locale, 'back_to_requests')}</a>`;
  return html`${view.why === 'stale' ? html`<p class="notice" role="status">${t(locale, 'stale_form_notice')}</p>` : ''}
    ${open ? html`<p>${t(locale, intro)}</p>` : ''}
    ${renderRecord(r, view.action === 'decide' && r.awaiting_me ? 'request' : 'consent', ctx, view.chosen)}
    <div class="actions">${back}</div>`;
}
