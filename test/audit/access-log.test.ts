/**
 * The access log as an auditor attacks it, on every dialect: a tree that resumes after restarts,
 * checkpoints signed on the interval, proofs that verify, and `verifyLog` naming a modified,
 * deleted, reordered or cut-off record, a rollback to an older copy and a fork, with and without
 * a witness's checkpoint.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AccessLog, type AccessRecordInput } from '../../src/audit/access-log.ts';
import { recordLeafHash } from '../../src/audit/access-record.ts';
import { logVerifiers } from '../../src/audit/log-origin.ts';
import { verifyLog, type WitnessedCheckpoint } from '../../src/audit/log-verify.ts';
import { openCheckpoint } from '../../src/audit/tlog/checkpoint.ts';
import { verifyConsistency, verifyInclusion } from '../../src/audit/tlog/merkle.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { loadSigningKeys, publicJwks } from '../../src/store/keys.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

const ORIGIN = 'gw.test/portti/log/gw/main';
const input = (i: number): AccessRecordInput => ({
  iss: 'https://op',
  client_id: 'svc',
  consent_record_id: `urn:uuid:r${i % 3}`,
  source: 'https://gw.test/sources/incomes',
  operation: 'income',
  datatypes_released: ['annual_income'],
  purpose: 'daycare-fee',
  outcome: 'allowed',
  status: 200,
  reason: null,
  subject_ref: `s${i}`,
});

for (const dialect of dialectCases()) {
  describe(`access log (Merkle tree) on ${dialect.name}`, () => {
    const stores: Store<GatewayDatabase>[] = [];
    afterAll(async () => {
      for (const s of stores) {
        await s.close();
        await dropLocation(s.location);
      }
    });

    /** A store with `n` records appended and checkpoints signed at the sizes in `signAt` (and at the end). */
    async function logWith(n: number, signAt: number[] = [], location: StoreLocation = dialect.location()) {
      const store = await openStore<GatewayDatabase>(location);
      stores.push(store);
      await migrateToLatest(store, gatewayMigrations);
      const keys = await loadSigningKeys(store.db);
      const log = new AccessLog({ db: store.db, chain: 'gw/main', origin: ORIGIN, signingKey: () => keys[0]! });
      await log.open();
      for (let i = log.size; i < n; i += 1) {
        await log.append(input(i));
        if (signAt.includes(i + 1)) await log.checkpoint();
      }
      await log.flush();
      return { store, log, verifiers: logVerifiers(publicJwks(keys), ORIGIN) };
    }
    const verify = (s: Awaited<ReturnType<typeof logWith>>, witnessed: WitnessedCheckpoint[] = []) =>
      verifyLog(s.store.db, 'gw/main', s.verifiers, witnessed);
    const witnessedAt = (s: Awaited<ReturnType<typeof logWith>>): WitnessedCheckpoint => ({
      witness: 'https://op',
      checkpoint: openCheckpoint(s.log.latestCheckpoint()!.note, s.verifiers).checkpoint,
    });

    it('proves inclusion of every record and consistency between checkpoints', async () => {
      const s = await logWith(37, [20]);
      const cp = openCheckpoint(s.log.latestCheckpoint()!.note, s.verifiers).checkpoint;
      expect(cp.size).toBe(37);
      const rows = await s.store.db.selectFrom('access_records').select(['seq', 'body']).orderBy('seq').execute();
      const proofs = await s.log.tree.inclusions(
        rows.map((r) => r.seq - 1),
        37,
      );
      rows.forEach((r, i) => expect(verifyInclusion(r.seq - 1, 37, recordLeafHash(r.body), proofs[i]!, cp.rootHash)).toBe(true));
      const root20 = await s.log.tree.rootAt(20);
      expect(verifyConsistency(20, 37, await s.log.tree.consistency(20, 37), root20, cp.rootHash)).toBe(true);
      expect(await verify(s)).toMatchObject({ ok: true, records: 37, checkpoints: 2 });
    });

    it('resumes the tree after a restart with the same roots', async () => {
      const location = dialect.location();
      await logWith(5, [], location);
      const again = await logWith(12, [], location);
      expect(await verify(again)).toMatchObject({ ok: true, records: 12, checkpoints: 2 });
    });

    it('names a modified, a deleted and a reordered record', async () => {
      const s = await logWith(10);
      const db = s.store.db;
      const body = (await db.selectFrom('access_records').select('body').where('seq', '=', 3).executeTakeFirstOrThrow()).body;
      await db
        .updateTable('access_records')
        .set({ body: body.replace('"allowed"', '"refused"') })
        .where('seq', '=', 3)
        .execute();
      expect((await verify(s)).failure).toMatchObject({ reason: 'modified', seq: 3 });
      await db.updateTable('access_records').set({ body }).where('seq', '=', 3).execute();

      const six = await db.selectFrom('access_records').selectAll().where('seq', '=', 6).executeTakeFirstOrThrow();
      await db.deleteFrom('access_records').where('seq', '=', 6).execute();
      expect((await verify(s)).failure).toMatchObject({
        reason: 'deleted',
        seq: 6,
        message: 'records 6–6 of gw/main are missing (1 deleted)',
      });
      await db.insertInto('access_records').values(six).execute();

      await db.updateTable('access_records').set({ seq: 99 }).where('seq', '=', 4).execute();
      await db.updateTable('access_records').set({ seq: 4 }).where('seq', '=', 5).execute();
      await db.updateTable('access_records').set({ seq: 5 }).where('seq', '=', 99).execute();
      expect((await verify(s)).failure).toMatchObject({ reason: 'reordered', seq: 4 });
    });

    it('catches a cut tail by the last signed checkpoint, and by the witness when the checkpoints went too', async () => {
      const s = await logWith(651, [600]);
      const witnessed = witnessedAt(s);
      await s.store.db.deleteFrom('access_records').where('seq', '>', 600).execute();
      const cut = await verify(s);
      expect(cut.failure?.reason).toBe('cut_tail');
      expect(cut.failure?.message).toBe('the log of gw/main has 600 records but signed a checkpoint at 651: the last 51 are missing');
      // whoever can write the database can delete the checkpoints too; the witness still holds 651
      await s.store.db.deleteFrom('log_checkpoints').where('size', '>', 600).execute();
      expect(await verify(s)).toMatchObject({ ok: true, records: 600 });
      const witnessedCut = await verify(s, [witnessed]);
      expect(witnessedCut.ok).toBe(false);
      expect(witnessedCut.failure?.message).toBe(
        'https://op: the log has 600 records but its witnesses cosigned 651: the last 51 are missing',
      );
    });

    it('catches the last 2 of 10 records cut with their checkpoint, through the witness', async () => {
      const s = await logWith(10, [8]);
      const witnessed = witnessedAt(s);
      await s.store.db.deleteFrom('access_records').where('seq', '>', 8).execute();
      await s.store.db.deleteFrom('log_checkpoints').where('size', '>', 8).execute();
      expect((await verify(s, [witnessed])).failure).toMatchObject({ reason: 'cut_tail' });
    });

    it('catches a fork: a log rewritten with new signatures over other records', async () => {
      const a = await logWith(20);
      const witnessed = witnessedAt(a);
      // the attacker holds the database (and so the key): rewrites record 7 and re-signs everything
      const db = a.store.db;
      const rows = await db.selectFrom('access_records').selectAll().orderBy('seq').execute();
      await db.deleteFrom('access_records').execute();
      await db.deleteFrom('log_checkpoints').execute();
      const keys = await loadSigningKeys(db);
      const forged = new AccessLog({ db, chain: 'gw/main', origin: ORIGIN, signingKey: () => keys[0]! });
      await forged.open();
      for (const [i, r] of rows.entries()) {
        const body = JSON.parse(r.body) as AccessRecordInput;
        await forged.append(i === 6 ? { ...body, outcome: 'refused' } : body);
      }
      await forged.flush();
      expect((await verify(a)).ok).toBe(true);
      const v = await verify(a, [witnessed]);
      expect(v.failure).toMatchObject({ reason: 'fork' });
      expect(v.failure?.message).toContain('do not have the root the witnesses cosigned');
    });
  });
}
