/**
 * Crash safety with the gateway and the operator as separate processes (`portti gateway`,
 * `portti operator`): under load (a service filing consent requests and four readers), the
 * gateway is killed with SIGKILL and restarted, then the operator. Afterwards every consent
 * record acknowledged with 201 is at the operator, every access record of a read served
 * with 200 is in the gateway's log, the audit chain verifies, and the access reports of
 * the served reads reach the operator (at least once, across both crashes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  callApi,
  createStubRegister,
  createTestService,
  freePort,
  PEOPLE,
  readSource,
  sourceToken,
  type TestService,
} from '../helpers/world.ts';

const PURPOSE = 'https://w3id.org/dpv#ServiceProvision';

function writeConfig(dir: string, service: TestService, ports: { gw: number; op: number; reg: number }): string {
  const issuer = `http://127.0.0.1:${ports.op}`;
  const resource = `http://127.0.0.1:${ports.gw}/sources/incomes`;
  const registry = {
    sources: [
      {
        id: 'incomes',
        resource,
        name: { fi: 'T', sv: 'I', en: 'Incomes' },
        identifier_type: 'fi_hetu',
        attributes: ['annual_income', 'income_year'].map((id) => ({
          id,
          label: { fi: id, sv: id, en: id },
          category: 'https://w3id.org/dpv/pd#Income',
        })),
      },
    ],
    services: [
      {
        client_id: service.clientId,
        name: { fi: 'S', sv: 'S', en: 'S' },
        controller: { name: 'City' },
        privacy_notice: 'https://example.org/p',
        jwks: { keys: [service.publicJwk] },
        purposes: [
          {
            purpose: PURPOSE,
            label: { fi: 'x', sv: 'x', en: 'x' },
            lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-e',
            retention_period: 'P1Y',
            attributes: [
              { source: 'incomes', id: 'annual_income' },
              { source: 'incomes', id: 'income_year' },
            ],
          },
        ],
      },
    ],
    gateways: [{ client_id: 'gateway', name: 'gw', jwks_uri: `http://127.0.0.1:${ports.gw}/.well-known/jwks.json`, sources: ['incomes'] }],
  };
  writeFileSync(join(dir, 'registry.json'), JSON.stringify(registry));
  const config = {
    data_dir: join(dir, 'data'),
    log_level: 'warn',
    gateways: [
      {
        name: 'gateway',
        listen: { host: '127.0.0.1', port: ports.gw },
        public_url: `http://127.0.0.1:${ports.gw}`,
        report_interval_ms: 200,
        operators: [{ issuer, client_id: 'gateway' }],
        sources: [
          {
            id: 'incomes',
            upstream: { base_url: `http://127.0.0.1:${ports.reg}` },
            admitted_operators: [issuer],
            operations: [
              {
                name: 'income',
                path: '/people/{identifier}/income',
                identifier_type: 'fi_hetu',
                attributes: { annual_income: '/annual_income', income_year: '/income_year' },
              },
            ],
          },
        ],
      },
    ],
    operators: [
      {
        name: 'operator-a',
        listen: { host: '127.0.0.1', port: ports.op },
        issuer,
        display_name: { fi: 'A', sv: 'A', en: 'A' },
        admin_token: 'admin-token-0123456789',
        cookie_secret: 'cookie-secret-0123456789abcdefghijklmn',
        registry_files: [join(dir, 'registry.json')],
      },
    ],
  };
  const file = join(dir, 'portti.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/**
 * Starts a component and waits for its banner. A restart right after a SIGKILL may find the
 * port not yet released (the killed process's sockets are torn down asynchronously): that is
 * retried for a few seconds, as a service manager would; any other exit fails the test.
 */
async function startComponent(kind: 'gateway' | 'operator', config: string): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(kind, config);
    } catch (err) {
      if (attempt >= 15 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function startOnce(kind: 'gateway' | 'operator', config: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/portti.js', kind, '--config', config], {
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 300 && !out.includes('Portti is running'); i += 1) {
    if (child.exitCode !== null) throw new Error(`portti ${kind} exited: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!out.includes('Portti is running')) throw new Error(`portti ${kind} did not start: ${out}`);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('crash safety with separate gateway and operator processes', () => {
  const children: ChildProcess[] = [];
  const register = createStubRegister();
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await register.close();
  });

  it('survives SIGKILL of the gateway and then of the operator under load', async () => {
    await register.listen({ port: 0, host: '127.0.0.1' });
    const [gw, op] = await Promise.all([freePort(), freePort()]);
    const ports = { gw, op, reg: (register.server.address() as { port: number }).port };
    const dir = tempDir('portti-crash2-');
    const service = await createTestService('crash2-service');
    const config = writeConfig(dir, service, ports);
    const issuer = `http://127.0.0.1:${op}`;
    const resource = `http://127.0.0.1:${gw}/sources/incomes`;
    let operator = await startComponent('operator', config);
    children.push(operator);
    let gateway = await startComponent('gateway', config);
    children.push(gateway);

    const first = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'automatically_activated',
      purpose: PURPOSE,
    });
    const record = ((await first.json()) as { record_id: string }).record_id;
    const token = await sourceToken(service, issuer, resource, record, ['annual_income', 'income_year']);
    for (let i = 0; i < 100; i += 1) {
      if ((await readSource(service, `${resource}/income`, token)).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const acknowledged: string[] = [];
    const served: string[] = [];
    let running = true;
    const filer = (async () => {
      while (running) {
        const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
          subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.mikko.personal_identity_code }],
          activation_mode: 'automatically_activated',
          purpose: PURPOSE,
        }).catch(() => undefined);
        if (res?.status === 201) acknowledged.push(((await res.json()) as { record_id: string }).record_id);
        else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const readers = Array.from({ length: 4 }, async () => {
      while (running) {
        const res = await readSource(service, `${resource}/income`, token).catch(() => undefined);
        if (res?.status === 200) {
          await res.arrayBuffer().catch(() => undefined);
          served.push(res.headers.get('portti-access-id')!);
        } else await new Promise((r) => setTimeout(r, 50));
      }
    });
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

    await wait(1500);
    const servedBeforeGatewayCrash = served.length;
    await kill(gateway);
    gateway = await startComponent('gateway', config);
    children.push(gateway);
    await wait(1500);
    const ackBeforeOperatorCrash = acknowledged.length;
    await kill(operator);
    operator = await startComponent('operator', config);
    children.push(operator);
    await wait(1500);
    running = false;
    await Promise.all([filer, ...readers]);
    expect(servedBeforeGatewayCrash).toBeGreaterThan(10);
    expect(served.length).toBeGreaterThan(servedBeforeGatewayCrash);
    expect(ackBeforeOperatorCrash).toBeGreaterThan(2);
    expect(acknowledged.length).toBeGreaterThan(ackBeforeOperatorCrash);

    // every acknowledged consent record is at the operator
    for (const id of acknowledged)
      expect((await callApi(service, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`)).status, id).toBe(200);

    // every served read reached the operator's access log too (reports are at least once)
    const opStore = await openStore<OperatorDatabase>({ kind: 'sqlite', path: join(dir, 'data', 'operator-a.db') });
    let missingAtOperator: string[] = served;
    for (let i = 0; i < 100 && missingAtOperator.length > 0; i += 1) {
      const have = new Set((await opStore.db.selectFrom('access_log').select('access_id').execute()).map((r) => r.access_id));
      missingAtOperator = served.filter((id) => !have.has(id));
      if (missingAtOperator.length > 0) await wait(100);
    }
    await opStore.close();
    expect(missingAtOperator).toEqual([]);

    const audit = spawnSync(process.execPath, ['bin/portti.js', 'audit', 'verify', '--config', config], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(audit.stdout).toMatch(/log gateway\/main: OK/);
    expect(audit.status, audit.stdout).toBe(0);
    for (const c of [gateway, operator]) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    const gwStore = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(dir, 'data', 'gateway.db') });
    const present = new Set((await gwStore.db.selectFrom('access_records').select('access_id').execute()).map((r) => r.access_id));
    await gwStore.close();
    expect(served.filter((id) => !present.has(id))).toEqual([]);
    console.log(
      `crash (separate processes): ${acknowledged.length} acknowledged consent requests, ${served.length} served reads across a gateway and an operator SIGKILL, all present and reported`,
    );
  }, 90_000);
});
