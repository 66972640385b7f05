/**
 * Over plain HTTP: the operator negotiates errors (HTML pages for browsers, problem+json for
 * every other client), a form post without a session keeps its intent for browsers (sign in,
 * then the same action asked again) and answers 401 to API clients, sign-out sends the browser
 * to the identity provider's end_session_endpoint with id_token_hint and post_logout_redirect_uri
 * and makes the next sign-in `prompt=login`; a card's validity follows its status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../src/demo/citizen-client.ts';
import { recordValidity } from '../../src/operator/citizen/consent-terms.ts';
import { createTestService, PEOPLE, serviceDefinition, startWorld, type World } from '../helpers/world.ts';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'sv-FI,sv;q=0.9' };

describe('errors, intents and sign-out over HTTP', () => {
  let world: World;
  let issuer: string;
  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    await world.operators.a.registry.putService(serviceDefinition(await createTestService('http-service')));
  });
  afterAll(async () => world?.close());

  it('answers browsers with a page in their language and everyone else with problem+json', async () => {
    const page = await fetch(`${issuer}/no/such/page`, { headers: BROWSER });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain('Sidan hittades inte');
    expect(html).not.toContain('"type"');
    for (const accept of [undefined, '*/*', 'application/json', 'application/problem+json']) {
      const res = await fetch(`${issuer}/no/such/page`, { headers: accept ? { accept } : {} });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('not_found');
    }
    // the citizen API stays JSON for its clients
    const api = await fetch(`${issuer}/citizen/api/me`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { code: string }).code).toBe('session_required');
  });

  it('sends a browser whose session ended to sign in and back to the same withdrawal; an API client gets 401', async () => {
    const path = `/dashboard/consents/${encodeURIComponent('urn:uuid:1')}/withdraw`;
    const body = new URLSearchParams({ _csrf: 'old', party_id: 'p-1' });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const browser = await fetch(`${issuer}${path}`, { method: 'POST', body, headers: { ...form, ...BROWSER }, redirect: 'manual' });
    expect(browser.status).toBe(303);
    const to = new URL(browser.headers.get('location')!, issuer);
    expect(to.pathname).toBe('/signin');
    expect(to.searchParams.get('reason')).toBe('session_ended');
    expect(to.searchParams.get('return_to')).toBe(`${path}?party_id=p-1&again=signed_in`);
    const api = await fetch(`${issuer}${path}`, { method: 'POST', body, headers: form, redirect: 'manual' });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { code: string }).code).toBe('session_required');
  });

  it('signs out at the identity provider too, and the next sign-in asks who you are', async () => {
    const aino = await signIn(issuer, 'demo', PEOPLE.aino.key);
    const out = await aino.browser.request(
      `${issuer}/logout`,
      { method: 'POST', body: new URLSearchParams({ _csrf: aino.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (u) => u.origin === world.idpIssuer,
    );
    expect(out.status).toBe(299);
    const end = new URL(aino.browser.lastUrl);
    expect(end.pathname).toBe('/session/end');
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${issuer}/signed-out`);
    expect((await aino.browser.get(`${issuer}/citizen/api/me`)).status).toBe(401);
    await aino.browser.get(`${issuer}/login/demo?return_to=/dashboard`, (u) => u.origin === world.idpIssuer);
    expect(new URL(aino.browser.lastUrl).searchParams.get('prompt')).toBe('login');
  });

  it('shows no validity on ended records, the expiry of one in force, and the date a pending one would get today', () => {
    const now = Date.parse('2026-03-03T12:00:00Z');
    const base = { expires_at: null, updated_at: '2026-03-01T10:00:00.000Z', validity_duration: 'P1Y' };
    for (const status of ['withdrawn', 'declined', 'expired', 'moved'] as const)
      expect(recordValidity({ ...base, status }, now)).toEqual({ kind: 'ended', at: base.updated_at });
    expect(recordValidity({ ...base, status: 'pending' }, now)).toEqual({
      kind: 'from_activation',
      duration: 'P1Y',
      if_today: '2027-03-03T12:00:00.000Z',
    });
    expect(recordValidity({ ...base, status: 'active', expires_at: '2027-03-01T10:00:00.000Z' }, now)).toEqual({
      kind: 'until',
      at: '2027-03-01T10:00:00.000Z',
      duration: null,
    });
    expect(recordValidity({ ...base, status: 'active', validity_duration: null }, now)).toEqual({ kind: 'until_withdrawn' });
  });
});
