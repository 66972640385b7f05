/**
 * The gateway's persistent state on both dialects: the consent replica and its feed
 * cursor survive a restart; the access log continues its chain after a restart.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessLog } from '../../src/audit/access-log.ts';
import { verifyLog } from '../../src/audit/log-verify.ts';
import { logVerifiers } from '../../src/audit/log-origin.ts';
import type { ConsentEvent } from '../../src/core/consent-feed.ts';
import { ConsentReplica } from '../../src/gateway/consent/consent-replica.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { loadSigningKeys, publicJwks } from '../../src/store/keys.ts';
import { StoreReplayCache } from '../../src/gateway/token/store-replay-cache.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

const event = (seq: number, status: ConsentEvent['status']): ConsentEvent => ({
  typ: 'consent-state',
  iss: 'https://op',
  seq,
  record_id: 'urn:uuid:r1',
  client_id: 'svc',
  source: 'https://gw/sources/s',
  status,
  subjects: [{ ref: 'p1', identifier_type: 'fi_hetu', identifier: '010188-9028', datatypes: ['annual_income'] }],
  purpose: 'https://w3id.org/dpv#ServiceProvision',
  legal_basis: null,
  expires_at: null,
  updated_at: 1,
});

for (const dialect of dialectCases()) {
  describe(`gateway state on ${dialect.name}`, () => {
    const locations: StoreLocation[] = [];
    afterAll(async () => {
      for (const l of locations) await dropLocation(l);
    });
    const open = async (location: StoreLocation) => {
      const store = await openStore<GatewayDatabase>(location);
      await migrateToLatest(store, gatewayMigrations);
      return store;
    };

    it('keeps the replica and the cursor across a restart and ignores older events', async () => {
      const location = dialect.location();
      locations.push(location);
      let store: Store<GatewayDatabase> = await open(location);
      const replica = new ConsentReplica(store.db);
      await replica.apply(event(3, 'active'), '3');
      await replica.apply(event(2, 'withdrawn'), '2'); // a repeated older event must not win
      expect(replica.get('https://op', 'urn:uuid:r1', 'https://gw/sources/s')?.status).toBe('active');
      await store.close();
      store = await open(location);
      const again = new ConsentReplica(store.db);
      await again.load();
      expect(again.get('https://op', 'urn:uuid:r1', 'https://gw/sources/s')).toMatchObject({
        status: 'active',
        client_id: 'svc',
        event_seq: 3,
      });
      // the stored cursor only moves forward (instances sharing a store never move it back)
      expect(again.cursor('https://op')).toBe('3');
      await again.apply(event(4, 'withdrawn'), '4');
      expect(again.get('https://op', 'urn:uuid:r1', 'https://gw/sources/s')?.status).toBe('withdrawn');
      await store.close();
    });

    it('does not lose an applied event whose save failed: the feed resumes with it and the store then has it', async () => {
      const location = dialect.location();
      locations.push(location);
      let store: Store<GatewayDatabase> = await open(location);
      const replica = new ConsentReplica(store.db);
      // the feed as the gateway reads it: after a failure it reconnects from the replica's cursor
      const other = { ...event(7, 'active'), record_id: 'urn:uuid:r2' };
      const feed: Array<[ConsentEvent, string]> = [
        [event(5, 'active'), '5'],
        [event(6, 'withdrawn'), '6'],
        [other, '7'],
      ];
      const resume = async () => {
        for (const [e, id] of feed) if (Number(id) > Number(replica.cursor('https://op') ?? 0)) await replica.apply(e, id);
      };
      await replica.apply(...feed[0]!);
      // the store goes away while the withdrawal is applied (here: its table, for one event)
      await sql`alter table replica_consents rename to replica_consents_away`.execute(store.db);
      await expect(replica.apply(...feed[1]!)).rejects.toThrow();
      await sql`alter table replica_consents_away rename to replica_consents`.execute(store.db);
      // memory refuses at once; the feed resumes, and later events are stored too
      expect(replica.get('https://op', 'urn:uuid:r1', 'https://gw/sources/s')?.status).toBe('withdrawn');
      await resume();
      await store.close();
      // after a restart the withdrawal is there, not the older state under a newer cursor
      store = await open(location);
      const again = new ConsentReplica(store.db);
      await again.load();
      expect(again.cursor('https://op')).toBe('7');
      expect(again.get('https://op', 'urn:uuid:r1', 'https://gw/sources/s')?.status).toBe('withdrawn');
      await store.close();
    });

    it('continues the access-log tree after a restart and verifies', async () => {
      const location = dialect.location();
      locations.push(location);
      const input = {
        iss: 'https://op',
        client_id: 'svc',
        consent_record_id: 'urn:uuid:r1',
        source: 's',
        operation: 'o',
        datatypes_released: ['a'],
        purpose: null,
        outcome: 'allowed' as const,
        status: 200,
        reason: null,
        subject_ref: null,
      };
      for (let round = 0; round < 2; round += 1) {
        const store = await open(location);
        const keys = await loadSigningKeys(store.db);
        const log = new AccessLog({ db: store.db, chain: 'gw/main', origin: 'gw.test/portti/log/gw/main', signingKey: () => keys[0]! });
        await log.open();
        await Promise.all(Array.from({ length: 5 }, () => log.append(input)));
        await log.flush();
        await store.close();
      }
      const store = await open(location);
      const keys = logVerifiers(publicJwks(await loadSigningKeys(store.db)), 'gw.test/portti/log/gw/main');
      // the tree resumed where it stopped; each shutdown signed a checkpoint
      expect(await verifyLog(store.db, 'gw/main', keys)).toEqual({
        chain: 'gw/main',
        ok: true,
        records: 10,
        checkpoints: 2,
        witnessed: [],
      });
      await store.close();
    });
  });
}

for (const dialect of dialectCases()) {
  describe(`DPoP replay cache in the store on ${dialect.name}`, () => {
    it('refuses a proof id any instance has seen, until it expires', async () => {
      const location = dialect.location();
      const one = await openStore<GatewayDatabase>(location);
      await migrateToLatest(one, gatewayMigrations);
      const two = await openStore<GatewayDatabase>(location);
      const a = new StoreReplayCache(one.db);
      const b = new StoreReplayCache(two.db);
      const now = Date.now();
      expect(await a.firstUse('jkt:jti-1', now + 60_000, now)).toBe(true);
      expect(await b.firstUse('jkt:jti-1', now + 60_000, now)).toBe(false);
      expect(await a.firstUse('jkt:jti-1', now + 60_000, now)).toBe(false);
      expect(await b.firstUse('jkt:jti-2', now + 60_000, now)).toBe(true);
      // after expiry the id may be taken again (the proof itself would be too old by then)
      expect(await b.firstUse('jkt:jti-1', now + 200_000, now + 120_000)).toBe(true);
      a.close();
      b.close();
      await one.close();
      await two.close();
      await dropLocation(location);
    });
  });
}
