/**
 * Revocation that bites (RFC 7009): a service revokes one of its source tokens at the
 * operator's revocation_endpoint and the gateway refuses that token on the next read within
 * the consent feed's propagation bound (1 s), while the service's other tokens keep working;
 * the revocation survives an operator restart (a gateway that syncs the feed from scratch
 * refuses too, and so does introspection); a suspended service's tokens are refused likewise;
 * and with two operator instances on one PostgreSQL, a token revoked at instance 1 is refused
 * by a gateway fed by instance 2.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/gateway.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { createOperator, type Operator } from '../../src/operator/operator.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { OperatorClient } from '../../src/gateway/operators/operator-client.ts';
import { isTokenActive } from '../../src/gateway/token/introspection.ts';
import { RevocationList } from '../../src/gateway/token/revocation-list.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';
import { postToAs } from '../../src/shared/oauth/oauth-client.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { dropLocation, tempDir } from '../helpers/stores.ts';
import {
  createTestService,
  fileRequest,
  freePort,
  metadata,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const DATATYPES = ['annual_income', 'income_year'];
const BOUND_MS = 1000;

/** RFC 7009 revocation as a client sends it (form body, `private_key_jwt`), to `base` (an instance's own address). */
async function revoke(service: TestService, issuer: string, token: string, base = issuer): Promise<number> {
  const client = { clientId: service.clientId, key: service.key };
  const res = await postToAs(await metadata(issuer), `${base}/api/revoke`, client, { token, token_type_hint: 'access_token' });
  return res.status;
}

/** Reads until the gateway refuses the token; returns how long that took (ms) and the refusal. */
async function refusedAfter(service: TestService, url: string, token: string, since: number, limitMs = 5000) {
  for (;;) {
    const res = await readSource(service, url, token);
    if (res.status !== 200) return { ms: performance.now() - since, status: res.status, body: (await res.json()) as { code?: string } };
    await res.arrayBuffer();
    if (performance.now() - since > limitMs) throw new Error(`still served ${limitMs} ms after the revocation`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An active consent record of Aino for `service` at operator `op`, once the gateway's replica has it. */
async function activeRecord(op: Operator, issuer: string, service: TestService, gateways: Gateway[], resource: string): Promise<string> {
  const filed = await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code]);
  await op.consents.decide(filed.record_id, filed.parties[0]!.party_id, 'account:test', { approve: true });
  for (let i = 0; i < 200; i += 1) {
    if (gateways.every((g) => g.replica.get(issuer, filed.record_id, resource)?.status === 'active')) return filed.record_id;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the consent did not reach the gateway');
}

/** What the operator's RFC 7662 introspection says of a token (asked as the gateway). */
function introspect(world: World, token: string): Promise<boolean> {
  return isTokenActive(new OperatorClient(world.gateway.directory), world.issuers.a, token);
}

/** Reads through a gateway instance at `base` that serves the same public URL (as behind a balancer). */
async function readVia(service: TestService, base: string, url: string, token: string): Promise<Response> {
  const path = new URL(url).pathname;
  return fetch(`${base}${path}`, {
    headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(service.dpop, 'GET', url, token) },
  });
}

describe('token revocation reaches the gateway', () => {
  let world: World;
  let service: TestService;
  let recordId: string;
  let url: string;
  const extra: Gateway[] = [];

  beforeAll(async () => {
    world = await startWorld();
    service = await createTestService('revoking-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    url = `${world.resource}/income`;
    recordId = await activeRecord(world.operators.a, world.issuers.a, service, [world.gateway], world.resource);
  }, 60_000);
  afterAll(async () => {
    for (const g of extra) await g.close();
    await world?.close();
  });

  it('refuses a revoked token on the next read within 1 s; the service’s other token still reads', async () => {
    const revoked = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    const other = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readSource(service, url, revoked)).status).toBe(200);
    const started = performance.now();
    expect(await revoke(service, world.issuers.a, revoked)).toBe(200);
    const refused = await refusedAfter(service, url, revoked, started);
    console.log(`revoked token refused at the gateway ${refused.ms.toFixed(1)} ms after the revocation request`);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_token');
    expect(refused.ms).toBeLessThan(BOUND_MS);
    expect((await readSource(service, url, other)).status).toBe(200);
    expect(await introspect(world, revoked)).toBe(false);
    expect(await introspect(world, other)).toBe(true);
    // a restarted gateway keeps refusing it: the revocation is in its store
    const claims = decodeJwt(revoked) as { jti: string; iat: number; client_id: string };
    const reloaded = new RevocationList(world.gateway.store.db, 30);
    await reloaded.load();
    expect(reloaded.isRevoked({ iss: world.issuers.a, ...claims })).toBe(true);
    // a second revocation of the same token, and an invalid token, are answered 200 (RFC 7009)
    expect(await revoke(service, world.issuers.a, revoked)).toBe(200);
    expect(await revoke(service, world.issuers.a, 'not-a-token')).toBe(200);
  });

  it('keeps the revocation across an operator restart: introspection and a gateway syncing from scratch refuse it', async () => {
    const revoked = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect(await revoke(service, world.issuers.a, revoked)).toBe(200);
    await refusedAfter(service, url, revoked, performance.now());
    await world.restartOperator('a');
    expect(await introspect(world, revoked)).toBe(false);

    // a new gateway instance of the same public URL, with an empty store, learns it from the feed's backlog
    const port = await freePort();
    await world.operators.a.registry.putGateway({
      client_id: 'gateway-fresh',
      name: 'Fresh gateway',
      jwks_uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      sources: ['incomes'],
    });
    const fresh = await createGateway({
      store: await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), 'fresh.db') }),
      logLevel: 'silent',
      instance: 'fresh',
      config: {
        ...world.gatewayConfig,
        listen: { host: '127.0.0.1', port },
        operators: [{ issuer: world.issuers.a, client_id: 'gateway-fresh' }],
        sources: world.gatewayConfig.sources.map((s) => ({ ...s, admitted_operators: [world.issuers.a] })),
      },
    });
    extra.push(fresh);
    await fresh.app.listen({ port, host: '127.0.0.1' });
    fresh.startBackground();
    for (let i = 0; i < 200 && !fresh.feeds.get(world.issuers.a)!.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 25));
    const freshBase = `http://127.0.0.1:${port}`;
    const valid = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readVia(service, freshBase, url, valid)).status).toBe(200);
    const res = await readVia(service, freshBase, url, revoked);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/revoked/);

    // and the restarted operator's revocations still reach the first gateway within the bound
    for (let i = 0; i < 200 && !world.gateway.feeds.get(world.issuers.a)!.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 25));
    const next = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readSource(service, url, next)).status).toBe(200);
    const started = performance.now();
    expect(await revoke(service, world.issuers.a, next)).toBe(200);
    const refused = await refusedAfter(service, url, next, started);
    console.log(`after an operator restart: refused ${refused.ms.toFixed(1)} ms after the revocation request`);
    expect(refused.ms).toBeLessThan(BOUND_MS);
  }, 60_000);

  it('refuses a suspended service’s tokens within 1 s, issues it none, and serves its new tokens after resumption', async () => {
    const token = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readSource(service, url, token)).status).toBe(200);
    const admin = (path: string, body?: unknown) =>
      fetch(`${world.issuers.a}/admin/services/${service.clientId}/${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-token-a-0123456789', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const started = performance.now();
    expect((await admin('suspend', { reason: 'under investigation' })).status).toBe(200);
    const refused = await refusedAfter(service, url, token, started);
    console.log(`suspended service's token refused ${refused.ms.toFixed(1)} ms after the suspension`);
    expect(refused.status).toBe(401);
    expect(refused.ms).toBeLessThan(BOUND_MS);
    await expect(sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES)).rejects.toThrow();
    expect(await introspect(world, token)).toBe(false);

    expect((await admin('resume')).status).toBe(200);
    // tokens are issued again; those from before the suspension stay refused until they expire
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readSource(service, url, fresh)).status).toBe(200);
    expect((await readSource(service, url, token)).status).toBe(401);
  }, 30_000);
});

const pgUrl = process.env.DATABASE_URL;

describe.skipIf(!pgUrl)('token revocation across operator instances on PostgreSQL', () => {
  const location: StoreLocation = { kind: 'postgres', url: pgUrl ?? '', schema: `rv_${randomBytes(5).toString('hex')}` };
  let world: World;
  let instance1: Operator;
  let base1: string;
  let service: TestService;

  beforeAll(async () => {
    // operator A on PostgreSQL is instance 2: the gateway follows its feed at the issuer's address
    world = await startWorld({
      location: (name) => (name === 'operator-a' ? location : { kind: 'sqlite', path: join(tempDir(), `${name}.db`) }),
    });
    const port = await freePort();
    instance1 = await createOperator({
      store: await openStore<OperatorDatabase>(location),
      logLevel: 'silent',
      config: { ...world.operatorConfigs.a, listen: { host: '127.0.0.1', port } },
    });
    await instance1.app.listen({ port, host: '127.0.0.1' });
    base1 = `http://127.0.0.1:${port}`;
    service = await createTestService('pg-revoking-service');
    await instance1.registry.putService(serviceDefinition(service));
  }, 60_000);
  afterAll(async () => {
    await instance1?.close();
    await world?.close();
    await dropLocation(location);
  });

  it('a token revoked at instance 1 is refused by the gateway fed by instance 2 within 1 s', async () => {
    const recordId = await activeRecord(world.operators.a, world.issuers.a, service, [world.gateway], world.resource);
    const url = `${world.resource}/income`;
    const token = await sourceToken(service, world.issuers.a, world.resource, recordId, DATATYPES);
    expect((await readSource(service, url, token)).status).toBe(200);
    const started = performance.now();
    expect(await revoke(service, world.issuers.a, token, base1)).toBe(200);
    const refused = await refusedAfter(service, url, token, started);
    console.log(`revoked at instance 1, refused via instance 2's feed ${refused.ms.toFixed(1)} ms later`);
    expect(refused.status).toBe(401);
    expect(refused.ms).toBeLessThan(BOUND_MS);
  }, 30_000);
});
