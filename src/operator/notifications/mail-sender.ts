/**
 * The outbox's sender: takes due mails and hands each to the SMTP server with nodemailer,
 * retried with exponential back-off while the server is down or refuses, marked sent only
 * once the server accepted it (at least once; the dedupe key keeps it one per event). A
 * claim with a short lease keeps two operator instances on one store from sending a mail
 * twice at the same time.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../../shared/config.schema.ts';
import { claimMail, dueMails, recordMailAttempt, type DueMail } from './notifications.repository.ts';
import type { NotificationsDatabase } from './notifications.tables.ts';

/** What one attempt hands the SMTP client. */
export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
}

/** Sends one mail; throws when the server did not accept it. */
export type MailTransport = (mail: OutgoingMail) => Promise<void>;

/** A line a header may hold: no CR, LF or other control character. */
const HEADER_SAFE = /^[^\p{Cc}\u2028\u2029]*$/u;

/** Refuses a header value that could end its line (header injection); the outbox stores only checked values. */
export function checkHeader(name: string, value: string): string {
  if (!HEADER_SAFE.test(value)) throw new Error(`${name} holds a control character`);
  return value;
}

/** A nodemailer SMTP transport from the `smtp` block: no file or URL access, bounded waits. */
export function smtpTransport(config: SmtpConfig): MailTransport {
  const transporter = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.require_tls,
    ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return async (mail) => {
    await transporter.sendMail({
      from: { name: checkHeader('from', mail.from.name), address: checkHeader('from', mail.from.address) },
      to: checkHeader('to', mail.to),
      subject: checkHeader('subject', mail.subject),
      text: mail.text,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  };
}

/** What the sender needs. */
export interface MailSenderOptions {
  db: Kysely<NotificationsDatabase>;
  transport: MailTransport;
  from: OutgoingMail['from'];
  maxAttempts: number;
  /** Back-off after the first failure (doubled each attempt, at most an hour). */
  retryBaseMs: number;
  log: FastifyBaseLogger;
  intervalMs?: number;
}

const LEASE_MS = 60_000;

/** Background sender of the outbox's due mails. */
export class MailSender {
  private readonly o: MailSenderOptions;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  constructor(options: MailSenderOptions) {
    this.o = options;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.intervalMs ?? 500);
  }

  /** Runs a pass now unless one is running (a new mail need not wait for the timer). */
  kick(): void {
    if (this.busy) return;
    this.busy = this.runOnce()
      .then(() => undefined)
      .catch((err: Error) => this.o.log.warn({ err: err.message }, 'mail run failed'))
      .finally(() => (this.busy = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
  }

  /** Attempts every due mail once; returns how many were sent. */
  async runOnce(now = Date.now()): Promise<number> {
    let sent = 0;
    for (const mail of await dueMails(this.o.db, now, 50)) {
      if (!(await claimMail(this.o.db, mail, now + LEASE_MS))) continue;
      if (await this.attempt(mail, now)) sent += 1;
    }
    return sent;
  }

  private async attempt(mail: DueMail, now: number): Promise<boolean> {
    let error: string | null = null;
    try {
      await this.o.transport({ from: this.o.from, to: mail.recipient, subject: mail.subject, text: mail.body });
    } catch (err) {
      error = (err as Error).message.slice(0, 500);
    }
    const attempts = mail.attempts + 1;
    const sent = error === null;
    await recordMailAttempt(this.o.db, mail.mail_id, {
      attempts,
      status: sent ? 'sent' : attempts >= this.o.maxAttempts ? 'failed' : 'pending',
      last_error: error,
      sent_at: sent ? Date.now() : null,
      next_attempt_at: now + Math.min(2 ** (attempts - 1) * this.o.retryBaseMs, 3_600_000),
    });
    if (!sent) this.o.log.info({ mail_id: mail.mail_id, attempts, err: error }, 'mail not accepted; retried later');
    return sent;
  }
}
