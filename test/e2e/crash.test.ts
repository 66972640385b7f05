/**
 * Crash safety: `portti start` (operator, gateway and the demo register in one process) is
 * killed with SIGKILL while a service files consent requests and reads through the gateway.
 * After a restart on the same data directory, every consent record acknowledged with 201
 * and every access record of a response served with 200 is there, and the audit chain
 * verifies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '../../src/demo/population/population.ts';
import { openStore } from '../../src/store/database.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { tempDir } from '../helpers/stores.ts';
import { callApi, createTestService, freePort, readSource, sourceToken, type TestService } from '../helpers/world.ts';

// free ports, so a run beside another checkout's (or a running npm start) cannot collide
const GW = await freePort();
const OP = await freePort();
const REG = await freePort();
const issuer = `http://127.0.0.1:${OP}`;
const resource = `http://127.0.0.1:${GW}/sources/incomes-register`;
const PURPOSE = 'https://w3id.org/dpv#ServiceProvision';

function configFiles(dir: string, service: TestService, jwk: object) {
  const registry = {
    sources: [
      {
        id: 'incomes-register',
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
        jwks: { keys: [jwk] },
        purposes: [
          {
            purpose: PURPOSE,
            label: { fi: 'x', sv: 'x', en: 'x' },
            lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-e',
            retention_period: 'P1Y',
            attributes: [
              { source: 'incomes-register', id: 'annual_income' },
              { source: 'incomes-register', id: 'income_year' },
            ],
          },
        ],
      },
    ],
    gateways: [
      { client_id: 'gateway', name: 'gw', jwks_uri: `http://127.0.0.1:${GW}/.well-known/jwks.json`, sources: ['incomes-register'] },
    ],
  };
  writeFileSync(join(dir, 'registry.json'), JSON.stringify(registry));
  const config = {
    data_dir: join(dir, 'data'),
    log_level: 'warn',
    demo: { people: 50, seed: 1, incomes_register: { host: '127.0.0.1', port: REG } },
    gateways: [
      {
        name: 'gateway',
        listen: { host: '127.0.0.1', port: GW },
        public_url: `http://127.0.0.1:${GW}`,
        report_interval_ms: 200,
        operators: [{ issuer, client_id: 'gateway' }],
        sources: [
          {
            id: 'incomes-register',
            upstream: { base_url: `http://127.0.0.1:${REG}`, auth: { type: 'header', name: 'x-api-key', value: 'demo-register-key' } },
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
        listen: { host: '127.0.0.1', port: OP },
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

async function startPortti(config: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/portti.js', 'start', '--config', config], {
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 300 && !out.includes('Portti is running'); i += 1) {
    if (child.exitCode !== null) throw new Error(`portti exited: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!out.includes('Portti is running')) throw new Error(`portti did not start: ${out}`);
  // the gateway's consent feed must be caught up before the reads start
  for (let i = 0; i < 100; i += 1) {
    const feeds = (await (await fetch(`http://127.0.0.1:${GW}/status/feeds`)).json()) as Array<{ synced: boolean }>;
    if (feeds.every((f) => f.synced)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

describe('crash safety', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('keeps every acknowledged consent change and every served access record through SIGKILL', async () => {
    const dir = tempDir('portti-crash-');
    const service = await createTestService('crash-service');
    const config = configFiles(dir, service, { ...(service.publicJwk as object) });
    let portti = await startPortti(config);
    children.push(portti);

    const first = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: DEMO_RESIDENTS.aino.personal_identity_code }],
      activation_mode: 'automatically_activated',
      purpose: PURPOSE,
    });
    const record = ((await first.json()) as { record_id: string }).record_id;
    const token = await sourceToken(service, issuer, resource, record, ['annual_income', 'income_year']);

    const acknowledged: string[] = [];
    const served: string[] = [];
    let running = true;
    const filer = (async () => {
      while (running) {
        const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
          subjects: [{ identifier_type: 'fi_hetu', identifier: DEMO_RESIDENTS.mikko.personal_identity_code }],
          activation_mode: 'automatically_activated',
          purpose: PURPOSE,
        }).catch(() => undefined);
        if (res?.status === 201) acknowledged.push(((await res.json()) as { record_id: string }).record_id);
      }
    })();
    const readers = Array.from({ length: 4 }, async () => {
      while (running) {
        const res = await readSource(service, `${resource}/income`, token).catch(() => undefined);
        if (res?.status === 200) {
          await res.arrayBuffer().catch(() => undefined);
          served.push(res.headers.get('portti-access-id')!);
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    portti.kill('SIGKILL');
    await new Promise((r) => portti.once('exit', r));
    running = false;
    await Promise.all([filer, ...readers]);
    expect(acknowledged.length).toBeGreaterThan(3);
    expect(served.length).toBeGreaterThan(20);

    portti = await startPortti(config);
    children.push(portti);
    for (const id of acknowledged) {
      const res = await callApi(service, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`);
      expect(res.status, id).toBe(200);
    }
    // the log verifies against the operators' cosigned checkpoints while they can be asked
    const audit = spawnSync(process.execPath, ['bin/portti.js', 'audit', 'verify', '--config', config], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(audit.stdout).toMatch(/log gateway\/main: OK/);
    expect(audit.status, audit.stdout).toBe(0);
    portti.kill('SIGTERM');
    await new Promise((r) => portti.once('exit', r));

    const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(dir, 'data', 'gateway.db') });
    const present = new Set((await store.db.selectFrom('access_records').select('access_id').execute()).map((r) => r.access_id));
    await store.close();
    const missing = served.filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    console.log(
      `crash test: ${acknowledged.length} acknowledged consent requests and ${served.length} served reads before SIGKILL, all present after restart`,
    );
  }, 90_000);
});
