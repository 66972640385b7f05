/**
 * The many-instances recipe: `portti start --instances 2` on one PostgreSQL runs two gateway
 * and two operator processes, each component behind HAProxy with `deploy/haproxy.cfg` when
 * haproxy is installed (the built-in development balancer otherwise, with a note; choose with
 * PORTTI_TEST_BALANCER=builtin|haproxy). A citizen approves at operator instance 1 and withdraws
 * at operator instance 2; both gateway instances (reached directly) serve before and refuse
 * after; the access records of both gateway instances reach the citizen's access log; with one
 * gateway instance SIGKILLed, reads through the balancer are still served.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { citizenGet, citizenPost, decide, signIn } from '../../src/demo/citizen-client.ts';
import { findHaproxy } from '../../src/app/haproxy.ts';
import { DEMO_RESIDENTS } from '../../src/demo/population/population.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';
import { writeClusterConfig } from '../helpers/cluster.ts';
import { tempDir } from '../helpers/stores.ts';
import { callApi, createTestService, freePort, sourceToken } from '../helpers/world.ts';

const url = process.env.DATABASE_URL;
const PURPOSE = 'https://w3id.org/dpv#ServiceProvision';
const balancer = process.env.PORTTI_TEST_BALANCER ?? (findHaproxy() ? 'haproxy' : 'builtin');
if (url && !findHaproxy())
  console.warn('haproxy is not installed (apt-get install haproxy): the instances test runs behind the built-in development balancer');

async function admin(databaseUrl: string, statement: string) {
  const u = new URL(databaseUrl);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(!url)(`portti start --instances 2 --balancer ${balancer} (one PostgreSQL)`, () => {
  const database = `portti_instances_${randomBytes(4).toString('hex')}`;
  const databaseUrl = (() => {
    const u = new URL(url ?? 'postgres://localhost/x');
    u.pathname = `/${database}`;
    return u.toString();
  })();
  let portti: ChildProcess | undefined;
  afterAll(async () => {
    if (portti && portti.exitCode === null) {
      const exited = new Promise((r) => portti!.once('exit', r));
      portti.kill('SIGTERM');
      await exited;
    }
    await admin(url!, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }, 30_000);

  it('a withdrawal at operator instance 2 is refused at both gateway instances; both report to the citizen', async () => {
    await admin(url!, `CREATE DATABASE ${database}`);
    const dir = tempDir('portti-instances-');
    const service = await createTestService('instances-service');
    const [gw, op, reg, idp] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const config = writeClusterConfig({ dir, service, databaseUrl }, { gw, op, reg, idp });
    portti = spawn(process.execPath, ['bin/portti.js', 'start', '--instances', '2', '--balancer', balancer, '--config', config], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    portti.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    portti.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 900 && !out.includes('Portti is running'); i += 1) {
      if (portti.exitCode !== null) throw new Error(`portti exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain('Portti is running');
    const banner = (kind: string, n: number) => new RegExp(`${kind} \\S+ instance ${n} \\(pid (\\d+)\\)\\s+(http://\\S+)`).exec(out);
    const instanceUrl = (kind: string, n: number) => banner(kind, n)?.[2] ?? '';
    const operators = [instanceUrl('operator', 1), instanceUrl('operator', 2)];
    const gateways = [instanceUrl('gateway', 1), instanceUrl('gateway', 2)];
    expect([...operators, ...gateways].every((u) => u.startsWith('http://'))).toBe(true);
    const issuer = `http://127.0.0.1:${op}`;
    const publicUrl = `http://127.0.0.1:${gw}/sources/incomes-register/income`;
    const resource = `http://127.0.0.1:${gw}/sources/incomes-register`;

    // the service files a request through the balancer; Aino approves at operator instance 1
    const aino = DEMO_RESIDENTS.aino.personal_identity_code;
    const filed = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: aino }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(filed.status).toBe(201);
    const record = ((await filed.json()) as { record_id: string }).record_id;
    const citizen = await signIn(issuer, 'demo', aino);
    for (const o of operators) citizen.browser.shareCookies(issuer, o);
    const atInstance = (n: number) => ({ ...citizen, issuer: operators[n]! });
    expect((await decide(atInstance(0), record, { approve: true })).status).toBe(200);

    // each gateway instance, reached directly (DPoP htu is the public URL behind the balancer)
    const token = await sourceToken(service, issuer, resource, record, ['annual_income', 'income_year']);
    const read = async (instance: string, bearer = token) => {
      const res = await fetch(`${instance}/sources/incomes-register/income`, {
        headers: { authorization: `DPoP ${bearer}`, dpop: await createDpopProof(service.dpop, 'GET', publicUrl, bearer) },
      });
      await res.arrayBuffer();
      return res.status;
    };
    const until = async (want: number, instance: string, bearer = token) => {
      for (let i = 0; i < 100; i += 1) {
        if ((await read(instance, bearer)) === want) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    for (const g of gateways) expect(await until(200, g), `${g} serves after approval`).toBe(true);

    // withdrawn at operator instance 2: both gateway instances refuse
    const withdrawn = await citizenPost(atInstance(1), `/citizen/api/consents/${encodeURIComponent(record)}/withdraw`, {});
    expect(withdrawn.status).toBe(200);
    const started = performance.now();
    for (const g of gateways) expect(await until(403, g), `${g} refuses after withdrawal`).toBe(true);
    const refusedAfter = performance.now() - started;

    // the access records of both gateway instances (own audit chains) reach the citizen
    let chains = new Set<string>();
    for (let i = 0; i < 100 && chains.size < 2; i += 1) {
      const log = await citizenGet<Array<{ chain: string; outcome: string }>>(
        atInstance(0),
        `/citizen/api/access-log?record_id=${encodeURIComponent(record)}&limit=1000`,
      );
      if (!Array.isArray(log)) throw new Error(`access log: ${JSON.stringify(log)}`);
      chains = new Set(log.filter((r) => r.outcome === 'allowed').map((r) => r.chain));
      if (chains.size < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect([...chains].sort()).toEqual(['gateway/1', 'gateway/2']);

    // a new consent; gateway instance 2 is SIGKILLed: every read through the balancer is still served
    const again = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: aino }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    const second = ((await again.json()) as { record_id: string }).record_id;
    expect((await decide(atInstance(0), second, { approve: true })).status).toBe(200);
    const fresh = await sourceToken(service, issuer, resource, second, ['annual_income', 'income_year']);
    for (const g of gateways) expect(await until(200, g, fresh), `${g} serves the new consent`).toBe(true);
    // once its port refuses connections: a request already sent to a dying instance fails (HAProxy
    // retries only what never reached an instance, as a DPoP proof may already be spent there)
    process.kill(Number(banner('gateway', 2)?.[1]), 'SIGKILL');
    for (
      let i = 0;
      i < 100 &&
      (await fetch(`${gateways[1]}/healthz`).then(
        () => true,
        () => false,
      ));
      i += 1
    )
      await new Promise((r) => setTimeout(r, 50));
    const balanced = `http://127.0.0.1:${gw}`;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push(await read(balanced, fresh));
    expect(statuses, 'reads through the balancer with gateway instance 2 killed').toEqual(Array(10).fill(200));
    console.log(
      `instances (${balancer}): withdrawal at operator instance 2 refused at both gateway instances after ${refusedAfter.toFixed(0)} ms; ` +
        `access records from chains ${[...chains].join(', ')}; 10 of 10 reads served with gateway instance 2 killed`,
    );
  }, 120_000);
});
