/**
 * The access log's write path, side by side in one run on the embedded default (a SQLite file):
 * the Merkle log (leaf hash + completed subtree hashes on the record's row, group commit) against
 * the hash chain it replaced (RFC 8785 canonical JSON + SHA-256 per record, linked by prev_hash,
 * the same table shape and group commit), each with 32 concurrent appenders and with one; CPU
 * microseconds per record (process.cpuUsage: the store is in-process), and the cost of signing
 * one checkpoint (done at most once a second while records arrive). `npm run bench` prints it.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { AccessLog, type AccessRecordInput } from '../src/audit/access-log.ts';
import { GENESIS_HASH, hashAccessRecord } from '../src/audit/legacy-chain.ts';
import { gatewayMigrations, type GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore } from '../src/store/database.ts';
import { loadSigningKeys } from '../src/store/keys.ts';
import { tempDir } from '../test/helpers/stores.ts';

/** A typical access record of the daycare case, the `i`th. */
export const input = (i: number): AccessRecordInput => ({
  iss: 'http://127.0.0.1:4001',
  client_id: 'daycare-fee',
  consent_record_id: `urn:uuid:${randomUUID()}`,
  source: 'http://127.0.0.1:4010/sources/incomes-register',
  operation: 'income',
  datatypes_released: ['annual_income', 'monthly_income'],
  purpose: 'https://helsinki.example/purposes/daycare-fee',
  outcome: 'allowed',
  status: 200,
  reason: null,
  subject_ref: `party-${i}`,
});

interface ChainDb {
  chain_records: {
    chain: string;
    seq: number;
    access_id: string;
    time: string;
    iss: string | null;
    client_id: string | null;
    consent_record_id: string | null;
    body: string;
    prev_hash: string;
    hash: string;
  };
}

/** The replaced design, for comparison: one chain, hashed and linked per record, group commit. */
class ChainLog {
  private prev = GENESIS_HASH;
  private seq = 0;
  private pending: Array<() => void> = [];
  private queue: AccessRecordInput[] = [];
  private writing: Promise<void> | undefined;
  private readonly db: Kysely<ChainDb>;
  private readonly chain: string;
  constructor(db: Kysely<ChainDb>, chain: string) {
    this.db = db;
    this.chain = chain;
  }
  append(r: AccessRecordInput): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(r);
      this.pending.push(resolve);
      this.writing ??= this.drain();
    });
  }
  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      const done = this.pending.splice(0, batch.length);
      const time = new Date().toISOString();
      const rows = batch.map((input) => {
        this.seq += 1;
        const base = { access_id: `urn:uuid:${randomUUID()}`, time, chain: this.chain, seq: this.seq, ...input, prev_hash: this.prev };
        const hash = hashAccessRecord(base);
        this.prev = hash;
        const { chain, seq, access_id, iss, client_id, consent_record_id, prev_hash } = base;
        return { chain, seq, access_id, time, iss, client_id, consent_record_id, body: JSON.stringify({ ...base, hash }), prev_hash, hash };
      });
      // as the chain was written: Kysely multi-row inserts of 100 in one transaction
      await this.db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 100)
          await trx
            .insertInto('chain_records')
            .values(rows.slice(i, i + 100))
            .execute();
      });
      for (const d of done) d();
    }
    this.writing = undefined;
  }
}

async function cpuPerRecord(append: (i: number) => Promise<unknown>, records: number, concurrency: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < records) await append(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / records;
}

/** Measures both designs; returns µs per record and per checkpoint. */
export async function logBench(records = 20_000) {
  const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), 'log-bench.db') });
  await migrateToLatest(store, gatewayMigrations);
  await sql`create table chain_records (chain text not null, seq integer not null, access_id text not null, time text not null,
    iss text, client_id text, consent_record_id text, body text not null, prev_hash text not null, hash text not null,
    primary key (chain, seq))`.execute(store.db);
  const keys = await loadSigningKeys(store.db);
  const results: Record<string, number> = {};
  for (const concurrency of [32, 1]) {
    for (const design of ['chain', 'merkle'] as const) {
      const n = concurrency === 1 ? records / 4 : records;
      if (design === 'chain') {
        const chain = new ChainLog(store.db as unknown as Kysely<ChainDb>, `bench/${concurrency}`);
        await cpuPerRecord((i) => chain.append(input(i)), 500, concurrency);
        results[`chain_${concurrency}`] = await cpuPerRecord((i) => chain.append(input(i)), n, concurrency);
      } else {
        const log = new AccessLog({
          db: store.db,
          chain: `bench/${concurrency}`,
          origin: `bench/portti/log/${concurrency}`,
          signingKey: () => keys[0]!,
        });
        await log.open();
        await cpuPerRecord((i) => log.append(input(i)), 500, concurrency);
        results[`merkle_${concurrency}`] = await cpuPerRecord((i) => log.append(input(i)), n, concurrency);
        const t = process.cpuUsage();
        for (let i = 0; i < 20; i += 1) {
          await log.append(input(i));
          await log.checkpoint();
        }
        const used = process.cpuUsage(t);
        results.checkpoint_us = (used.user + used.system) / 20 - results[`merkle_${concurrency}`]!;
      }
    }
  }
  await store.close();
  return {
    log_us_per_record_32: Number(results.merkle_32!.toFixed(1)),
    log_us_per_record_1: Number(results.merkle_1!.toFixed(1)),
    chain_us_per_record_32: Number(results.chain_32!.toFixed(1)),
    chain_us_per_record_1: Number(results.chain_1!.toFixed(1)),
    ratio_log_chain_32: Number((results.merkle_32! / results.chain_32!).toFixed(2)),
    ratio_log_chain_1: Number((results.merkle_1! / results.chain_1!).toFixed(2)),
    checkpoint_us: Number(results.checkpoint_us!.toFixed(0)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await logBench());
