/**
 * What each kind of notification says, on the dashboard and in a mail, in the citizen's
 * language: a title, a text made of the facts the dashboard shows anyway (the service's
 * name, a date, a count; never a person's name or identifier) and the dashboard page it
 * links to. Pure: no I/O.
 */
import { t, tn, type Locale, type MessageKey } from '../../web/i18n.ts';
import { localDay } from '../../web/local-time.ts';

/** The events a citizen can be told about. */
export type NotificationKind = 'request' | 'other_pending' | 'expiring' | 'moved' | 'reads_digest';

/** Every kind, in the order the settings list them. */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['request', 'other_pending', 'expiring', 'moved', 'reads_digest'];

/** The facts a notification's text is made of (stored as its `data`). */
export interface NotificationFacts {
  /** The service's client id (its name is looked up when the text is written). */
  client_id?: string;
  /** A time (ISO 8601): when the consent ends, or the day a digest covers. */
  time?: string;
  /** How many uses a digest counts. */
  count?: number;
}

/** Per kind: its title, its settings label and the dashboard page it links to. */
const KIND_TEXT = {
  request: { title: 'notify_request_title', setting: 'notify_kind_request', path: '/dashboard/requests' },
  other_pending: { title: 'notify_other_pending_title', setting: 'notify_kind_other_pending', path: '/dashboard/requests' },
  expiring: { title: 'notify_expiring_title', setting: 'notify_kind_expiring', path: '/dashboard/consents' },
  moved: { title: 'notify_moved_title', setting: 'notify_kind_moved', path: '/dashboard/move' },
  reads_digest: { title: 'notify_reads_digest_title', setting: 'notify_kind_reads_digest', path: '/dashboard/access' },
} as const satisfies Record<NotificationKind, { title: MessageKey; setting: MessageKey; path: string }>;

/** What a notification says in one language. */
export interface NotificationText {
  title: string;
  text: string;
  /** The dashboard path it links to. */
  path: string;
}

/** Names the text needs: the service's and this operator's, in the citizen's language. */
export interface TextNames {
  service: string;
  operator: string;
}

/** Whether an untrusted value (a form field) names a kind. */
export const isKind = (v: string): v is NotificationKind => (NOTIFICATION_KINDS as readonly string[]).includes(v);

/** The settings label of a kind. */
export const kindLabel = (kind: NotificationKind, locale: Locale): string => t(locale, KIND_TEXT[kind].setting);

/** The title, text and link of a notification in `locale`. */
export function notificationText(kind: NotificationKind, facts: NotificationFacts, names: TextNames, locale: Locale): NotificationText {
  const date = facts.time ? localDay(facts.time, locale) : '';
  const vars = { service: names.service, operator: names.operator, date };
  const text: Record<NotificationKind, () => string> = {
    request: () => t(locale, 'notify_request_text', vars),
    other_pending: () => t(locale, 'notify_other_pending_text', vars),
    expiring: () => t(locale, 'notify_expiring_text', vars),
    moved: () => t(locale, 'notify_moved_text', vars),
    reads_digest: () => tn(locale, 'notify_reads_digest_text', facts.count ?? 0),
  };
  return { title: t(locale, KIND_TEXT[kind].title, vars), text: text[kind](), path: KIND_TEXT[kind].path };
}

/** A mail's subject and plain-text body. */
export interface MailText {
  subject: string;
  body: string;
}

/** Removes what could end a header line or hide text: control and format characters, runs of spaces. */
export function oneLine(text: string, max = 200): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

/** The mail of a notification: its title as subject, its text, the link to the page and how to stop the mails. */
export function notificationMail(n: NotificationText, names: TextNames, dashboardUrl: string, locale: Locale): MailText {
  const link = `${dashboardUrl}${n.path}?lang=${locale}`;
  const settings = `${dashboardUrl}/dashboard/notifications?lang=${locale}`;
  const body = [n.text, '', `${t(locale, 'notify_open_dashboard')} ${link}`, '', '-- ', footer(names, settings, locale)].join('\n');
  return { subject: oneLine(n.title), body };
}

/** The mail that asks the citizen to confirm their address. */
export function confirmationMail(names: TextNames, confirmUrl: string, locale: Locale): MailText {
  const body = [t(locale, 'notify_confirm_text', { operator: names.operator }), '', confirmUrl].join('\n');
  return { subject: oneLine(t(locale, 'notify_confirm_title')), body };
}

const footer = (names: TextNames, url: string, locale: Locale) => t(locale, 'notify_footer', { operator: names.operator, url });
