/**
 * What power-loss durability costs, side by side in one run on the embedded default: the same
 * work on a SQLite store opened with `durability: power_loss` (synchronous=FULL, the default)
 * and with `process_crash` (synchronous=NORMAL). Wall-clock, since the cost is waiting for the
 * disk: a lone commit (a consent decision is one transaction), and access-log appends with 32
 * concurrent appenders (group commit: one sync per group) and with one. `npm run bench` prints it.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AccessLog } from '../src/audit/access-log.ts';
import { input } from './log-bench.ts';
import { gatewayMigrations, type GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore, type Durability } from '../src/store/database.ts';
import { loadSigningKeys } from '../src/store/keys.ts';
import { tempDir } from '../test/helpers/stores.ts';

async function wallMicros(work: () => Promise<void>, count: number): Promise<number> {
  const start = performance.now();
  await work();
  return ((performance.now() - start) * 1000) / count;
}

async function measure(durability: Durability, commits: number, appends: number) {
  const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), `${durability}.db`), durability });
  await migrateToLatest(store, gatewayMigrations);
  await sql`create table decisions (id text primary key, body text not null)`.execute(store.db);
  const db = store.db.withTables<{ decisions: { id: string; body: string } }>();
  const commit = () =>
    db.transaction().execute(async (trx) => {
      await trx
        .insertInto('decisions')
        .values({ id: randomUUID(), body: 'x'.repeat(600) })
        .execute();
    });
  const keys = await loadSigningKeys(store.db);
  const log = new AccessLog({ db: store.db, chain: 'bench/1', origin: 'bench/portti/log/1', signingKey: () => keys[0]! });
  await log.open();
  const append = (concurrency: number, n: number) => async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await log.append(input(next++));
      }),
    );
  };
  await append(4, 200)();
  const commitUs = await wallMicros(async () => {
    for (let i = 0; i < commits; i += 1) await commit();
  }, commits);
  const append32 = await wallMicros(append(32, appends), appends);
  const append1 = await wallMicros(append(1, appends / 10), appends / 10);
  await store.close();
  return { commitUs, append32, append1 };
}

/** Both durabilities, interleaved twice so that disk noise falls on both. */
export async function durabilityBench(commits = 400, appends = 10_000) {
  const runs = {
    power_loss: [] as Array<Awaited<ReturnType<typeof measure>>>,
    process_crash: [] as Array<Awaited<ReturnType<typeof measure>>>,
  };
  for (let round = 0; round < 2; round += 1) {
    for (const d of ['process_crash', 'power_loss'] as const) runs[d].push(await measure(d, commits, appends));
  }
  const best = (d: Durability, key: 'commitUs' | 'append32' | 'append1') => Math.min(...runs[d].map((r) => r[key]));
  const round1 = (n: number) => Number(n.toFixed(1));
  return {
    commit_us_power_loss: round1(best('power_loss', 'commitUs')),
    commit_us_process_crash: round1(best('process_crash', 'commitUs')),
    log_append_us_32_power_loss: round1(best('power_loss', 'append32')),
    log_append_us_32_process_crash: round1(best('process_crash', 'append32')),
    log_append_us_1_power_loss: round1(best('power_loss', 'append1')),
    log_append_us_1_process_crash: round1(best('process_crash', 'append1')),
    ratio_log_append_32_power_loss: Number((best('power_loss', 'append32') / best('process_crash', 'append32')).toFixed(2)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await durabilityBench());
