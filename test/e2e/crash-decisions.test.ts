/**
 * Crashes in the middle of decisions. Four citizens approve and withdraw consents as fast as
 * they can while the service reads under each approved one; meanwhile operator and gateway
 * instances are SIGKILLed and restarted. On SQLite (one instance of each) and on PostgreSQL
 * (two of each, behind HAProxy when it is installed). Afterwards:
 * - every acknowledged approval is active at the operator, every acknowledged withdrawal withdrawn;
 * - every gateway instance, asked directly, refuses every acknowledged withdrawal at once, and no
 *   read was served more than the propagation bound after one was acknowledged;
 * - every served read is in the gateway's log and in the operator's access log (the citizen's view);
 * - no component answered 500, and `portti audit verify` accepts every log.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findHaproxy } from '../../src/app/haproxy.ts';
import type { StoreLocation } from '../../src/store/database.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { expectDecisionsKept, expectReadsLogged, expectWithdrawalsHonoured, startLoad, wait } from '../helpers/fault-load.ts';
import { tempDir } from '../helpers/stores.ts';
import { createTestService, type TestService } from '../helpers/world.ts';

const url = process.env.DATABASE_URL;
/** How long after an acknowledged withdrawal a read may still be served (while instances restart). */
const BOUND_MS = 1000;

async function scenario(c: Cluster, service: TestService, location: (schema: string) => StoreLocation) {
  const load = await startLoad(c, service);
  // decisions flowing first (a loaded machine takes a while), then an instance killed in
  // mid-stream, each kind in turn (on two instances the other keeps serving)
  for (let i = 0; i < 200 && load.decisions() === 0; i += 1) await wait(100);
  const decisionsAtKill: number[] = [];
  for (const member of [c.operators[0]!, c.gateways.at(-1)!, c.operators.at(-1)!, c.gateways[0]!]) {
    await wait(700);
    decisionsAtKill.push(load.decisions());
    await c.restart(member);
  }
  await wait(700);
  const out = await load.stop();
  expect(decisionsAtKill[0]).toBeGreaterThan(0);
  expect(load.decisions()).toBeGreaterThan(decisionsAtKill.at(-1)!);
  expect(out.errors500).toEqual([]);
  await expectDecisionsKept(c, service, out);
  await expectWithdrawalsHonoured(c, service, out, BOUND_MS);
  await expectReadsLogged(out, location);
  const audit = await c.auditVerify();
  expect(audit.code, audit.out).toBe(0);
  const summary = `${load.decisions()} acknowledged decisions, ${out.withdrawn.size} withdrawals, ${out.served.length} reads, ${out.uncertain.size} answers lost in a crash; decisions at each kill ${decisionsAtKill.join(', ')}; read answers ${JSON.stringify(out.reads)}`;
  return { audit: audit.out, summary };
}

describe('crashes mid-decision', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => cluster?.close(), 30_000);

  it('on SQLite: every acknowledged decision survives a SIGKILL of the operator and of the gateway', async () => {
    const dir = tempDir('portti-crash-decisions-');
    const service = await createTestService('crash-decisions');
    cluster = await startCluster({ dir, service, instances: 1 });
    const result = await scenario(cluster, service, (schema) => ({ kind: 'sqlite', path: `${dir}/data/${schema.replace('_', '-')}.db` }));
    expect(result.audit).toMatch(/log gateway\/1: OK/);
    console.log(`crash mid-decision (SQLite): ${result.summary}`);
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
    expect(result.audit).toMatch(/log gateway\/1: OK/);
    expect(result.audit).toMatch(/log gateway\/2: OK/);
    console.log(`crash mid-decision (PostgreSQL, 2+2 instances, ${balancer}): ${result.summary}`);
  }, 180_000);
});
