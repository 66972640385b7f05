/**
 * Seeds an operator store (and a gateway replica) at scale for `npm run bench -- --scale`:
 * citizens, consent records with their parties and first history entry, and access records,
 * generated in SQL (`generate_series` on PostgreSQL, a recursive CTE on SQLite) in chunks with
 * progress output. At scale factor 1: 1 M citizens, 10 M consent records, 100 M access records.
 *
 * The shape: record j belongs to citizen (j mod C) + 1, except the first HEAVY_RECORDS records,
 * which all belong to citizen 1 (the heavy citizen); the first HEAVY_ACCESS access records fall
 * on the heavy citizen's records, the rest spread evenly over all records.
 */
import { sql, type Kysely } from 'kysely';
import type { OperatorDatabase } from '../src/operator/operator.tables.ts';
import type { GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import type { Dialect } from '../src/store/database.ts';

export interface ScaleSizes {
  citizens: number;
  records: number;
  access: number;
  heavyRecords: number;
  heavyAccess: number;
}

/** Row counts for a scale factor (1 = 1 M citizens, 10 M consents, 100 M access records). */
export function sizesFor(factor: number): ScaleSizes {
  const citizens = Math.max(100, Math.round(1_000_000 * factor));
  const records = Math.max(1000, Math.round(10_000_000 * factor));
  const access = Math.max(10_000, Math.round(100_000_000 * factor));
  return { citizens, records, access, heavyRecords: 200, heavyAccess: Math.min(100_000, Math.floor(access / 10)) };
}

export const SOURCE = 'https://gateway.example/sources/incomes-register';
export const ISSUER = 'https://operator.example';
const BASE_TIME = 1_735_689_600_000; // 2025-01-01
const PURPOSES = JSON.stringify([
  {
    purpose: 'https://w3id.org/dpv#ServiceProvision',
    lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a',
    pii_information: [
      { pii_attribute_id: 'annual_income', pii_type: 'https://w3id.org/dpv/pd#Income', pii_optional: false, source: SOURCE },
      { pii_attribute_id: 'income_year', pii_type: 'https://w3id.org/dpv/pd#Income', pii_optional: false, source: SOURCE },
    ],
    recipient_third_parties: [],
    retention_period: 'P1Y',
    withdrawal_method: 'https://operator.example/dashboard/consents',
    agreement_uid: 'urn:portti:agreement:svc',
  },
]).replaceAll("'", "''");

type Log = (msg: string) => void;

/** SQL expressions per dialect for the generated columns. */
function exprs(dialect: Dialect, s: ScaleSizes) {
  const uuid = (prefix: string, v: string) =>
    dialect === 'postgres' ? `('urn:uuid:' || md5('${prefix}' || ${v})::uuid::text)` : `('urn:uuid:${prefix}-' || printf('%012d', ${v}))`;
  const owner = (j: string) => `(CASE WHEN ${j} <= ${s.heavyRecords} THEN 1 ELSE (${j} % ${s.citizens}) + 1 END)`;
  const recordOf = (a: string) =>
    `(CASE WHEN ${a} <= ${s.heavyAccess} THEN (${a} % ${s.heavyRecords}) + 1 ELSE (${a} % ${s.records}) + 1 END)`;
  const iso = (ms: string) =>
    dialect === 'postgres'
      ? `to_char(to_timestamp((${ms}) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;
  const hash = (v: string) => (dialect === 'postgres' ? `(md5('h' || ${v}) || md5('g' || ${v}))` : `printf('%064d', ${v})`);
  return { uuid, owner, recordOf, iso, hash };
}

/** Runs `insert` over [1, total] in chunks, logging progress. */
async function chunked(total: number, chunk: number, what: string, log: Log, insert: (lo: number, hi: number) => Promise<void>) {
  const started = performance.now();
  for (let lo = 1; lo <= total; lo += chunk) {
    const hi = Math.min(total, lo + chunk - 1);
    await insert(lo, hi);
    const done = hi;
    const s = (performance.now() - started) / 1000;
    const eta = (s / done) * (total - done);
    log(
      `  ${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${Math.round(done / s).toLocaleString('en')}/s, ${s.toFixed(0)} s, eta ${eta.toFixed(0)} s)`,
    );
  }
}

/** Numbers lo..hi as a row source named `alias(i)`. */
function series(dialect: Dialect, lo: number, hi: number, alias: string) {
  return dialect === 'postgres'
    ? `generate_series(${lo}::bigint, ${hi}::bigint) AS ${alias}(i)`
    : `(WITH RECURSIVE s(i) AS (SELECT ${lo} UNION ALL SELECT i + 1 FROM s WHERE i < ${hi}) SELECT i FROM s) AS ${alias}`;
}

/** Drops the indexes and constraints of big tables before a bulk load; returns how to recreate them (PostgreSQL). */
async function dropIndexes(db: Kysely<OperatorDatabase>, schema: string, tables: string[]): Promise<string[]> {
  const recreate: string[] = [];
  const names = tables.map((t) => `${schema}.${t}`);
  // foreign keys from or to the big tables go first (and come back last)
  const fks = await sql<{
    conname: string;
    tbl: string;
    def: string;
  }>`select c.conname, t.relname as tbl, pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
    where c.contype = 'f' and n.nspname = ${schema} and (c.conrelid = any(${names}::regclass[]) or c.confrelid = any(${names}::regclass[]))`.execute(
    db,
  );
  for (const f of fks.rows) await sql.raw(`ALTER TABLE ${f.tbl} DROP CONSTRAINT ${f.conname}`).execute(db);
  for (const table of tables) {
    const cons = await sql<{
      conname: string;
      def: string;
    }>`select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = ${`${schema}.${table}`}::regclass`.execute(db);
    for (const c of cons.rows) {
      recreate.push(`ALTER TABLE ${table} ADD CONSTRAINT ${c.conname} ${c.def}`);
      await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${c.conname}`).execute(db);
    }
    const idx = await sql<{
      indexname: string;
      indexdef: string;
    }>`select indexname, indexdef from pg_indexes where schemaname = ${schema} and tablename = ${table}`.execute(db);
    for (const i of idx.rows) {
      recreate.push(i.indexdef);
      await sql.raw(`DROP INDEX ${i.indexname}`).execute(db);
    }
  }
  return [...recreate, ...fks.rows.map((f) => `ALTER TABLE ${f.tbl} ADD CONSTRAINT ${f.conname} ${f.def}`)];
}

/** Seeds the operator tables; `chunk` rows per statement. */
export async function seedOperator(
  db: Kysely<OperatorDatabase>,
  dialect: Dialect,
  s: ScaleSizes,
  log: Log,
  schema?: string,
): Promise<void> {
  const e = exprs(dialect, s);
  const chunk = dialect === 'postgres' ? 1_000_000 : 200_000;
  const run = (q: string) => sql.raw(q).execute(db);
  const big = ['accounts', 'account_identifiers', 'consent_records', 'consent_parties', 'consent_history', 'access_log'];
  const recreate = dialect === 'postgres' ? await dropIndexes(db, schema!, big) : [];
  if (dialect === 'postgres') await run('SET synchronous_commit = off');
  await chunked(s.citizens, chunk, 'citizens', log, async (lo, hi) => {
    await run(
      `INSERT INTO accounts (account_id, created_at, locale, display_name) SELECT 'acc-' || i, ${BASE_TIME}, 'fi', 'Citizen ' || i FROM ${series(dialect, lo, hi, 'g')}`,
    );
    await run(
      `INSERT INTO account_identifiers (identifier_type, identifier, account_id) SELECT 'fi_hetu', 'id-' || i, 'acc-' || i FROM ${series(dialect, lo, hi, 'g')}`,
    );
  });
  await chunked(s.records, chunk, 'consent records', log, async (lo, hi) => {
    await run(
      `INSERT INTO consent_records (record_id, client_id, status, activation_mode, purposes, created_at, updated_at, expires_at, validity_duration, replaces, language, version)
       SELECT ${e.uuid('r', 'i')}, 'svc-' || (i % 20), CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'active' END, 'data_subject_activates', '${PURPOSES}', ${BASE_TIME} + i, ${BASE_TIME} + i, NULL, NULL, NULL, 'fi', 2 FROM ${series(dialect, lo, hi, 'g')}`,
    );
    await run(
      `INSERT INTO consent_parties (party_id, record_id, position, role, identifier_type, identifier, account_id, acting_for, status, choices, decided_at)
       SELECT ${e.uuid('p', 'i')}, ${e.uuid('r', 'i')}, 0, 'data_subject', 'fi_hetu', 'id-' || ${e.owner('i')}, NULL, NULL, CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'approved' END, '["annual_income","income_year"]', ${BASE_TIME} + i FROM ${series(dialect, lo, hi, 'g')}`,
    );
    await run(
      `INSERT INTO consent_history (record_id, time, event_type, from_status, to_status, actor, party_id, reason)
       SELECT ${e.uuid('r', 'i')}, ${BASE_TIME} + i, 'dpv:ConsentGiven', 'pending', 'active', 'account:acc-' || ${e.owner('i')}, ${e.uuid('p', 'i')}, NULL FROM ${series(dialect, lo, hi, 'g')}`,
    );
  });
  await chunked(s.access, chunk, 'access records', log, async (lo, hi) => {
    const inner = `SELECT i, ${e.uuid('a', 'i')} AS id, ${e.uuid('r', e.recordOf('i'))} AS rid, 'svc-' || (${e.recordOf('i')} % 20) AS cid, ${e.iso(`${BASE_TIME} + i * 250`)} AS t, CASE WHEN i % 10 = 0 THEN 'refused' ELSE 'allowed' END AS outcome, ${e.uuid('p', e.recordOf('i'))} AS pid, ${e.hash('i')} AS h, ${e.hash('i - 1')} AS ph FROM ${series(dialect, lo, hi, 'g')}`;
    await run(
      `INSERT INTO access_log (access_id, record_id, client_id, gateway_client_id, time, outcome, body, received_at)
       SELECT id, rid, cid, 'gateway', t, outcome,
         '{"access_id":"' || id || '","time":"' || t || '","chain":"gateway/main","seq":' || i || ',"iss":"${ISSUER}","client_id":"' || cid || '","consent_record_id":"' || rid || '","source":"${SOURCE}","operation":"income","datatypes_released":' || CASE WHEN outcome = 'allowed' THEN '["annual_income","income_year"]' ELSE '[]' END || ',"purpose":"https://w3id.org/dpv#ServiceProvision","outcome":"' || outcome || '","status":' || CASE WHEN outcome = 'allowed' THEN '200' ELSE '403' END || ',"reason":' || CASE WHEN outcome = 'allowed' THEN 'null' ELSE '"consent_withdrawn"' END || ',"subject_ref":"' || pid || '","prev_hash":"' || ph || '","hash":"' || h || '"}',
         ${BASE_TIME} + i * 250 + 100
       FROM (${inner}) AS x`,
    );
  });
  if (recreate.length > 0) {
    log(`  building ${recreate.length} indexes and constraints…`);
    await run("SET maintenance_work_mem = '512MB'");
    for (const stmt of recreate) {
      const t0 = performance.now();
      await run(stmt);
      log(`    ${stmt.slice(0, 90)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  log('  analyzing…');
  await run(dialect === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
}

/** Seeds a gateway replica with `n` consent entries (for the replica lookup and the loaded gateway). */
export async function seedReplica(
  db: Kysely<GatewayDatabase>,
  dialect: Dialect,
  n: number,
  log: Log,
  issuer = ISSUER,
  source = SOURCE,
): Promise<void> {
  const e = exprs(dialect, sizesFor(1));
  const chunk = dialect === 'postgres' ? 1_000_000 : 200_000;
  await chunked(n, chunk, 'replica entries', log, async (lo, hi) => {
    await sql
      .raw(
        `INSERT INTO replica_consents (iss, record_id, source, client_id, status, subjects, purpose, legal_basis, expires_at, event_seq, updated_at)
         SELECT '${issuer}', ${e.uuid('r', 'i')}, '${source}', 'svc-' || (i % 20), 'active', '[{"ref":"' || ${e.uuid('p', 'i')} || '","identifier_type":"fi_hetu","identifier":"id-' || i || '","datatypes":["annual_income","income_year"]}]', 'https://w3id.org/dpv#ServiceProvision', 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a', NULL, i, ${BASE_TIME}
         FROM ${series(dialect, lo, hi, 'g')}`,
      )
      .execute(db);
  });
}
