/**
 * Webhooks to services: Security Event Tokens (RFC 8417) pushed per RFC 8935 after a
 * consent becomes active and after it is withdrawn, signed with the operator's published
 * key; a failing endpoint is retried and the delivery's status is visible to the admin.
 */
import { signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import {
  callApi,
  createTestService,
  metadata,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

interface Delivery {
  delivery_id: string;
  client_id: string;
  event_type: string;
  record_id: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

type SetPayload = JWTPayload & { events: Record<string, { record_id: string; status: string; time: string }>; txn: string };

const ADMIN = { authorization: 'Bearer admin-token-a-0123456789' };
const EVENT_BASE = 'https://portti.dev/events/';

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks as Security Event Tokens', () => {
  let world: World;
  let issuer: string;
  let hooks: FastifyInstance;
  let hookOrigin: string;
  const received: Received[] = [];
  let flakyCalls = 0;
  const refusedBodies: string[] = [];
  const busyBodies: string[] = [];
  let fees: TestService;
  let flaky: TestService;
  let refusing: TestService;
  let busy: TestService;
  let aino: Citizen;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  async function file(service: TestService): Promise<string> {
    const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { record_id: string }).record_id;
  }

  function citizenPost(path: string, body: unknown) {
    return aino.browser.request(`${issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: JSON.stringify(body),
    });
  }

  /** Waits for the SET of `event` about `recordId` at `path`, and verifies it. */
  async function expectSet(path: string, event: string, recordId: string, client: TestService): Promise<JWTVerifyResult<SetPayload>> {
    const hit = await until(`${event} for ${recordId}`, async () => {
      for (const r of received.filter((x) => x.path === path)) {
        const verified = await jwtVerify<SetPayload>(r.body, jwks, { issuer, audience: client.clientId, typ: 'secevent+jwt' });
        const [key] = Object.keys(verified.payload.events);
        if (key?.endsWith(event) && verified.payload.events[key]?.record_id === recordId) return { r, verified };
      }
      return undefined;
    });
    expect(hit.r.contentType).toBe('application/secevent+jwt');
    const { payload, protectedHeader } = hit.verified;
    expect(protectedHeader.typ).toBe('secevent+jwt');
    expect(protectedHeader.alg).toBe('ES256');
    expect(Object.keys(payload.events)).toEqual([`${EVENT_BASE}${event}`]);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toEqual(expect.any(Number));
    expect(payload.txn).toEqual(expect.any(String));
    return hit.verified;
  }

  async function deliveries(): Promise<Delivery[]> {
    const res = await fetch(`${issuer}/admin/webhooks`, { headers: ADMIN });
    expect(res.status).toBe(200);
    return (await res.json()) as Delivery[];
  }

  beforeAll(async () => {
    hooks = Fastify({ logger: false });
    hooks.addContentTypeParser('application/secevent+jwt', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    hooks.post('/events', async (request, reply) => {
      received.push({ path: '/events', contentType: request.headers['content-type'], body: request.body as string });
      return reply.code(202).send();
    });
    hooks.post('/flaky', async (request, reply) => {
      flakyCalls += 1;
      if (flakyCalls === 1) return reply.code(500).send({ error: 'try again later' });
      received.push({ path: '/flaky', contentType: request.headers['content-type'], body: request.body as string });
      return reply.code(202).send();
    });
    hooks.post('/refuses', async (request, reply) => {
      refusedBodies.push(request.body as string);
      return reply.code(400).send({ err: 'invalid_audience', description: 'not for us' });
    });
    hooks.post('/busy', async (request, reply) => {
      busyBodies.push(request.body as string);
      return reply.code(503).send();
    });
    await hooks.listen({ port: 0, host: '127.0.0.1' });
    hookOrigin = `http://127.0.0.1:${(hooks.server.address() as { port: number }).port}`;

    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    fees = await createTestService('fee-service');
    flaky = await createTestService('flaky-service');
    await world.operators.a.registry.putService(serviceDefinition(fees, [], `${hookOrigin}/events`));
    await world.operators.a.registry.putService(serviceDefinition(flaky, [], `${hookOrigin}/flaky`));
    refusing = await createTestService('refusing-service');
    busy = await createTestService('busy-service');
    await world.operators.a.registry.putService(serviceDefinition(refusing, [], `${hookOrigin}/refuses`));
    await world.operators.a.registry.putService(serviceDefinition(busy, [], `${hookOrigin}/busy`));
    jwks = createRemoteJWKSet(new URL((await metadata(issuer)).jwks_uri));
    aino = await signIn(issuer, 'aino');
  });
  afterAll(async () => {
    await world?.close();
    await hooks?.close();
  });

  it('pushes consent.allowed after approval and consent.withdrawn after withdrawal, nothing for a pending request', async () => {
    const recordId = await file(fees);
    await new Promise((r) => setTimeout(r, 400));
    expect(received.filter((r) => r.path === '/events')).toHaveLength(0);

    const approved = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: true });
    expect(approved.status).toBe(200);
    const allowed = await expectSet('/events', 'consent.allowed', recordId, fees);
    expect(allowed.payload.events[`${EVENT_BASE}consent.allowed`]).toMatchObject({ record_id: recordId, status: 'active' });

    const withdrawn = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/withdraw`, {});
    expect(withdrawn.status).toBe(200);
    const set = await expectSet('/events', 'consent.withdrawn', recordId, fees);
    expect(set.payload.events[`${EVENT_BASE}consent.withdrawn`]).toMatchObject({ record_id: recordId, status: 'withdrawn' });
    expect(set.payload.jti).not.toBe(allowed.payload.jti);

    const mine = (await deliveries()).filter((d) => d.record_id === recordId);
    expect(mine.map((d) => d.event_type).sort()).toEqual(['consent.allowed', 'consent.withdrawn']);
    for (const d of mine) {
      expect(d).toMatchObject({ client_id: fees.clientId, status: 'delivered', attempts: 1, last_status: 202, last_error: null });
    }
    expect(mine.map((d) => d.delivery_id).sort()).toEqual([allowed.payload.txn, set.payload.txn].sort());
  });

  it('pushes consent.disallowed when the person declines', async () => {
    const recordId = await file(fees);
    const declined = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: false });
    expect(declined.status).toBe(200);
    const set = await expectSet('/events', 'consent.disallowed', recordId, fees);
    expect(set.payload.events[`${EVENT_BASE}consent.disallowed`]).toMatchObject({ record_id: recordId, status: 'declined' });
  });

  it('retries a delivery the endpoint answered with 500, and reports it delivered after two attempts', async () => {
    const recordId = await file(flaky);
    const approved = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: true });
    expect(approved.status).toBe(200);

    const failedOnce = await until('the first failed attempt', async () =>
      (await deliveries()).find((d) => d.record_id === recordId && d.attempts === 1),
    );
    expect(failedOnce).toMatchObject({
      client_id: flaky.clientId,
      event_type: 'consent.allowed',
      status: 'pending',
      last_status: 500,
      last_error: 'answered 500',
      delivered_at: null,
    });

    const set = await expectSet('/flaky', 'consent.allowed', recordId, flaky);
    const delivered = await until('the delivery to be marked delivered', async () =>
      (await deliveries()).find((d) => d.record_id === recordId && d.status === 'delivered'),
    );
    expect(delivered).toMatchObject({
      client_id: flaky.clientId,
      event_type: 'consent.allowed',
      attempts: 2,
      last_status: 202,
      last_error: null,
    });
    expect(delivered.delivered_at).toEqual(expect.any(Number));
    expect(delivered.delivery_id).toBe(set.payload.txn);
    expect(flakyCalls).toBe(2);
  });

  it('gives up at once on a receiver answering 400 (RFC 8935 §2.4), and lists the delivery as failed', async () => {
    const recordId = await file(refusing);
    const approved = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: true });
    expect(approved.status).toBe(200);
    const failed = await until('the delivery to fail', async () =>
      (await deliveries()).find((d) => d.record_id === recordId && d.status === 'failed'),
    );
    expect(failed).toMatchObject({ attempts: 1, last_status: 400, last_error: 'answered 400: invalid_audience (not for us)' });
    // the back-off would have retried within 1 s; nothing comes
    await new Promise((r) => setTimeout(r, 2500));
    expect(refusedBodies).toHaveLength(1);
    const res = await fetch(`${issuer}/admin/webhooks?status=failed`, { headers: ADMIN });
    const listed = (await res.json()) as Delivery[];
    expect(listed.map((d) => d.delivery_id)).toContain(failed.delivery_id);
    expect(listed.every((d) => d.status === 'failed')).toBe(true);
    expect((await fetch(`${issuer}/admin/webhooks?status=lost`, { headers: ADMIN })).status).toBe(400);
  });

  it('retries a receiver answering 503 with the same SET (same jti), backing off between attempts', async () => {
    const recordId = await file(busy);
    const approved = await citizenPost(`/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: true });
    expect(approved.status).toBe(200);
    const started = Date.now();
    const times: number[] = [];
    await until('three attempts', () => {
      while (times.length < busyBodies.length) times.push(Date.now() - started);
      return busyBodies.length >= 3 ? true : undefined;
    });
    const sets = await Promise.all(
      busyBodies.slice(0, 3).map((b) => jwtVerify<SetPayload>(b, jwks, { issuer, audience: busy.clientId, typ: 'secevent+jwt' })),
    );
    expect(new Set(sets.map((s) => s.payload.jti)).size).toBe(1);
    expect(new Set(sets.map((s) => s.payload.iat)).size).toBe(1);
    expect(sets[0]!.payload.txn).toBe(sets[0]!.payload.jti);
    // back-off: 1 s before the first retry, 2 s before the second
    expect(times[2]! - times[1]!).toBeGreaterThan(times[1]! - times[0]! + 500);
    const pending = (await deliveries()).find((d) => d.record_id === recordId);
    expect(pending).toMatchObject({ status: 'pending', last_status: 503, last_error: 'answered 503' });
  });

  it('keeps the delivery list behind the admin credential', async () => {
    const none = await fetch(`${issuer}/admin/webhooks`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe('unauthorized');
    const wrong = await fetch(`${issuer}/admin/webhooks`, { headers: { authorization: 'Bearer admin-token-b-0123456789' } });
    expect(wrong.status).toBe(401);
  });
});
