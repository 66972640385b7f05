/**
 * Several operator instances on one PostgreSQL: each instance NOTIFYs the new feed position
 * after a consent change commits, and LISTENs for the others', replaying them on its own
 * ConsentService so every instance's consent feed hears every change. (SQLite has one
 * instance: nothing to share.)
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import type { Store } from '../../store/database.ts';
import type { ConsentService } from '../consent/consent.service.ts';

const CONSENT_CHANNEL = 'portti_consent_events';

/**
 * LISTENs for consent changes committed by other instances and replays them on the local
 * emitter. A lost connection (the database restarting, a failover) is re-established with
 * backoff (0.1 s doubling to 5 s); once listening again it wakes the feeds, which re-read
 * what they missed (their 2 s re-read covers the time in between).
 */
async function listenForConsentEvents(pool: pg.Pool, consents: ConsentService, log: FastifyBaseLogger) {
  let client: pg.PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 100;
  const connect = async (): Promise<void> => {
    const c = await pool.connect();
    c.on('notification', (msg) => {
      if (msg.channel === CONSENT_CHANNEL) consents.emit('event', Number(msg.payload));
    });
    c.on('error', (err) => lost(c, err));
    try {
      await c.query(`LISTEN ${CONSENT_CHANNEL}`);
    } catch (err) {
      c.release(err as Error);
      throw err;
    }
    client = c;
  };
  const reconnect = () => {
    retry = setTimeout(() => {
      retry = undefined;
      if (closed) return;
      connect().then(
        () => {
          delay = 100;
          log.info('consent notification listener re-established');
          consents.emit('event', 0);
        },
        () => {
          delay = Math.min(delay * 2, 5000);
          reconnect();
        },
      );
    }, delay);
    retry.unref();
  };
  const lost = (c: pg.PoolClient, err: Error) => {
    if (client !== c) return;
    client = undefined;
    c.release(err);
    log.warn({ err: err.message }, 'consent notification listener lost its connection; reconnecting (feeds re-read every 2 s meanwhile)');
    if (!closed) reconnect();
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (!c) return;
      await c.query(`UNLISTEN ${CONSENT_CHANNEL}`).catch(() => undefined);
      c.release();
    },
  };
}

/** Shares this instance's consent changes with the others on the same PostgreSQL; undefined on SQLite. */
export async function shareConsentEvents<DB>(
  store: Store<DB>,
  consents: ConsentService,
  log: FastifyBaseLogger,
): Promise<{ close(): Promise<void> } | undefined> {
  if (!store.pool) return undefined;
  const listener = await listenForConsentEvents(store.pool, consents, log);
  consents.on(
    'committed',
    (seq: number) => void sql`select pg_notify(${CONSENT_CHANNEL}, ${String(seq)})`.execute(store.db).catch(() => undefined),
  );
  return listener;
}
