/**
 * The database going away and coming back, on PostgreSQL through a TCP proxy the test can cut:
 * while it is gone the gateway and the operator answer 503 problem+json with Retry-After (never
 * 500) and /readyz names the store; when it is back everything recovers without a restart, the
 * operator instances LISTEN again, and a withdrawal made at another instance is refused at the
 * gateway within the feed's normal bound.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator/operator.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { dropLocation } from '../helpers/stores.ts';
import { CuttableProxy } from '../helpers/tcp-proxy.ts';
import {
  createTestService,
  fileRequest,
  freePort,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const pgUrl = process.env.DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!pgUrl)('the database going away (PostgreSQL)', () => {
  const direct = new URL(pgUrl ?? 'postgres://x@127.0.0.1:5432/x');
  let proxy: CuttableProxy;
  let world: World;
  let other: Operator;
  let service: TestService;
  let record: { record_id: string; parties: Array<{ party_id: string }> };
  let token: string;
  let aino: Citizen;
  const locations: StoreLocation[] = [];
  const url = () => `${world.resource}/income`;
  const listeners = async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      const r = await c.query(`select count(*)::int as n from pg_stat_activity where query like 'LISTEN portti_consent_events%'`);
      return (r.rows[0] as { n: number }).n;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    proxy = new CuttableProxy(await freePort(), { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.open();
    const proxied = new URL(direct.href);
    proxied.port = String(proxy.port);
    const operatorA: StoreLocation = { kind: 'postgres', url: proxied.href, schema: `out_a_${randomBytes(4).toString('hex')}` };
    const gateway: StoreLocation = { kind: 'postgres', url: proxied.href, schema: `out_g_${randomBytes(4).toString('hex')}` };
    locations.push(operatorA, gateway);
    world = await startWorld({
      admitted: ['a'],
      location: (name) =>
        name === 'operator-a'
          ? operatorA
          : name === 'gateway'
            ? gateway
            : { kind: 'postgres', url: pgUrl!, schema: `out_b_${randomBytes(4).toString('hex')}` },
    });
    const port = await freePort();
    other = await createOperator({
      store: await openStore<OperatorDatabase>(operatorA),
      logLevel: 'silent',
      config: { ...world.operatorConfigs.a, listen: { host: '127.0.0.1', port } },
    });
    await other.app.listen({ port, host: '127.0.0.1' });
    service = await createTestService('outage-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    record = await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code]);
    for (const p of record.parties)
      await world.operators.a.consents.decide(record.record_id, p.party_id, 'account:test', { approve: true });
    token = await sourceToken(service, world.issuers.a, world.resource, record.record_id, ['annual_income']);
    let read = await readSource(service, url(), token);
    for (let i = 0; i < 50 && read.status !== 200; i += 1) {
      await sleep(50);
      read = await readSource(service, url(), token);
    }
    expect(read.status).toBe(200);
    aino = await signIn(world.issuers.a, 'demo', 'aino');
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await world?.close();
    await proxy?.cut();
    for (const l of locations) await dropLocation({ ...l, url: pgUrl! } as StoreLocation);
  });

  it('answers 503 with Retry-After at the gateway and the operator while the database is gone, and /readyz names it', async () => {
    expect(await listeners()).toBeGreaterThanOrEqual(2);
    await proxy.cut();
    const read = await readSource(service, url(), token);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('5');
    expect(read.headers.get('content-type')).toContain('application/problem+json');
    expect(((await read.json()) as { code: string }).code).toBe('store_unavailable');
    const consents = await aino.browser.get(`${world.issuers.a}/citizen/api/consents`);
    expect(consents.status).toBe(503);
    expect(consents.headers.get('retry-after')).toBe('5');
    // the authorization server too: RFC 6749's temporarily_unavailable, 503
    await expect(sourceToken(service, world.issuers.a, world.resource, record.record_id, ['annual_income'])).rejects.toThrow(
      /temporarily_unavailable/,
    );
    for (const base of [world.gatewayUrl, world.issuers.a]) {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain('store');
    }
  });

  it('recovers without a restart: reads served, the listeners back, a withdrawal at the other instance refused within 1 s', async () => {
    await proxy.open();
    let read = await readSource(service, url(), token);
    for (let i = 0; i < 100 && read.status !== 200; i += 1) {
      await sleep(100);
      read = await readSource(service, url(), token);
    }
    expect(read.status).toBe(200);
    for (const base of [world.gatewayUrl, world.issuers.a]) expect((await fetch(`${base}/readyz`)).status).toBe(200);
    for (let i = 0; i < 100 && (await listeners()) < 2; i += 1) await sleep(100);
    expect(await listeners()).toBeGreaterThanOrEqual(2);

    const started = performance.now();
    await other.consents.withdraw(record.record_id, record.parties[0]!.party_id, 'account:test');
    let status = 200;
    while (status === 200 && performance.now() - started < 3000) status = (await readSource(service, url(), token)).status;
    const ms = performance.now() - started;
    expect(status).toBe(403);
    expect(ms, 'withdrawal at the other instance refused at the gateway (ms)').toBeLessThan(1000);
  }, 30_000);
});
