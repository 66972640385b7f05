/**
 * The operators as witnesses of a running gateway's log, attacked: both cosign the gateway's
 * checkpoints; a validly signed checkpoint that is smaller than the one held, or that forks the
 * tree, is refused with an alarm (metric, /readyz warning); and with the gateway stopped and its
 * store rolled back to an older state, or rewritten and re-signed, the check `portti audit verify`
 * makes (the witnesses' cosigned checkpoints against the store) fails with one sentence.
 */
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog, type AccessRecordInput } from '../../src/audit/access-log.ts';
import { logVerifiers } from '../../src/audit/log-origin.ts';
import { verifyLog } from '../../src/audit/log-verify.ts';
import { signCheckpoint } from '../../src/audit/tlog/checkpoint.ts';
import { MemoryTree } from '../../src/audit/tlog/merkle-tree.ts';
import { ecdsaSigner } from '../../src/audit/tlog/note-keys.ts';
import { formatAddCheckpoint } from '../../src/audit/tlog/witness.ts';
import { askWitnesses } from '../../src/cli/witnesses.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { OperatorClient } from '../../src/gateway/operators/operator-client.ts';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { loadSigningKeys, publicJwks } from '../../src/store/keys.ts';
import { dialectCases } from '../helpers/stores.ts';
import { startWorld, type World } from '../helpers/world.ts';

const record = (i: number, iss: string): AccessRecordInput => ({
  iss,
  client_id: 'svc',
  consent_record_id: null,
  source: 'https://elsewhere.example/sources/x',
  operation: 'income',
  datatypes_released: [],
  purpose: null,
  outcome: 'refused',
  status: 403,
  reason: 'consent_missing',
  subject_ref: `s${i}`,
});

for (const dialect of dialectCases()) {
  describe(`operators witness a gateway's log (${dialect.name})`, () => {
    let world: World;
    const locations = new Map<string, StoreLocation>();
    let origin: string;
    const witnessSize = async (issuer: string) => {
      const res = await fetch(`${issuer}/witness/checkpoints?origin=${encodeURIComponent(origin)}`);
      return res.ok ? Number((await res.text()).split('\n')[1]) : 0;
    };
    /** Appends `n` records, signs, and has both operators cosign; returns the size. */
    const grow = async (n: number) => {
      const log = world.gateway.accessLog;
      for (let i = 0; i < n; i += 1) await log.append(record(i, world.issuers.a));
      await log.checkpoint();
      await world.gateway.reporter.runOnce();
      return log.size;
    };

    beforeAll(async () => {
      const location = (name: string) => {
        const l = locations.get(name) ?? dialect.location();
        locations.set(name, l);
        return l;
      };
      world = await startWorld({ location });
      origin = world.gateway.accessLog.origin;
    });
    afterAll(async () => world?.close());

    it('both operators cosign each new checkpoint, with a consistency proof from the last', async () => {
      const first = await grow(12);
      expect(await witnessSize(world.issuers.a)).toBe(first);
      expect(await witnessSize(world.issuers.b)).toBe(first);
      const second = await grow(9);
      expect(await witnessSize(world.issuers.a)).toBe(second);
      expect(await witnessSize(world.issuers.b)).toBe(second);
      const key = await (await fetch(`${world.issuers.a}/witness/key`)).text();
      expect(key).toMatch(/^127\.0\.0\.1:\d+\/witness\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\n$/);
    });

    it('refuses a smaller and a forked checkpoint signed with the gateway key, and raises the alarm', async () => {
      const held = await witnessSize(world.issuers.a);
      const jwk = world.gateway.keys()[0]!.privateJwk as JsonWebKey;
      const signer = ecdsaSigner(origin, createPrivateKey({ key: jwk, format: 'jwk' }));
      const forged = new MemoryTree();
      for (let i = 0; i <= held; i += 1) forged.append(new TextEncoder().encode(`forged ${i}`));
      const client = new OperatorClient(world.gateway.directory);
      const offer = (size: number, oldSize: number) =>
        client.call(world.issuers.a, 'witness_add_checkpoint_endpoint', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: formatAddCheckpoint({
            oldSize,
            proof: oldSize === 0 ? [] : forged.consistencyProof(oldSize, size),
            checkpoint: signCheckpoint({ origin, size, rootHash: forged.rootAt(size), extensions: [] }, [signer]),
          }),
          signal: AbortSignal.timeout(5000),
        });
      const fork = await offer(held + 1, held);
      expect(fork.status).toBe(422);
      expect(await fork.text()).toMatch(/consistency proof from \d+ to \d+ does not verify/);
      const smaller = await offer(held - 1, held - 2);
      expect(smaller.status).toBe(409);
      expect(await smaller.text()).toBe(`${held}\n`);
      expect(await witnessSize(world.issuers.a)).toBe(held);
      const metrics = await (await fetch(`${world.issuers.a}/metrics`)).text();
      expect(metrics).toMatch(/portti_witness_refusals_total\{reason="inconsistent"[^}]*\} 1/);
      expect(metrics).toMatch(/portti_witness_refusals_total\{reason="smaller"[^}]*\} 1/);
      const ready = (await (await fetch(`${world.issuers.a}/readyz`)).json()) as { status: string; warnings?: { witness?: string } };
      expect(ready.status).toBe('ready');
      expect(ready.warnings?.witness).toContain(origin);
    });

    describe('with the gateway stopped and its store in an attacker’s hands', () => {
      let store: Store<GatewayDatabase>;
      let keys: ReturnType<typeof logVerifiers>;
      const check = async () => {
        const view = await askWitnesses([world.issuers.a, world.issuers.b], origin, keys);
        expect(view.unreachable).toEqual(new Map());
        return verifyLog(store.db, world.gateway.accessLog.chain, keys, view.checkpoints);
      };

      beforeAll(async () => {
        await world.gateway.close();
        store = await openStore<GatewayDatabase>(locations.get('gateway')!);
        await migrateToLatest(store, gatewayMigrations);
        keys = logVerifiers(publicJwks(await loadSigningKeys(store.db)), origin);
      });
      afterAll(async () => store?.close());

      it('the intact store extends both witnesses', async () => {
        const v = await check();
        expect(v).toMatchObject({ ok: true, records: 21 });
        expect(v.witnessed.map((w) => w.size)).toEqual([21, 21]);
      });

      it('a rollback to an older state (records, checkpoints and cosignatures alike) is a cut tail', async () => {
        const saved = await store.db.selectFrom('access_records').selectAll().where('seq', '>', 12).execute();
        const cps = await store.db.selectFrom('log_checkpoints').selectAll().where('size', '>', 12).execute();
        await store.db.deleteFrom('access_records').where('seq', '>', 12).execute();
        await store.db.deleteFrom('log_checkpoints').where('size', '>', 12).execute();
        await store.db.deleteFrom('log_cosignatures').execute();
        const v = await check();
        expect(v.ok).toBe(false);
        expect(v.failure?.message).toMatch(/the log has 12 records but its witnesses cosigned 21: the last 9 are missing/);
        await store.db.insertInto('access_records').values(saved).execute();
        await store.db.insertInto('log_checkpoints').values(cps).execute();
        expect((await check()).ok).toBe(true);
      });

      it('a log rewritten from record 5 on and re-signed with the key in the store is a fork', async () => {
        const rows = await store.db.selectFrom('access_records').selectAll().orderBy('seq').execute();
        await store.db.deleteFrom('access_records').where('seq', '>=', 5).execute();
        await store.db.deleteFrom('log_checkpoints').execute();
        const signing = await loadSigningKeys(store.db);
        const forged = new AccessLog({ db: store.db, chain: world.gateway.accessLog.chain, origin, signingKey: () => signing[0]! });
        await forged.open();
        for (const r of rows.slice(4)) await forged.append({ ...(JSON.parse(r.body) as AccessRecordInput), reason: 'rewritten' });
        await forged.flush();
        const v = await check();
        expect(v.failure?.reason).toBe('fork');
        expect(v.failure?.message).toContain('do not have the root the witnesses cosigned: the log was changed or forked');
      });
    });
  });
}
