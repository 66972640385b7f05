/**
 * Revocation propagation to every gateway instance: two gateway instances follow the
 * same operator's consent feed; for 40 withdrawals, the time from the operator's commit
 * until BOTH replicas refuse is measured (target p99 ≤ 100 ms).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { openStore } from '../../src/store/database.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  callApi,
  createTestService,
  freePort,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

describe('revocation propagation to every gateway instance', () => {
  let world: World;
  let second: Gateway;
  let service: TestService;

  beforeAll(async () => {
    world = await startWorld();
    service = await createTestService('prop-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    const port = await freePort();
    // a second gateway with its own store and keys, registered at the operator as its own client
    await world.operators.a.registry.putGateway({
      client_id: 'gateway-2',
      name: 'Gateway 2',
      jwks_uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      sources: ['incomes'],
    });
    second = await createGateway({
      store: await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), 'gw2.db') }),
      logLevel: 'silent',
      instance: 'second',
      config: {
        ...world.gatewayConfig,
        listen: { host: '127.0.0.1', port },
        operators: [{ issuer: world.issuers.a, client_id: 'gateway-2' }],
        sources: world.gatewayConfig.sources.map((s) => ({ ...s, admitted_operators: [world.issuers.a] })),
      },
    });
    await second.app.listen({ port, host: '127.0.0.1' });
    second.startBackground();
    for (let i = 0; i < 100 && !second.feeds.get(world.issuers.a)!.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await world?.close();
  });

  it('both instances refuse within milliseconds of the withdrawal (p99 over 40 withdrawals; target 100 ms)', async () => {
    const replicas = [world.gateway.replica, second.replica];
    const delays: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const filed = (await (
        await callApi(service, world.issuers.a, 'POST', '/api/consent-requests', {
          subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
          activation_mode: 'data_subject_activates',
          purpose: PURPOSE,
        })
      ).json()) as { record_id: string; parties: Array<{ party_id: string }> };
      await world.operators.a.consents.decide(filed.record_id, filed.parties[0]!.party_id, 'account:test', { approve: true });
      const waitFor = (status: string) =>
        Promise.all(
          replicas.map(
            (r) =>
              new Promise<number>((resolve) => {
                if (r.get(world.issuers.a, filed.record_id, world.resource)?.status === status) return resolve(performance.now());
                const off = r.onApply((e) => {
                  if (e.record_id === filed.record_id && e.status === status) {
                    off();
                    resolve(performance.now());
                  }
                });
              }),
          ),
        );
      await waitFor('active');
      const bothWithdrawn = waitFor('withdrawn');
      const started = performance.now();
      await world.operators.a.consents.withdraw(filed.record_id, filed.parties[0]!.party_id, 'account:test');
      const at = await bothWithdrawn;
      delays.push(Math.max(...at) - started);
    }
    delays.sort((a, b) => a - b);
    const p = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
    console.log(
      `revocation reached both gateway instances: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${delays.at(-1)!.toFixed(1)} ms`,
    );
    // the target is p99 ≤ 100 ms (measured ~5 ms); the bound leaves room for a loaded CI machine
    expect(p(0.5)).toBeLessThan(50);
    expect(p(0.99)).toBeLessThan(250);
  }, 60_000);
});
