/**
 * The periodic part of notifications: consents ending within 14 days (found in windows that
 * move forward, so each sweep reads only records it has not seen; a restart looks again from
 * now, and the dedupe keys keep it one notice per end date), and once a day the digest of the
 * previous day's uses for the citizens who opted in. Tests pass `now` to move time.
 */
import type { ConsentState } from '../../core/consent.ts';
import { EXPIRY_NOTICE_MS, type Notifications } from './notifications.ts';

/** What the jobs read: records ending soon, who wants the digest, and how many uses a day had. */
export interface NotificationJobsOptions {
  notifications: Pick<Notifications, 'consentEnding' | 'readsDigest'>;
  endingBetween: (after: number, until: number, limit: number) => Promise<ConsentState[]>;
  digestAccounts: () => Promise<string[]>;
  /** Allowed uses of the account's data between two ISO times. */
  usesBetween: (accountId: string, from: string, to: string) => Promise<number>;
}

const BATCH = 100;
const DAY_MS = 24 * 3600 * 1000;

/** The sweeps, run by the operator's background timer. */
export class NotificationJobs {
  private readonly o: NotificationJobsOptions;
  /** End times up to here have been looked at. */
  private seenUntil: number | undefined;
  private lastDigest: string | undefined;

  constructor(options: NotificationJobsOptions) {
    this.o = options;
  }

  /** Runs both sweeps. */
  async sweep(now = Date.now()): Promise<void> {
    await this.ending(now);
    await this.digest(now);
  }

  /** Tells participants of consents that end within 14 days of `now`; returns how many records were looked at. */
  async ending(now = Date.now()): Promise<number> {
    const until = now + EXPIRY_NOTICE_MS;
    let after = Math.max(this.seenUntil ?? now, now);
    let seen = 0;
    for (;;) {
      const batch = await this.o.endingBetween(after, until, BATCH);
      for (const state of batch) await this.o.notifications.consentEnding(state, now);
      seen += batch.length;
      if (batch.length < BATCH) break;
      after = Math.max(...batch.map((s) => s.expires_at ?? after));
    }
    this.seenUntil = until;
    return seen;
  }

  /** Once a day: yesterday's (UTC) uses for each citizen who opted in to the digest. */
  async digest(now = Date.now()): Promise<void> {
    const day = new Date(now - DAY_MS).toISOString().slice(0, 10);
    if (this.lastDigest === day) return;
    for (const accountId of await this.o.digestAccounts()) {
      const count = await this.o.usesBetween(accountId, `${day}T00:00:00.000Z`, `${day}T23:59:59.999Z`);
      await this.o.notifications.readsDigest(accountId, day, count, now);
    }
    this.lastDigest = day;
  }
}
