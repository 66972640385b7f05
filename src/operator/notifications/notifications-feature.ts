/**
 * The notifications feature put together for the operator's composition root: the outbox's
 * sender when the configuration has an `smtp` block, the notifications and settings, the
 * periodic jobs, and the consent lifecycle's events wired to them.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { ConsentState } from '../../core/consent.ts';
import type { OperatorConfig } from '../../shared/config.schema.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import { MailSender, smtpTransport, type MailTransport } from './mail-sender.ts';
import { NotificationJobs } from './notification-jobs.ts';
import { NotificationSettings } from './notification-settings.ts';
import { Notifications } from './notifications.ts';
import { confirmedFor, forgetAccount, mailsOf, pruneMails } from './notifications.repository.ts';
import type { NotificationsDatabase } from './notifications.tables.ts';

/** How long the outbox keeps a mail once sent or given up on. */
const MAIL_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** What the feature is built from. */
export interface NotificationsFeatureOptions {
  db: Kysely<NotificationsDatabase>;
  config: OperatorConfig;
  issuer: string;
  accounts: Accounts;
  registry: { service: (clientId: string) => Promise<{ definition: unknown } | undefined> };
  consents: ConsentService;
  /** Allowed uses of an account's data between two ISO times (for the digest). */
  usesBetween: (accountId: string, from: string, to: string) => Promise<number>;
  log: FastifyBaseLogger;
  /** Replaces the SMTP transport (tests); the `smtp` block still decides whether anything is mailed. */
  transport?: MailTransport;
  /** How often the sender looks at the outbox (default 500 ms). */
  mailIntervalMs?: number;
}

/** The built feature and its background work. */
export interface NotificationsFeature {
  notifications: Notifications;
  settings: NotificationSettings;
  jobs: NotificationJobs;
  sender: MailSender | undefined;
  /** The outbox rows of an account (tests look at retries). */
  mailsOf(accountId: string): ReturnType<typeof mailsOf>;
  /** Deletes what is kept for an erased account. */
  forget(accountId: string): Promise<void>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

/** Builds the notifications and wires the consent events to them. */
export function createNotificationsFeature(o: NotificationsFeatureOptions): NotificationsFeature {
  const { db, config, log } = o;
  const smtp = config.smtp;
  const sender = smtp
    ? new MailSender({
        db,
        transport: o.transport ?? smtpTransport(smtp),
        from: { name: smtp.from.name ?? config.display_name.en, address: smtp.from.address },
        maxAttempts: smtp.max_attempts,
        retryBaseMs: smtp.retry_base_ms,
        log,
        ...(o.mailIntervalMs ? { intervalMs: o.mailIntervalMs } : {}),
      })
    : undefined;
  const base = { db, operatorName: config.display_name, dashboardUrl: (smtp?.dashboard_url ?? o.issuer).replace(/\/$/, '') };
  const notifications = new Notifications({ ...base, accounts: o.accounts, service: (id) => o.registry.service(id), sender });
  const settings = new NotificationSettings({ ...base, sender });
  const jobs = new NotificationJobs({
    notifications,
    endingBetween: (after, until, limit) => o.consents.endingBetween(after, until, limit),
    digestAccounts: async () => (await confirmedFor(db, 'reads_digest')).map((r) => r.account_id),
    usesBetween: o.usesBetween,
  });
  const failed = (what: string) => (err: Error) => log.warn({ err: err.message }, `${what} notification failed`);
  o.consents.on('filed', (state: ConsentState) => void notifications.requestFiled(state).catch(failed('request')));
  o.consents.on('changed', (state: ConsentState) => void notifications.recordChanged(state).catch(failed('change')));
  let timer: NodeJS.Timeout | undefined;
  return {
    notifications,
    settings,
    jobs,
    sender,
    mailsOf: (accountId) => mailsOf(db, accountId),
    forget: (accountId) => forgetAccount(db, accountId),
    start(intervalMs = 60_000) {
      sender?.start();
      const run = async () => (await jobs.sweep(), await pruneMails(db, Date.now() - MAIL_RETENTION_MS));
      const sweep = () => void run().catch((err: Error) => log.warn({ err: err.message }, 'notification sweep failed'));
      timer = setInterval(sweep, intervalMs);
      timer.unref();
      sweep();
    },
    async stop() {
      clearInterval(timer);
      await sender?.stop();
    },
  };
}
