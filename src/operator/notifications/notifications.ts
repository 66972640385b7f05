/**
 * Notifications to citizens: what happened to them (a new request naming them, a request
 * another participant decided that now waits for them, a consent ending within 14 days, a
 * move completed, and an opt-in daily digest of the uses of their data), listed on the
 * dashboard and, for the kinds they ticked, mailed to the address they confirmed. Each
 * event is one notification and at most one mail (dedupe keys), stored in one transaction
 * with its mail in the outbox, so a mail is not lost while the SMTP server is down.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { activators, type ConsentState, type Party } from '../../core/consent.ts';
import { isLocale, type Locale } from '../../web/i18n.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { MailSender } from './mail-sender.ts';
import { notificationMail, notificationText, type NotificationFacts, type NotificationKind, type TextNames } from './notification-text.ts';
import { insertNotification, markAllRead, notificationsOf, queueMail, settingsOf, unreadCount } from './notifications.repository.ts';
import type { NotificationsDatabase } from './notifications.tables.ts';

/** How long before a consent ends its participants are told. */
export const EXPIRY_NOTICE_MS = 14 * 24 * 3600 * 1000;

/** What the notifications need from the rest of the operator. */
export interface NotificationsOptions {
  db: Kysely<NotificationsDatabase>;
  accounts: Pick<Accounts, 'ownerOf'>;
  /** A service's registered definition (its name in each language). */
  service: (clientId: string) => Promise<{ definition: unknown } | undefined>;
  operatorName: Record<Locale, string>;
  /** Where links in mails point: the operator's public URL. */
  dashboardUrl: string;
  /** The outbox's sender; without one (no `smtp` block) nothing is mailed. */
  sender?: MailSender;
}

/** One notification as the dashboard shows it. */
export interface NotificationView {
  id: string;
  kind: NotificationKind;
  title: string;
  text: string;
  path: string;
  time: string;
  unread: boolean;
}

/** An event for one citizen. */
interface Event {
  accountId: string;
  kind: NotificationKind;
  /** What makes the event one (with the kind and the account, the dedupe key). */
  key: string;
  recordId?: string;
  facts: NotificationFacts;
}

/** The citizens' notifications of one operator. */
export class Notifications {
  private readonly o: NotificationsOptions;

  constructor(options: NotificationsOptions) {
    this.o = options;
  }

  /** Whether this operator mails notifications (it has an `smtp` block). */
  get mails(): boolean {
    return this.o.sender !== undefined;
  }

  /** A service filed a request: each participant it waits for, who has an account here, is told. */
  async requestFiled(state: ConsentState, now = Date.now()): Promise<void> {
    if (state.status !== 'pending') return;
    const waiting = activators(state).filter((p) => p.status === 'pending');
    await this.toParties(waiting, (accountId) => ({ accountId, kind: 'request', ...about(state), facts: facts(state) }), now);
  }

  /** A participant decided and the record still waits: those it waits for are told. */
  async recordChanged(state: ConsentState, now = Date.now()): Promise<void> {
    if (state.status === 'active') return this.consentEnding(state, now); // a short validity ends within the notice period
    const parties = activators(state);
    if (state.status !== 'pending' || !parties.some((p) => p.status === 'approved')) return;
    const waiting = parties.filter((p) => p.status === 'pending');
    await this.toParties(waiting, (accountId) => ({ accountId, kind: 'other_pending', ...about(state), facts: facts(state) }), now);
  }

  /** A consent ends within {@link EXPIRY_NOTICE_MS}: the participants who gave it are told, once per end date. */
  async consentEnding(state: ConsentState, now = Date.now()): Promise<void> {
    const end = state.expires_at;
    if (state.status !== 'active' || end === null || end <= now || end - now > EXPIRY_NOTICE_MS) return;
    const gave = activators(state).filter((p) => p.status === 'approved');
    const time = new Date(end).toISOString();
    const key = `${state.record_id}|${end}`;
    await this.toParties(
      gave,
      (accountId) => ({ accountId, kind: 'expiring', recordId: state.record_id, key, facts: { ...facts(state), time } }),
      now,
    );
  }

  /** The citizen's move here completed. */
  async moveCompleted(accountId: string, moveId: string, now = Date.now()): Promise<void> {
    await this.notify({ accountId, kind: 'moved', key: moveId, facts: {} }, now);
  }

  /** The citizen's digest of a day's uses of their data (only for those who opted in; none for a day without uses). */
  async readsDigest(accountId: string, day: string, count: number, now = Date.now()): Promise<void> {
    if (count > 0) await this.notify({ accountId, kind: 'reads_digest', key: day, facts: { time: `${day}T12:00:00Z`, count } }, now);
  }

  /** The citizen's newest notifications in `locale`. */
  async list(accountId: string, locale: Locale): Promise<NotificationView[]> {
    const rows = await notificationsOf(this.o.db, accountId);
    const out: NotificationView[] = [];
    for (const r of rows) {
      const kind = r.kind as NotificationKind;
      const f = JSON.parse(r.data) as NotificationFacts;
      const text = notificationText(kind, f, await this.names(f, locale), locale);
      out.push({ id: r.notification_id, kind, ...text, time: new Date(r.created_at).toISOString(), unread: r.read_at === null });
    }
    return out;
  }

  /** How many of the citizen's notifications are unread. */
  unread(accountId: string): Promise<number> {
    return unreadCount(this.o.db, accountId);
  }

  /** Marks the citizen's notifications read. */
  markRead(accountId: string, now = Date.now()): Promise<void> {
    return markAllRead(this.o.db, accountId, now);
  }

  /** The names a text needs, in `locale`. */
  async names(f: NotificationFacts, locale: Locale): Promise<TextNames> {
    const definition = f.client_id ? ((await this.o.service(f.client_id))?.definition as ServiceDefinition | undefined) : undefined;
    return { service: definition?.name[locale] ?? f.client_id ?? '', operator: this.o.operatorName[locale] };
  }

  /** One event for each party's account (a party without an account here is told nothing: no address is known). */
  private async toParties(parties: Party[], event: (accountId: string) => Event, now: number): Promise<void> {
    const accounts = new Set<string>();
    for (const p of parties) {
      const accountId = p.account_id ?? (await this.o.accounts.ownerOf(p.identifier_type, p.identifier));
      if (accountId) accounts.add(accountId);
    }
    for (const accountId of accounts) await this.notify(event(accountId), now);
  }

  /** Stores the event's notification and, when the citizen asked for this kind by mail, its mail; both once. */
  private async notify(e: Event, now: number): Promise<void> {
    const settings = await settingsOf(this.o.db, e.accountId);
    const locale: Locale = isLocale(settings?.language) ? settings.language : 'fi';
    const mailTo =
      this.o.sender && settings?.email && settings.email_confirmed_at !== null && (JSON.parse(settings.kinds) as string[]).includes(e.kind)
        ? settings.email
        : undefined;
    const names = await this.names(e.facts, locale);
    const dedupe = `${e.kind}|${e.key}|${e.accountId}`;
    const queued = await this.o.db.transaction().execute(async (trx) => {
      const row = { notification_id: randomUUID(), account_id: e.accountId, kind: e.kind, record_id: e.recordId ?? null };
      const fresh = await insertNotification(trx, { ...row, dedupe_key: dedupe, data: JSON.stringify(e.facts), created_at: now });
      if (!fresh || !mailTo) return false;
      const mail = notificationMail(notificationText(e.kind, e.facts, names, locale), names, this.o.dashboardUrl, locale);
      await queueMail(trx, outboxRow(dedupe, e.accountId, mailTo, mail, Date.now())); // due now by the sender's clock
      return true;
    });
    if (queued) this.o.sender?.kick();
  }
}

/** The facts of a record every kind about it shows: its service. */
const facts = (state: ConsentState): NotificationFacts => ({ client_id: state.client_id });

/** The key and record of an event about a record. */
const about = (state: ConsentState) => ({ key: state.record_id, recordId: state.record_id });

/** A new outbox row, due now. */
export function outboxRow(dedupe: string, accountId: string, recipient: string, mail: { subject: string; body: string }, now: number) {
  return {
    mail_id: randomUUID(),
    dedupe_key: dedupe,
    account_id: accountId,
    recipient,
    subject: mail.subject,
    body: mail.body,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
    sent_at: null,
  };
}
