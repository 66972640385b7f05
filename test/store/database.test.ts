import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { durabilityShortfall, migrateToLatest, openStore, ping, type Store } from '../../src/store/database.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { operatorMigrations, type OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { loadSigningKeys, rotateSigningKey } from '../../src/store/keys.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

for (const dialect of dialectCases()) {
  describe(`store on ${dialect.name}`, () => {
    const opened: Store<unknown>[] = [];
    afterAll(async () => {
      for (const s of opened) {
        await s.close();
        await dropLocation(s.location);
      }
    });

    it('migrates both components and is idempotent', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      opened.push(store as Store<unknown>);
      const first = await migrateToLatest(store, operatorMigrations);
      expect(first).toEqual([
        '0001_initial',
        '0002_arrangements_and_moves',
        '0003_account_identifier_index',
        '0004_access_log_covering_index',
        '0005_access_log_source',
        '0006_witness',
        '0007_token_revocations',
        '0008_moved_history',
        '0009_notifications',
        '0010_registrations',
        '0011_service_identities',
        '0012_mandates',
      ]);
      expect(await migrateToLatest(store, operatorMigrations)).toEqual([]);
      await ping(store);
    });

    it('round-trips rows with 64-bit integers as numbers and enforces foreign keys', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      opened.push(store as Store<unknown>);
      await migrateToLatest(store, operatorMigrations);
      const now = Date.now();
      await store.db.insertInto('accounts').values({ account_id: 'a1', created_at: now, locale: 'fi', display_name: null }).execute();
      const row = await store.db.selectFrom('accounts').selectAll().where('account_id', '=', 'a1').executeTakeFirstOrThrow();
      expect(row.created_at).toBe(now);
      expect(typeof row.created_at).toBe('number');
      await expect(
        store.db
          .insertInto('identities')
          .values({
            iss: 'https://idp',
            sub: 's',
            account_id: 'missing',
            idp_id: 'x',
            acr: null,
            amr: null,
            linked_at: now,
            link_method: 'login',
            claims: '{}',
            preferred: 1,
          })
          .execute(),
      ).rejects.toThrow();
    });

    it('assigns increasing feed sequence numbers', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      opened.push(store as Store<unknown>);
      await migrateToLatest(store, operatorMigrations);
      const seqs: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const r = await store.db
          .insertInto('consent_events')
          .values({ record_id: 'r', source: 's', time: i, jws: 'x' })
          .returning('seq')
          .executeTakeFirstOrThrow();
        seqs.push(Number(r.seq));
      }
      expect(seqs[1]! - seqs[0]!).toBe(1);
      expect(seqs[2]! - seqs[1]!).toBe(1);
    });

    it('keeps signing keys: the newest signs, the retired stay published', async () => {
      const store = await openStore<GatewayDatabase>(dialect.location());
      opened.push(store as Store<unknown>);
      await migrateToLatest(store, gatewayMigrations);
      const first = await loadSigningKeys(store.db);
      expect(first).toHaveLength(1);
      const kid = await rotateSigningKey(store.db);
      const keys = await loadSigningKeys(store.db);
      expect(keys).toHaveLength(2);
      expect(keys[0]!.kid).toBe(kid);
      expect(keys[1]!.kid).toBe(first[0]!.kid);
      expect(keys[0]!.publicJwk.d).toBeUndefined();
    });

    it('syncs every commit by default and only when told not to, does not', async () => {
      // what each store reports back: SQLite's pragma (2 = FULL, 1 = NORMAL), PostgreSQL's setting
      const setting = async (store: Store<unknown>) =>
        store.dialect === 'sqlite'
          ? String((await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]!.synchronous)
          : (await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(store.db)).rows[0]!.value;
      const byDefault = await openStore<unknown>(dialect.location());
      const relaxed = await openStore<unknown>({ ...dialect.location(), durability: 'process_crash' });
      opened.push(byDefault, relaxed);
      expect(await setting(byDefault)).toBe(dialect.name === 'sqlite' ? '2' : 'on');
      expect(await setting(relaxed)).toBe(dialect.name === 'sqlite' ? '1' : 'off');
      // the local test server syncs: no warning (a server with fsync=off would be named)
      expect(await durabilityShortfall(byDefault)).toBeUndefined();
      expect(await durabilityShortfall(relaxed)).toBeUndefined();
    });
  });
}
