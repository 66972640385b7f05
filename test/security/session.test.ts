/**
 * The dashboard's session against fixation and cross-site requests: a session id obtained
 * before sign-in (and so possibly planted by an attacker) is replaced at sign-in and never
 * becomes signed in; the cookie is HttpOnly and SameSite; every state-changing dashboard form
 * refuses a missing, forged or other session's CSRF token with 403 and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, signIn } from '../../src/demo/citizen-client.ts';
import { TestBrowser } from '../../src/demo/scripted-browser.ts';
import { SESSION_COOKIE } from '../../src/operator/accounts/sessions.ts';
import {
  callApi,
  createTestService,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

describe('dashboard sessions: fixation and CSRF', () => {
  let world: World;
  let service: TestService;
  let issuer: string;
  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('session-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
  });
  afterAll(async () => world?.close());

  it('replaces a pre-sign-in (planted) session id at sign-in; the old id never signs anyone in', async () => {
    const browser = new TestBrowser();
    const login = await browser.get(`${issuer}/login/demo?return_to=/dashboard`, (u) => u.origin !== issuer);
    expect(login.status).toBe(299); // stopped at the identity provider
    const planted = browser.cookie(issuer, SESSION_COOKIE);
    expect(planted, 'a session exists before sign-in (it carries state and nonce)').toBeDefined();
    const page = await (await browser.get(browser.lastUrl)).text();
    const uid = /action="\/interaction\/([^"]+)"/.exec(page)![1]!;
    await browser.postForm(`${new URL(browser.lastUrl).origin}/interaction/${uid}`, { resident: PEOPLE.aino.key });
    const after = browser.cookie(issuer, SESSION_COOKIE);
    expect(after).toBeDefined();
    expect(after).not.toBe(planted);
    expect((await browser.get(`${issuer}/citizen/api/me`)).status).toBe(200);
    const withPlanted = await fetch(`${issuer}/citizen/api/me`, { headers: { cookie: `${SESSION_COOKIE}=${planted}` } });
    expect(withPlanted.status).toBe(401);
  });

  it('sets the session cookie HttpOnly and SameSite', async () => {
    const res = await fetch(`${issuer}/login/demo?return_to=/dashboard`, { redirect: 'manual' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=(Lax|Strict)/i);
  });

  it("refuses dashboard forms without, with a forged, or with another session's CSRF token", async () => {
    const [aino, mikko] = await Promise.all([signIn(issuer, 'demo', PEOPLE.aino.key), signIn(issuer, 'demo', PEOPLE.mikko.key)]);
    const filed = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    const record = ((await filed.json()) as { record_id: string }).record_id;
    const path = `${issuer}/dashboard/consents/${encodeURIComponent(record)}/withdraw`;
    const request = `${issuer}/dashboard/requests/${encodeURIComponent(record)}`;
    for (const token of [undefined, 'forged', mikko.csrf]) {
      const form = token === undefined ? {} : { _csrf: token };
      for (const [url, body] of [
        [request, { ...form, decision: 'approve' }],
        [`${issuer}/dashboard/erase`, { ...form, confirm: 'yes' }],
      ] as const) {
        const res = await aino.browser.postForm(url, body as Record<string, string>);
        expect(res.status, `${url} with ${token}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${url} with ${token}`).toBeLessThan(500);
      }
    }
    expect((await aino.browser.get(`${issuer}/citizen/api/me`)).status, 'not erased').toBe(200);
    expect((await decide(aino, record, { approve: true })).status).toBe(200);
    for (const token of [undefined, 'forged', mikko.csrf]) {
      const res = await aino.browser.postForm(path, token === undefined ? {} : { _csrf: token });
      expect(res.status, `withdraw with ${token}`).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('csrf_failed');
    }
    const state = (await (await aino.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(record)}`)).json()) as {
      status: string;
    };
    expect(state.status).toBe('active');
    const ok = await aino.browser.postForm(path, { _csrf: aino.csrf });
    expect(ok.status).toBe(200); // redirected to the consents page
  });
});
