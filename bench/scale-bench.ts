/**
 * `npm run bench -- --scale [--scale-factor F] [--sqlite-factor G] [--no-sqlite] [--reseed] [--json]`:
 * the system at scale. Seeds PostgreSQL (SCALE_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/portti_scale, created if missing) with F × (1 M citizens,
 * 10 M consent records, 100 M access records) and a SQLite file with G × the same (default 0.01),
 * then measures:
 *   - consent lookup in the gateway's replica (in memory, loaded from the store), per lookup;
 *   - a citizen's access-log page at the operator (typical and heavy citizen);
 *   - the heavy citizen's export (GDPR Art. 15/20), all of their access records, streamed;
 *   - gateway RSS while serving under load, with a replica of the seeded size.
 * A seeded store is reused when its sizes match (`--reseed` forces a new one).
 * Prints a table; with --json one JSON object on the last line.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { gatewayMigrations, type GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { ConsentReplica } from '../src/gateway/consent/consent-replica.ts';
import { createOperator } from '../src/operator/operator.ts';
import { operatorMigrations, type OperatorDatabase } from '../src/operator/operator.tables.ts';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../src/store/database.ts';
import { ISSUER, SOURCE, seedOperator, seedReplica, sizesFor, type ScaleSizes } from './scale-seed.ts';
import { tempDir } from '../test/helpers/stores.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return fallback;
  return argv[i]!.includes('=') ? argv[i]!.split('=')[1]! : argv[i + 1]!;
};
const FACTOR = Number(option('--scale-factor', '1'));
const SQLITE_FACTOR = Number(option('--sqlite-factor', '0.01'));
const json = argv.includes('--json');
const log = (msg: string) => process.stderr.write(`${msg}\n`);
/** V8 flag that keeps the young generation small (fewer MB between scavenges). */
const SMALL_YOUNG_GEN = '--max-semi-space-size=4';
const DB_URL = process.env.SCALE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/portti_scale';

async function ensureDatabase(url: string) {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/** Seeds unless the store already holds these sizes; returns the seconds spent seeding. */
async function seeded(store: Store<OperatorDatabase>, sizes: ScaleSizes, reseed: boolean): Promise<number> {
  await sql`create table if not exists scale_meta (sizes text not null)`.execute(store.db);
  const meta = await sql<{ sizes: string }>`select sizes from scale_meta`.execute(store.db);
  if (!reseed && meta.rows[0]?.sizes === JSON.stringify(sizes)) {
    log(`  reusing the seeded store (${JSON.stringify(sizes)})`);
    return 0;
  }
  if (meta.rows.length > 0 || reseed) {
    log('  clearing the old seed…');
    for (const t of [
      'access_log',
      'consent_history',
      'consent_parties',
      'consent_records',
      'account_identifiers',
      'accounts',
      'scale_meta',
    ]) {
      await sql.raw(store.dialect === 'postgres' ? `TRUNCATE ${t} CASCADE` : `DELETE FROM ${t}`).execute(store.db);
    }
  }
  const t0 = performance.now();
  await seedOperator(store.db, store.dialect, sizes, log, store.location.kind === 'postgres' ? store.location.schema : undefined);
  await sql`insert into scale_meta (sizes) values (${JSON.stringify(sizes)})`.execute(store.db);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

async function timed<T>(n: number, f: (i: number) => Promise<T>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await f(i);
    out.push(performance.now() - t0);
  }
  return out;
}

interface OperatorFigures {
  page_typical_ms_median: number;
  page_typical_ms_max: number;
  page_heavy_ms_median: number;
  export_heavy_ms_median: number;
  export_heavy_bytes: number;
  export_heavy_records: number;
  explain: string;
}

/** Times the citizen views on a seeded operator store. */
async function measureOperator(store: Store<OperatorDatabase>, sizes: ScaleSizes): Promise<OperatorFigures> {
  const op = await createOperator({
    store,
    logLevel: 'silent',
    config: {
      name: 'scale-operator',
      listen: { host: '127.0.0.1', port: 0 },
      issuer: ISSUER,
      display_name: { fi: 'S', sv: 'S', en: 'S' },
      admin_token: 'scale-admin-token-0123456789',
      cookie_secret: 'scale-cookie-secret-0123456789abcdefghij',
      identity_providers: [],
      registry_files: [],
      access_token_ttl_s: 300,
      webhook_max_attempts: 1,
    },
  });
  const typical = (i: number) => `acc-${2 + ((i * 7919) % (sizes.citizens - 1))}`;
  // warm the connection pool and the plan cache
  await op.citizens.accessLog(typical(999), { limit: 100 });
  const pageTypical = await timed(30, (i) => op.citizens.accessLog(typical(i), { limit: 100 }));
  const pageHeavy = await timed(10, () => op.citizens.accessLog('acc-1', { limit: 100 }));
  let bytes = 0;
  let records = 0;
  // the whole streamed export (every access record of the heavy citizen), as the response would carry it
  const exportHeavy = await timed(3, async () => {
    const prepared = await op.exports.prepare(await op.exports.ofAccount('acc-1'), 'data_subject');
    bytes = 0;
    for await (const chunk of op.exports.chunks(prepared)) bytes += Buffer.byteLength(chunk);
    records = prepared.written;
  });
  const prepared = await op.exports.prepare(await op.exports.ofAccount('acc-1'), 'data_subject');
  const held = (await op.exports.accessCounts(prepared.recordIds)).reduce((n, c) => n + c.n, 0);
  if (records !== held || records < sizes.heavyAccess)
    throw new Error(`the heavy citizen's export holds ${records} of ${held} access records`);
  let explain = '';
  if (store.dialect === 'postgres') {
    const ids = (
      await sql<{ record_id: string }>`select distinct record_id from consent_parties where identifier = 'id-1'`.execute(store.db)
    ).rows.map((r) => r.record_id);
    const q = op.citizens.accessLogPage(ids, { limit: 100 }).compile();
    const plan = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${inline(q.sql, q.parameters)}`).execute(store.db);
    // long id lists shortened; the per-record branches of the union summarised by the first
    const lines = plan.rows.map((r) =>
      r['QUERY PLAN'].replace(/'\{[^}]{120,}\}'/g, "'{…ids…}'").replace(/'urn:uuid:[0-9a-f-]+'/g, "'urn:uuid:…'"),
    );
    explain = [...lines.slice(0, 16), lines.length > 18 ? `  … (${lines.length - 18} more plan lines)` : '', ...lines.slice(-2)]
      .filter(Boolean)
      .join('\n');
  }
  await op.close();
  return {
    page_typical_ms_median: round(median(pageTypical)),
    page_typical_ms_max: round(max(pageTypical)),
    page_heavy_ms_median: round(median(pageHeavy)),
    export_heavy_ms_median: round(median(exportHeavy)),
    export_heavy_bytes: bytes,
    export_heavy_records: records,
    explain,
  };
}

/** Inlines $n parameters for EXPLAIN (bench-generated values only). */
function inline(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (typeof v === 'number') return String(v);
    const text = Array.isArray(v) ? `{${v.map((x) => `"${String(x)}"`).join(',')}}` : String(v);
    return `'${text.replaceAll("'", "''")}'`;
  });
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

/** Loads the replica from a seeded gateway store and times lookups. */
async function measureReplica(db: Kysely<GatewayDatabase>) {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const replica = new ConsentReplica(db);
  const t0 = performance.now();
  await replica.load();
  const loadS = (performance.now() - t0) / 1000;
  gc();
  const bytesPerEntry = (process.memoryUsage().heapUsed - heapBefore) / replica.size;
  // record ids to look up: the same expression the seed used
  const ids: string[] = [];
  const rows = await db.selectFrom('replica_consents').select('record_id').where('event_seq', '<=', 100_000).execute();
  for (const r of rows) ids.push(r.record_id);
  const LOOKUPS = 1_000_000;
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i += 1) if (replica.get(ISSUER, ids[(i * 7919) % ids.length]!, SOURCE)) hits += 1;
  const meanNs = Number(process.hrtime.bigint() - start) / LOOKUPS;
  // single lookups timed one by one (includes the timer's own cost)
  const singles: number[] = [];
  for (let i = 0; i < 100_000; i += 1) {
    const id = ids[(i * 104729) % ids.length]!;
    const a = process.hrtime.bigint();
    replica.get(ISSUER, id, SOURCE);
    singles.push(Number(process.hrtime.bigint() - a));
  }
  singles.sort((a, b) => a - b);
  if (hits !== LOOKUPS) throw new Error(`replica lookups missed: ${LOOKUPS - hits}`);
  return {
    entries: replica.size,
    load_s: round(loadS),
    bytes_per_entry: Math.round(bytesPerEntry),
    lookup_mean_us: round(meanNs / 1000, 3),
    lookup_p99_us: round(singles[Math.floor(singles.length * 0.99)]! / 1000, 3),
  };
}

/** Runs the normal bench's gateway with a seeded replica under load and samples its RSS. */
function measureGatewayRss(
  replicaEntries: number,
  nodeOptions?: string,
): Promise<{ rss_max_mb: number; rss_idle_mb: number; rps: number; replica_entries: number }> {
  return new Promise((resolve, reject) => {
    const env = nodeOptions ? { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${nodeOptions}`.trim() } : process.env;
    const child = fork(new URL('./scale-gateway-load.ts', import.meta.url).pathname, [String(replicaEntries)], {
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once(
      'message',
      (m: { result?: { rss_max_mb: number; rss_idle_mb: number; rps: number; replica_entries: number }; error?: string }) =>
        m.result ? resolve(m.result) : reject(new Error(m.error)),
    );
    child.once('exit', (code) => code !== 0 && reject(new Error(`gateway load run exited with ${code}`)));
  });
}

async function dialectRun(location: StoreLocation, factor: number, reseed: boolean) {
  const sizes = sizesFor(factor);
  log(
    `\n${location.kind} at scale factor ${factor}: ${sizes.citizens.toLocaleString('en')} citizens, ${sizes.records.toLocaleString('en')} consent records, ${sizes.access.toLocaleString('en')} access records`,
  );
  const store = await openStore<OperatorDatabase>(location.kind === 'postgres' ? { ...location, schema: 'scale_operator' } : location);
  await migrateToLatest(store, operatorMigrations);
  const seedS = await seeded(store, sizes, reseed);
  log('  measuring the citizen views…');
  const figures = await measureOperator(store, sizes);
  return { sizes, seedS, figures };
}

async function main() {
  const reseed = argv.includes('--reseed');
  await ensureDatabase(DB_URL);
  const pgRun = await dialectRun({ kind: 'postgres', url: DB_URL, schema: 'scale_operator' }, FACTOR, reseed);
  if (pgRun.figures.explain) log(`\nEXPLAIN ANALYZE of the heavy citizen's access-log page:\n${pgRun.figures.explain}\n`);
  const sqliteRun = argv.includes('--no-sqlite')
    ? undefined
    : await dialectRun({ kind: 'sqlite', path: join(tempDir('portti-scale-'), 'operator.db') }, SQLITE_FACTOR, true);

  // the replica: as many entries as consent records at this scale, in the gateway's own store
  const gwStore = await openStore<GatewayDatabase>({ kind: 'postgres', url: DB_URL, schema: 'scale_gateway' });
  await migrateToLatest(gwStore, gatewayMigrations);
  const want = pgRun.sizes.records;
  const have = Number((await sql<{ n: number }>`select count(*)::bigint as n from replica_consents`.execute(gwStore.db)).rows[0]!.n);
  if (have !== want) {
    log(`\nseeding the gateway replica store with ${want.toLocaleString('en')} entries…`);
    await sql`truncate replica_consents`.execute(gwStore.db);
    await seedReplica(gwStore.db, 'postgres', want, log);
  }
  log('measuring replica lookups…');
  const replica = await measureReplica(gwStore.db);
  await gwStore.close();
  const rssEntries = Math.min(want, 1_000_000);
  log(`measuring gateway RSS under load (replica of ${rssEntries.toLocaleString('en')} entries)…`);
  const rss = await measureGatewayRss(rssEntries);
  log("measuring gateway RSS under load with only the bench's own consent in its replica…");
  const rssSmall = await measureGatewayRss(0);
  log(`the same with a smaller V8 young generation (NODE_OPTIONS=${SMALL_YOUNG_GEN})…`);
  const rssTuned = await measureGatewayRss(0, SMALL_YOUNG_GEN);

  const summary = {
    scale_factor: FACTOR,
    citizens: pgRun.sizes.citizens,
    consent_records: pgRun.sizes.records,
    access_records: pgRun.sizes.access,
    seed_s: round(pgRun.seedS, 0),
    replica_entries: replica.entries,
    replica_load_s: replica.load_s,
    replica_bytes_per_entry: replica.bytes_per_entry,
    replica_lookup_mean_us: replica.lookup_mean_us,
    replica_lookup_p99_us: replica.lookup_p99_us,
    pg_access_page_ms: pgRun.figures.page_typical_ms_median,
    pg_access_page_max_ms: pgRun.figures.page_typical_ms_max,
    pg_access_page_heavy_ms: pgRun.figures.page_heavy_ms_median,
    pg_export_heavy_ms: pgRun.figures.export_heavy_ms_median,
    export_heavy_bytes: pgRun.figures.export_heavy_bytes,
    export_heavy_records: pgRun.figures.export_heavy_records,
    ...(sqliteRun
      ? {
          sqlite_scale_factor: SQLITE_FACTOR,
          sqlite_access_records: sqliteRun.sizes.access,
          sqlite_access_page_ms: sqliteRun.figures.page_typical_ms_median,
          sqlite_access_page_heavy_ms: sqliteRun.figures.page_heavy_ms_median,
          sqlite_export_heavy_ms: sqliteRun.figures.export_heavy_ms_median,
        }
      : {}),
    gateway_rss_small_replica_max_mb: rssSmall.rss_max_mb,
    gateway_rss_small_replica_tuned_max_mb: rssTuned.rss_max_mb,
    gateway_rss_replica_entries: rss.replica_entries,
    gateway_rss_idle_mb: rss.rss_idle_mb,
    gateway_rss_max_mb: rss.rss_max_mb,
    gateway_rps_under_rss: rss.rps,
  };
  const ok = (v: number, target: number) => (v <= target ? 'ok' : 'MISSED');
  const rows: Array<[string, string, string, string]> = [
    [
      `consent lookup in the replica (${replica.entries.toLocaleString('en')} entries), mean`,
      `${replica.lookup_mean_us} µs`,
      '≤ 50 µs',
      ok(replica.lookup_mean_us, 50),
    ],
    ['consent lookup, single lookups timed one by one, p99', `${replica.lookup_p99_us} µs`, '≤ 50 µs', ok(replica.lookup_p99_us, 50)],
    [
      `access-log page, typical citizen (PostgreSQL, ${summary.access_records.toLocaleString('en')} access records), median`,
      `${summary.pg_access_page_ms} ms`,
      '≤ 50 ms',
      ok(summary.pg_access_page_ms, 50),
    ],
    [
      'access-log page, heavy citizen (PostgreSQL), median',
      `${summary.pg_access_page_heavy_ms} ms`,
      '≤ 50 ms',
      ok(summary.pg_access_page_heavy_ms, 50),
    ],
    ['export, heavy citizen (PostgreSQL), median', `${summary.pg_export_heavy_ms} ms`, '≤ 1000 ms', ok(summary.pg_export_heavy_ms, 1000)],
  ];
  if (sqliteRun) {
    rows.push(
      [
        `access-log page, typical citizen (SQLite, ${sqliteRun.sizes.access.toLocaleString('en')} access records)`,
        `${sqliteRun.figures.page_typical_ms_median} ms`,
        '≤ 50 ms',
        ok(sqliteRun.figures.page_typical_ms_median, 50),
      ],
      [
        'access-log page, heavy citizen (SQLite)',
        `${sqliteRun.figures.page_heavy_ms_median} ms`,
        '≤ 50 ms',
        ok(sqliteRun.figures.page_heavy_ms_median, 50),
      ],
      [
        'export, heavy citizen (SQLite)',
        `${sqliteRun.figures.export_heavy_ms_median} ms`,
        '≤ 1000 ms',
        ok(sqliteRun.figures.export_heavy_ms_median, 1000),
      ],
    );
  }
  rows.push(
    [
      `gateway RSS under load (replica of 1 entry, ${rssSmall.rps} req/s)`,
      `${rssSmall.rss_max_mb} MB`,
      '≤ 200 MB',
      ok(rssSmall.rss_max_mb, 200),
    ],
    [`the same with ${SMALL_YOUNG_GEN} (${rssTuned.rps} req/s)`, `${rssTuned.rss_max_mb} MB`, '≤ 200 MB', ok(rssTuned.rss_max_mb, 200)],
    [
      `gateway RSS under load (replica ${rss.replica_entries.toLocaleString('en')} entries, ${rss.rps} req/s)`,
      `${rss.rss_max_mb} MB`,
      '≤ 200 MB',
      ok(rss.rss_max_mb, 200),
    ],
  );
  console.log(
    `\nscale factor ${FACTOR}: ${summary.citizens.toLocaleString('en')} citizens, ${summary.consent_records.toLocaleString('en')} consent records, ${summary.access_records.toLocaleString('en')} access records (seeded in ${summary.seed_s} s)`,
  );
  console.log('\n| measurement | value | target | |\n|---|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    `\nreplica: loaded in ${replica.load_s} s, ~${replica.bytes_per_entry} bytes of heap per entry; gateway idle RSS ${rss.rss_idle_mb} MB`,
  );
  if (json) console.log(JSON.stringify(summary));
}

/** Seeds only (no measurements): `--seed-only`. */
async function seedOnly() {
  await ensureDatabase(DB_URL);
  const store = await openStore<OperatorDatabase>({ kind: 'postgres', url: DB_URL, schema: 'scale_operator' });
  await migrateToLatest(store, operatorMigrations);
  const s = await seeded(store, sizesFor(FACTOR), argv.includes('--reseed'));
  log(`seeded in ${s.toFixed(0)} s`);
  await store.close();
}

(argv.includes('--seed-only') ? seedOnly() : main()).catch((err: Error) => {
  process.stderr.write(`scale bench failed: ${err.stack}\n`);
  process.exitCode = 1;
});
