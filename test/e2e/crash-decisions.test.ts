/**
 * Crashes in the middle of decisions. Four citizens approve and withdraw consents as fast as
 * they can while the service reads under each approved one; meanwhile operator and gateway
 * instances are SIGKILLed and restarted. On SQLite (one instance of each) and on PostgreSQL
 * (two of each, behind HAProxy when it is installed). Afterwards:
 * - every acknowledged approval is active at the operator, every acknowledged withdrawal withdrawn;
 * - every gateway instance, asked directly, refuses every acknowledged withdrawal at once, and no
 *   read was served more than the propagation bound after one was acknowledged;
 * - every served read is in the gateway's log and in the operator's access log (the citizen's view);
 * - `portti audit verify` accepts every log.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { citizenPost, decide, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { demoResidents } from '../../src/demo/demo-world.ts';
import { findHaproxy } from '../../src/app/haproxy.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { tempDir } from '../helpers/stores.ts';
import { callApi, createTestService, fileRequest, readSource, sourceToken, type TestService } from '../helpers/world.ts';

const url = process.env.DATABASE_URL;
/** How long after an acknowledged withdrawal a read may still be served (while instances restart). */
const BOUND_MS = 1000;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcomes {
  approved: Set<string>;
  withdrawn: Map<string, number>;
  tokens: Map<string, string>;
  served: Array<{ access_id: string; record: string; at: number }>;
  /** Decisions sent whose answer was lost in a crash (committed or not). */
  uncertain: Set<string>;
}

/**
 * Sends a decision until it gets an answer that is not the outage's (no answer, 5xx): an
 * attempt that got no answer may have been committed, so a later 409 leaves it unacknowledged.
 */
async function untilAnswered(send: () => Promise<Response>, running: () => boolean): Promise<number | undefined> {
  while (running()) {
    const res = await send().catch(() => undefined);
    await res?.arrayBuffer().catch(() => undefined);
    if (res && res.status < 500) return res.status;
    await wait(100);
  }
  return undefined;
}

/** One citizen's stream until stopped: the service files a request, the citizen approves, the service reads, every other one is withdrawn. */
async function citizenStream(c: Cluster, service: TestService, who: Citizen, code: string, out: Outcomes, running: () => boolean) {
  for (let i = 0; running(); i += 1) {
    const record = await fileRequest(service, c.issuer, [code]).then(
      (r) => r.record_id,
      () => undefined,
    );
    if (!record) {
      await wait(100);
      continue;
    }
    const approved = await untilAnswered(() => decide(who, record, { approve: true }), running);
    if (approved !== 200) {
      out.uncertain.add(record);
      continue;
    }
    out.approved.add(record);
    const token = await sourceToken(service, c.issuer, c.resource, record, ['annual_income']).catch(() => undefined);
    if (token) out.tokens.set(record, token);
    // the approval reaches the gateway within the propagation bound: read once it has
    for (let tries = 0; token && tries < 10 && (await readOnce(c, service, record, token, out)) !== 200; tries += 1) await wait(50);
    if (i % 2 === 1) continue;
    const path = `/citizen/api/consents/${encodeURIComponent(record)}/withdraw`;
    const withdrawn = await untilAnswered(() => citizenPost(who, path, {}), running);
    if (withdrawn === 200) out.withdrawn.set(record, performance.now());
    else out.uncertain.add(record);
  }
}

async function readOnce(c: Cluster, service: TestService, record: string, token: string, out: Outcomes, base = c.resource) {
  const res = await readSource(service, `${base}/income`, token).catch(() => undefined);
  if (!res) return undefined;
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 200) out.served.push({ access_id: res.headers.get('portti-access-id')!, record, at: performance.now() });
  return res.status;
}

/** Reads again and again under records already withdrawn: none may be served beyond the bound. */
async function prober(c: Cluster, service: TestService, out: Outcomes, running: () => boolean) {
  while (running()) {
    const withdrawn = [...out.withdrawn.keys()];
    const record = withdrawn[Math.floor(Math.random() * withdrawn.length)];
    const token = record && out.tokens.get(record);
    if (token) await readOnce(c, service, record, token, out);
    else await wait(20);
  }
}

async function scenario(c: Cluster, service: TestService, location: (schema: string) => StoreLocation) {
  const residents = demoResidents(c.demo.people).slice(0, 4);
  const citizens = await Promise.all(residents.map((r) => signIn(c.issuer, 'demo', r.personal_identity_code)));
  const out: Outcomes = { approved: new Set(), withdrawn: new Map(), tokens: new Map(), served: [], uncertain: new Set() };
  let running = true;
  const streams = citizens.map((who, i) => citizenStream(c, service, who, residents[i]!.personal_identity_code, out, () => running));
  const probe = prober(c, service, out, () => running);
  const count = () => out.approved.size + out.withdrawn.size;
  // kill an instance in mid-stream, each kind in turn (on two instances the other keeps serving)
  const kills = [c.operators[0]!, c.gateways.at(-1)!, c.operators.at(-1)!, c.gateways[0]!];
  const decisionsAtKill: number[] = [];
  for (const member of kills) {
    await wait(700);
    decisionsAtKill.push(count());
    if (process.env.CRASH_TRACE) console.log(`${performance.now().toFixed(0)} kill ${member.kind} ${member.instance}`);
    await c.restart(member);
    if (process.env.CRASH_TRACE) console.log(`${performance.now().toFixed(0)} restarted ${member.kind} ${member.instance}`);
  }
  await wait(700);
  running = false;
  await Promise.all([...streams, probe]);
  expect(decisionsAtKill[0]).toBeGreaterThan(0);
  expect(count()).toBeGreaterThan(decisionsAtKill.at(-1)!);

  // every acknowledged decision survived
  for (const record of [...out.approved].filter((r) => !out.uncertain.has(r))) {
    const res = await callApi(service, c.issuer, 'GET', `/api/consents/${encodeURIComponent(record)}`);
    const status = ((await res.json()) as { status: string }).status;
    expect(status, record).toBe(out.withdrawn.has(record) ? 'withdrawn' : 'active');
  }
  // no read served beyond the bound after an acknowledged withdrawal; every instance refuses them now
  const late = out.served.filter((s) => out.withdrawn.has(s.record) && s.at > out.withdrawn.get(s.record)! + BOUND_MS);
  expect(
    late.map(
      (s) =>
        `${s.record} served ${(s.at - out.withdrawn.get(s.record)!).toFixed(0)} ms after its withdrawal at ${out.withdrawn.get(s.record)!.toFixed(0)}`,
    ),
  ).toEqual([]);
  await wait(BOUND_MS);
  const stillServing: string[] = [];
  for (const gw of c.gateways) {
    for (const record of out.withdrawn.keys()) {
      const token = out.tokens.get(record);
      if (!token) continue;
      const res = await fetch(`${gw.url}/sources/incomes-register/income`, { headers: await probeHeaders(service, c, token) });
      await res.arrayBuffer();
      if (res.status !== 403) stillServing.push(`${gw.url} ${record}: ${res.status}`);
    }
  }
  expect(stillServing).toEqual([]);

  // every served read is in a gateway log and reached the operator (the citizen's access log)
  const served = out.served.map((s) => s.access_id);
  const gwStore = await openStore<GatewayDatabase>(location('gateway'));
  const inLog = new Set((await gwStore.db.selectFrom('access_records').select('access_id').execute()).map((r) => r.access_id));
  await gwStore.close();
  expect(served.filter((id) => !inLog.has(id))).toEqual([]);
  const opStore = await openStore<OperatorDatabase>(location('operator_a'));
  let missing = served;
  for (let i = 0; i < 150 && missing.length > 0; i += 1) {
    const have = new Set((await opStore.db.selectFrom('access_log').select('access_id').execute()).map((r) => r.access_id));
    missing = served.filter((id) => !have.has(id));
    if (missing.length > 0) await wait(100);
  }
  await opStore.close();
  expect(missing).toEqual([]);
  return { decisions: count(), withdrawn: out.withdrawn.size, served: served.length, uncertain: out.uncertain.size, decisionsAtKill };
}

/** A DPoP proof for the public resource URL (each instance is reached directly, htu stays public). */
async function probeHeaders(service: TestService, c: Cluster, token: string) {
  return { authorization: `DPoP ${token}`, dpop: await createDpopProof(service.dpop, 'GET', `${c.resource}/income`, token) };
}

/** `portti audit verify` (asynchronously: the balancers in this process must keep answering). */
async function auditVerifies(c: Cluster, databaseUrl = ''): Promise<string> {
  const child = spawn(process.execPath, ['bin/portti.js', 'audit', 'verify', '--config', c.config], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((r) => child.once('exit', r));
  expect(code, out).toBe(0);
  return out;
}

describe('crashes mid-decision', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => cluster?.close(), 30_000);

  it('on SQLite: every acknowledged decision survives a SIGKILL of the operator and of the gateway', async () => {
    const dir = tempDir('portti-crash-decisions-');
    const service = await createTestService('crash-decisions');
    cluster = await startCluster({ dir, service, instances: 1 });
    const result = await scenario(cluster, service, (schema) => ({
      kind: 'sqlite',
      path: `${dir}/data/${schema.replace('_', '-')}.db`,
    }));
    expect(await auditVerifies(cluster)).toMatch(/log gateway\/1: OK/);
    await cluster.close();
    cluster = undefined;
    console.log(
      `crash mid-decision (SQLite): ${result.decisions} acknowledged decisions, ${result.withdrawn} withdrawals, ${result.served} reads, ${result.uncertain} answers lost in a crash; decisions at each kill ${result.decisionsAtKill.join(', ')}`,
    );
  }, 120_000);
});

describe.skipIf(!url)('crashes mid-decision on PostgreSQL with two instances of each', () => {
  const database = `portti_crash_${randomBytes(4).toString('hex')}`;
  const databaseUrl = (() => {
    const u = new URL(url ?? 'postgres://localhost/x');
    u.pathname = `/${database}`;
    return u.toString();
  })();
  let cluster: Cluster | undefined;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  afterAll(async () => {
    await cluster?.close();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }, 30_000);

  it('every acknowledged decision survives, every acknowledged withdrawal is refused by both gateway instances', async () => {
    await admin(`CREATE DATABASE ${database}`);
    const service = await createTestService('crash-decisions-pg');
    // behind HAProxy (deploy/haproxy.cfg) when it is installed (.ci/run installs it)
    const balancer = findHaproxy() ? 'haproxy' : 'builtin';
    if (balancer === 'builtin') console.log('crash mid-decision: haproxy is not installed, the built-in balancer is used');
    cluster = await startCluster({ dir: tempDir('portti-crash-decisions-pg-'), service, instances: 2, databaseUrl, balancer });
    const result = await scenario(cluster, service, (schema) => ({ kind: 'postgres', url: databaseUrl, schema }));
    const audit = await auditVerifies(cluster, databaseUrl);
    await cluster.close();
    expect(audit).toMatch(/log gateway\/1: OK/);
    expect(audit).toMatch(/log gateway\/2: OK/);
    cluster = undefined;
    console.log(
      `crash mid-decision (PostgreSQL, 2+2 instances, ${balancer}): ${result.decisions} acknowledged decisions, ${result.withdrawn} withdrawals, ${result.served} reads, ${result.uncertain} answers lost in a crash; decisions at each kill ${result.decisionsAtKill.join(', ')}`,
    );
  }, 180_000);
});
