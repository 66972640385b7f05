/**
 * Chaos, bounded: for CHAOS_SECONDS (default 60) two operator and two gateway instances on a
 * private PostgreSQL, behind HAProxy when it is installed, serve a steady mix of approvals,
 * withdrawals and reads while, every few seconds, one fault is injected: an operator or gateway
 * instance SIGKILLed and restarted, PostgreSQL restarted (down 2 s), or the Incomes Register cut
 * off for 3 s. Everything on loopback. Afterwards nothing acknowledged is lost, nothing was
 * served beyond the bound after an acknowledged withdrawal, nothing answered 500, the logs
 * verify, and a withdrawal is refused at both gateway instances within 250 ms, as before.
 * `npm run chaos` runs it alone; `npm test` runs it too (it takes about two minutes).
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findHaproxy } from '../../src/app/haproxy.ts';
import { signIn } from '../../src/demo/citizen-client.ts';
import { demoResidents } from '../../src/demo/demo-world.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import {
  expectDecisionsKept,
  expectReadsLogged,
  expectWithdrawalsHonoured,
  startLoad,
  wait,
  withdrawalPropagation,
} from '../helpers/fault-load.ts';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { tempDir } from '../helpers/stores.ts';
import { createTestService } from '../helpers/world.ts';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 60);
const FAULT_EVERY_MS = 5000;
const BOUND_MS = 1000;

type Fault = 'kill operator' | 'kill gateway' | 'restart postgres' | 'upstream outage';

/** The faults in order: each kind at least once, the rest random kills (seeded, so a run can be repeated). */
function schedule(slots: number, seed: number): Fault[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const faults: Fault[] = ['kill operator', 'restart postgres', 'kill gateway', 'upstream outage'];
  while (faults.length < slots) faults.push(random() < 0.5 ? 'kill operator' : 'kill gateway');
  return faults.slice(0, Math.max(slots, 4));
}

async function inject(c: Cluster, db: PrivatePostgres, fault: Fault, pick: number): Promise<void> {
  if (fault === 'kill operator') await c.restart(c.operators[pick % c.operators.length]!);
  else if (fault === 'kill gateway') await c.restart(c.gateways[pick % c.gateways.length]!);
  else if (fault === 'restart postgres') await db.restart(2000);
  else {
    await c.upstream!.cut();
    await wait(3000);
    await c.upstream!.open();
  }
}

describe.skipIf(!postgresBin())('chaos: random kills, a PostgreSQL restart and an upstream outage under load', () => {
  let db: PrivatePostgres | undefined;
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.close();
    await db?.stop();
  }, 60_000);

  it(`loses nothing and serves nothing withdrawn for ${SECONDS} s`, async () => {
    db = await startPrivatePostgres();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('CREATE DATABASE portti').finally(() => admin.end());
    const databaseUrl = db.url.replace(/\/postgres$/, '/portti');
    const service = await createTestService('chaos');
    const balancer = findHaproxy() ? 'haproxy' : 'builtin';
    cluster = await startCluster({ dir: tempDir('portti-chaos-'), service, instances: 2, databaseUrl, balancer, upstreamProxy: true });
    const quiet = demoResidents(cluster.demo.people)[5]!;
    const quietCitizen = await signIn(cluster.issuer, 'demo', quiet.personal_identity_code);
    // the median of three, so that one scheduling hiccup of a loaded machine does not decide
    const propagation = async () => {
      const samples: number[] = [];
      for (let i = 0; i < 3; i += 1)
        samples.push(await withdrawalPropagation(cluster!, service, quietCitizen, quiet.personal_identity_code));
      return samples.sort((a, b) => a - b)[1]!;
    };
    const before = await propagation();

    const load = await startLoad(cluster, service);
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const faults = schedule(Math.floor((SECONDS * 1000) / FAULT_EVERY_MS) - 1, seed);
    const started = performance.now();
    const log: string[] = [];
    for (const [i, fault] of faults.entries()) {
      await wait(Math.max(0, started + (i + 1) * FAULT_EVERY_MS - performance.now() - 1000));
      const at = performance.now();
      await inject(cluster, db, fault, seed + i);
      log.push(`${((at - started) / 1000).toFixed(1)} s ${fault} (${((performance.now() - at) / 1000).toFixed(1)} s)`);
    }
    await wait(Math.max(0, started + SECONDS * 1000 - performance.now()));
    const out = await load.stop();

    expect(out.errors500).toEqual([]);
    await expectDecisionsKept(cluster, service, out);
    await expectWithdrawalsHonoured(cluster, service, out, BOUND_MS);
    await expectReadsLogged(out, (schema) => ({ kind: 'postgres', url: databaseUrl, schema }));
    const audit = await cluster.auditVerify();
    expect(audit.code, audit.out).toBe(0);
    // after the PostgreSQL restart, withdrawals propagate as fast as before it
    const after = await propagation();
    expect(before).toBeLessThan(250);
    expect(after).toBeLessThan(250);
    console.log(
      `chaos (seed ${seed}, ${balancer}, ${SECONDS} s): ${load.decisions()} acknowledged decisions, ${out.withdrawn.size} withdrawals, ` +
        `${out.served.length} reads served (answers ${JSON.stringify(out.reads)}), ${out.uncertain.size} answers lost in a crash, 0 answers 500; withdrawal refused at both ` +
        `gateway instances in ${before.toFixed(0)} ms (median of 3) before and ${after.toFixed(0)} ms after; faults: ${log.join('; ')}`,
    );
  }, 240_000);
});
