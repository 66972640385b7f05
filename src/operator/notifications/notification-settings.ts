/**
 * A citizen's e-mail settings: the address they add on the dashboard (nothing comes from an
 * identity provider's claims), confirmed by a link mailed to it before anything else is
 * mailed there, and the kinds they tick (none ticked to begin with; the digest of reads too
 * is opt-in). The mails are written in the language of the dashboard when they saved.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { EMAIL_PATTERN } from '../../shared/mail/smtp.schema.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Locale } from '../../web/i18n.ts';
import type { MailSender } from './mail-sender.ts';
import { confirmationMail, isKind, type NotificationKind } from './notification-text.ts';
import { outboxRow } from './notifications.ts';
import { confirmAddress, queueMail, saveSettings, settingsOf } from './notifications.repository.ts';
import type { NotificationsDatabase } from './notifications.tables.ts';

/** How long a confirmation link works. */
const CONFIRM_TTL_MS = 24 * 3600 * 1000;
const EMAIL = new RegExp(EMAIL_PATTERN);

/** The settings as the dashboard shows them. */
export interface NotificationSettingsView {
  email: string | null;
  confirmed: boolean;
  kinds: NotificationKind[];
}

/** What the settings need. */
export interface NotificationSettingsOptions {
  db: Kysely<NotificationsDatabase>;
  operatorName: Record<Locale, string>;
  dashboardUrl: string;
  sender?: MailSender;
}

/** Refuses what is not one plain address (a line break would add headers: header injection). */
export function checkAddress(value: string): string {
  const address = value.trim();
  if (address.length > 254 || !EMAIL.test(address)) {
    throw new ProblemError(400, 'validation_failed', 'this is not an e-mail address notifications can be sent to');
  }
  return address;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Citizens' e-mail settings. */
export class NotificationSettings {
  private readonly o: NotificationSettingsOptions;

  constructor(options: NotificationSettingsOptions) {
    this.o = options;
  }

  /** The citizen's settings (no address and no kinds until they choose). */
  async view(accountId: string): Promise<NotificationSettingsView> {
    const row = await settingsOf(this.o.db, accountId);
    if (!row) return { email: null, confirmed: false, kinds: [] };
    return { email: row.email, confirmed: row.email_confirmed_at !== null, kinds: (JSON.parse(row.kinds) as string[]).filter(isKind) };
  }

  /**
   * Saves the address and kinds; a new address is unconfirmed until the link mailed to it is
   * opened (an empty address stops every mail). Unknown kinds are refused.
   */
  async save(accountId: string, input: { email: string; kinds: string[] }, locale: Locale, now = Date.now()): Promise<void> {
    const unknown = input.kinds.filter((k) => !isKind(k));
    if (unknown.length > 0) throw new ProblemError(400, 'validation_failed', `unknown notification kinds: ${unknown.join(', ')}`);
    const email = input.email.trim() === '' ? null : checkAddress(input.email);
    const before = await settingsOf(this.o.db, accountId);
    const same = before?.email === email;
    const token = email && !same ? randomBytes(32).toString('base64url') : undefined;
    const row = {
      account_id: accountId,
      email,
      email_confirmed_at: same ? (before?.email_confirmed_at ?? null) : null,
      confirm_token_hash: token ? sha256(token) : same ? (before?.confirm_token_hash ?? null) : null,
      confirm_expires_at: token ? now + CONFIRM_TTL_MS : same ? (before?.confirm_expires_at ?? null) : null,
      kinds: JSON.stringify([...new Set(input.kinds)]),
      language: locale,
      updated_at: now,
    };
    const names = { service: '', operator: this.o.operatorName[locale] };
    await this.o.db.transaction().execute(async (trx) => {
      await saveSettings(trx, row);
      if (!token || !email || !this.o.sender) return;
      const url = `${this.o.dashboardUrl}/dashboard/notifications/confirm?token=${token}&lang=${locale}`;
      await queueMail(trx, outboxRow(`confirm|${row.confirm_token_hash}`, accountId, email, confirmationMail(names, url, locale), now));
    });
    if (token) this.o.sender?.kick();
  }

  /** Confirms the address a link's token was mailed to; false for an unknown, used or expired token. */
  async confirm(token: string, now = Date.now()): Promise<boolean> {
    return (await confirmAddress(this.o.db, sha256(token), now)) !== undefined;
  }
}
