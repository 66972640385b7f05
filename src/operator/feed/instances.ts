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

/** LISTENs for consent changes committed by other instances and replays them on the local emitter. */
async function listenForConsentEvents(pool: pg.Pool, consents: ConsentService, log: FastifyBaseLogger) {
  const client = await pool.connect();
  client.on('notification', (msg) => {
    if (msg.channel === CONSENT_CHANNEL) consents.emit('event', Number(msg.payload));
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'consent notification listener failed; feeds fall back to their 2 s re-read'));
  await client.query(`LISTEN ${CONSENT_CHANNEL}`);
  return {
    async close() {
      await client.query(`UNLISTEN ${CONSENT_CHANNEL}`).catch(() => undefined);
      client.release();
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
