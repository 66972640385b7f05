/**
 * When an operator's consent feed goes stale, the gateway must not trust its replica:
 * it asks the operator (RFC 7662 introspection, live consent status included) on every
 * request, so a withdrawal the replica never heard of still takes effect at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  callApi,
  createTestService,
  metadata,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

describe('gateway falls back to introspection when the consent feed is stale', () => {
  let world: World;
  let svc: TestService;
  let recordId: string;
  let partyId: string;
  let token: string;
  let incomeUrl: string;
  let introspectionEndpoint: string;

  /** The gateway's introspection calls to operator A seen by `spy` (the world runs in this process). */
  function introspectionCalls(spy: { mock: { calls: unknown[][] } }): number {
    return spy.mock.calls.filter(([input]) => String(input instanceof Request ? input.url : input) === introspectionEndpoint).length;
  }

  beforeAll(async () => {
    world = await startWorld({ feedStaleAfterMs: 1000 });
    incomeUrl = `${world.resource}/income`;
    introspectionEndpoint = String((await metadata(world.issuers.a)).introspection_endpoint);
    expect(introspectionEndpoint).toBe(`${world.issuers.a}/api/introspect`);
    svc = await createTestService('introspection-svc');
    await world.operators.a.registry.putService(serviceDefinition(svc));
    const res = await callApi(svc, world.issuers.a, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(res.status).toBe(201);
    const filed = (await res.json()) as { record_id: string; parties: Array<{ party_id: string }> };
    recordId = filed.record_id;
    partyId = filed.parties[0]?.party_id as string;
    const decided = await world.operators.a.consents.decide(recordId, partyId, 'account:test', { approve: true, choices: [] });
    expect(decided.status).toBe('active');
    const until = Date.now() + 5000;
    while (world.gateway.replica.get(world.issuers.a, recordId, world.resource)?.status !== 'active') {
      if (Date.now() > until) throw new Error('consent never reached the gateway replica');
      await new Promise((r) => setTimeout(r, 20));
    }
    token = await sourceToken(svc, world.issuers.a, world.resource, recordId, ['annual_income', 'income_year']);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await world?.close();
  });

  it('reads with an active consent', async () => {
    const res = await readSource(svc, incomeUrl, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 }, income_year: 2025 });
  });

  it('still reads after the feed stops, because the operator confirms by introspection', async () => {
    const feed = world.gateway.feeds.get(world.issuers.a);
    expect(feed).toBeDefined();
    await feed!.stop();
    await new Promise((r) => setTimeout(r, 1100));
    expect(feed!.isFresh()).toBe(false);

    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const res = await readSource(svc, incomeUrl, token);
      expect(res.status).toBe(200);
      expect(Object.keys((await res.json()) as object).sort()).toEqual(['annual_income', 'income_year']);
      expect(introspectionCalls(spy)).toBe(1);
      const answered = spy.mock.results.find((_r, i) => String(spy.mock.calls[i]?.[0]) === introspectionEndpoint);
      expect(((await answered?.value) as Response).status).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses the very next read after a withdrawal the stale replica never heard of', async () => {
    const withdrawn = await world.operators.a.consents.withdraw(recordId, partyId, 'account:test');
    expect(withdrawn.status).toBe('withdrawn');
    // the replica (no feed) still believes the consent is active
    expect(world.gateway.replica.get(world.issuers.a, recordId, world.resource)?.status).toBe('active');

    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const res = await readSource(svc, incomeUrl, token);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('consent_not_active');
      expect(problem.detail).toMatch(/operator reports/);
      expect(introspectionCalls(spy)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(world.gateway.replica.get(world.issuers.a, recordId, world.resource)?.status).toBe('active');
  });

  it('catches up when the feed is started again, and keeps refusing', async () => {
    const feed = world.gateway.feeds.get(world.issuers.a)!;
    feed.start();
    const until = Date.now() + 5000;
    while (world.gateway.replica.get(world.issuers.a, recordId, world.resource)?.status !== 'withdrawn') {
      if (Date.now() > until) throw new Error('the resumed feed never delivered the withdrawal');
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await readSource(svc, incomeUrl, token);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('consent_not_active');
  });
});
