/**
 * The dashboard's notifications page: the newest notifications (new ones marked), then the
 * e-mail settings (an address to confirm and the kinds to mail, none ticked until the
 * citizen ticks them); and the page a confirmation link opens. Plain forms, no JavaScript.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { t, type Locale } from '../../web/i18n.ts';
import { localTime } from '../../web/local-time.ts';
import type { NotificationSettingsView } from './notification-settings.ts';
import { kindLabel, NOTIFICATION_KINDS } from './notification-text.ts';
import type { NotificationView } from './notifications.ts';

/** What the notifications page shows. */
export interface NotificationsPageView {
  notifications: NotificationView[];
  settings: NotificationSettingsView;
  /** Whether this operator mails at all (an `smtp` block). */
  mails: boolean;
  csrf: string;
}

function item(n: NotificationView, locale: Locale): SafeHtml {
  const badge = n.unread ? html`<strong class="badge">${t(locale, 'notifications_new')}</strong> ` : '';
  return html`<li class="card">
    <h3>${badge}${n.title}</h3>
    <p>${n.text}</p>
    <p><time datetime="${n.time}">${localTime(n.time, locale)}</time> · <a href="${n.path}">${t(locale, 'notifications_open')}</a></p>
  </li>`;
}

function status(s: NotificationSettingsView, locale: Locale): SafeHtml | '' {
  if (!s.email) return '';
  const key = s.confirmed ? 'notifications_confirmed' : 'notifications_unconfirmed';
  return html`<p class="notice" role="status">${t(locale, key, { email: s.email })}</p>`;
}

function settingsForm(view: NotificationsPageView, locale: Locale): SafeHtml {
  const s = view.settings;
  if (!view.mails) return html`<p>${t(locale, 'notifications_no_smtp')}</p>`;
  const kind = (k: (typeof NOTIFICATION_KINDS)[number]) =>
    html`<li>
      <label><input type="checkbox" name="kinds" value="${k}" ${s.kinds.includes(k) ? 'checked' : ''} /> ${kindLabel(k, locale)}</label>
    </li>`;
  return html`${status(s, locale)}
    <form method="post" action="/dashboard/notifications" class="card">
      <input type="hidden" name="_csrf" value="${view.csrf}" />
      <p>
        <label for="notify-email">${t(locale, 'notifications_email_label')}</label><br />
        <input
          id="notify-email"
          type="email"
          name="email"
          autocomplete="email"
          maxlength="254"
          value="${s.email ?? ''}"
          aria-describedby="notify-email-help"
        />
      </p>
      <p id="notify-email-help">${t(locale, 'notifications_email_help')}</p>
      <fieldset>
        <legend>${t(locale, 'notifications_kinds_legend')}</legend>
        <ul class="plain">
          ${NOTIFICATION_KINDS.map(kind)}
        </ul>
      </fieldset>
      <p><button type="submit">${t(locale, 'notifications_save')}</button></p>
    </form>`;
}

/** The notifications page. */
export function renderNotifications(view: NotificationsPageView, locale: Locale): SafeHtml {
  return html`<p>${t(locale, 'notifications_intro')}</p>
    <h2>${t(locale, 'notifications_list_heading')}</h2>
    ${
      view.notifications.length === 0
        ? html`<p>${t(locale, 'notifications_none')}</p>`
        : html`<ul class="cards">
            ${view.notifications.map((n) => item(n, locale))}
          </ul>`
    }
    <h2>${t(locale, 'notifications_email_heading')}</h2>
    ${settingsForm(view, locale)}`;
}

/** The page a confirmation link opens: one button, so a mail scanner's visit confirms nothing. */
export function renderConfirm(token: string, locale: Locale): SafeHtml {
  return html`<form method="post" action="/dashboard/notifications/confirm?lang=${locale}">
    <input type="hidden" name="token" value="${token}" />
    <p><button type="submit">${t(locale, 'notifications_confirm_button')}</button></p>
  </form>`;
}

/** After the button: confirmed, or why not. */
export function renderConfirmed(ok: boolean, locale: Locale): SafeHtml {
  const text = t(locale, ok ? 'notifications_confirm_done' : 'notifications_confirm_invalid');
  return html`<p role="status">${text}</p>
    <p><a href="/dashboard/notifications">${t(locale, 'nav_notifications')}</a></p>`;
}
