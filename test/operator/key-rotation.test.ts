/**
 * Rotating the operator's signing key while a consent is in use: new tokens carry the new
 * kid and the running gateway accepts them after refetching the JWKS (no restart), tokens
 * signed before the rotation keep working until they expire, both keys are published,
 * and consent changes signed with the new key still reach the gateway.
 */
import { decide as citizenDecide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { verifyReceipt } from '../../src/core/receipt/receipt.ts';
import {
  createTestService,
  fileRequest,
  metadata,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

const ADMIN = { authorization: 'Bearer admin-token-a-0123456789' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads until `accept(status)` or the deadline; returns the last response and how many tries it took. */
async function readUntil(service: TestService, url: string, token: string, accept: (status: number) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let tries = 0;
  for (;;) {
    tries += 1;
    const res = await readSource(service, url, token);
    if (accept(res.status) || Date.now() > deadline) return { res, tries };
    await res.body?.cancel();
    await sleep(200);
  }
}

describe('operator signing key rotation', () => {
  let world: World;
  let issuer: string;
  let service: TestService;
  let aino: Citizen;
  let recordId: string;
  let oldKid: string;
  let newKid: string;
  let oldUnusedToken: string;
  const income = () => `${world.resource}/income`;

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    recordId = (await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code])).record_id;
    aino = await signIn(issuer, 'aino');
    const decided = await citizenDecide(aino, recordId, { approve: true });
    expect(decided.status).toBe(200);
  });
  afterAll(async () => world?.close());

  it('serves a token signed with the current key at the gateway', async () => {
    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income', 'income_year']);
    oldKid = decodeProtectedHeader(token).kid!;
    expect(oldKid).toBe(world.operators.a.keys()[0]!.kid);
    const { res } = await readUntil(service, income(), token, (s) => s === 200, 3000);
    expect(res.status).toBe(200);
    // a second token under the old key that the gateway has never seen
    oldUnusedToken = await sourceToken(service, issuer, world.resource, recordId, ['annual_income']);
    expect(decodeProtectedHeader(oldUnusedToken).kid).toBe(oldKid);
  });

  it('rotates only with the admin credential and answers the new kid', async () => {
    const refused = await fetch(`${issuer}/admin/keys/rotate`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('unauthorized');

    const res = await fetch(`${issuer}/admin/keys/rotate`, { method: 'POST', headers: ADMIN });
    expect(res.status).toBe(200);
    newKid = ((await res.json()) as { kid: string }).kid;
    expect(newKid).toEqual(expect.any(String));
    expect(newKid).not.toBe(oldKid);
    expect(world.operators.a.keys()[0]!.kid).toBe(newKid);
  });

  it('publishes both keys in the JWKS', async () => {
    const res = await fetch((await metadata(issuer)).jwks_uri);
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: JWK[] };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(newKid);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();
  });

  it('signs new tokens with the new key, which the running gateway accepts after refetching the JWKS', async () => {
    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income', 'income_year']);
    expect(decodeProtectedHeader(token).kid).toBe(newKid);
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    const { res, tries } = await readUntil(service, income(), token, (s) => s === 200);
    expect(res.status, `after ${tries} tries`).toBe(200);
    expect(Object.keys((await res.json()) as object).sort()).toEqual(['annual_income', 'income_year']);
  });

  it('still accepts a token signed with the old key before the rotation', async () => {
    expect(decodeProtectedHeader(oldUnusedToken).kid).toBe(oldKid);
    expect(decodeJwt(oldUnusedToken).exp! * 1000).toBeGreaterThan(Date.now());
    const res = await readSource(service, income(), oldUnusedToken);
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toEqual(['annual_income']);
  });

  it('delivers a withdrawal signed with the new key to the gateway', async () => {
    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income']);
    expect((await readSource(service, income(), token)).status).toBe(200);
    const res = await aino.browser.request(`${issuer}/citizen/api/consents/${encodeURIComponent(recordId)}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const { res: after } = await readUntil(service, income(), token, (s) => s !== 200);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { code: string }).code).toBe('consent_not_active');
  });

  it('signs receipts after the rotation with the new key, and keeps the earlier ones verifiable', async () => {
    const res = await aino.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(recordId)}/receipts`);
    const receipts = (await res.json()) as Array<{ jws: string }>;
    expect(receipts.length).toBe(3);
    expect(decodeProtectedHeader(receipts[0]!.jws).kid).toBe(oldKid);
    expect(decodeProtectedHeader(receipts.at(-1)!.jws).kid).toBe(newKid);
    const jwks = (await (await fetch((await metadata(issuer)).jwks_uri)).json()) as { keys: JWK[] };
    for (const r of receipts) {
      const verdict = await verifyReceipt(r.jws, jwks);
      expect(verdict.outcome).toBe('valid');
    }
  });

  it('enforces a withdrawal made right after another rotation within a second', async () => {
    const second = (await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code])).record_id;
    const post = (path: string) =>
      aino.browser.request(`${issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
        body: JSON.stringify(path.endsWith('/decision') ? { approve: true } : {}),
      });
    expect((await post(`/citizen/api/consents/${encodeURIComponent(second)}/decision`)).status).toBe(200);
    const token = await sourceToken(service, issuer, world.resource, second, ['annual_income']);
    expect((await readUntil(service, income(), token, (s) => s === 200, 3000)).res.status).toBe(200);

    const rotated = await fetch(`${issuer}/admin/keys/rotate`, { method: 'POST', headers: ADMIN });
    const thirdKid = ((await rotated.json()) as { kid: string }).kid;
    expect([oldKid, newKid]).not.toContain(thirdKid);
    // the feed event of this withdrawal is signed with a kid the gateway has not fetched yet
    expect((await post(`/citizen/api/consents/${encodeURIComponent(second)}/withdraw`)).status).toBe(200);
    const started = Date.now();
    const { res } = await readUntil(service, income(), token, (s) => s !== 200, 1000);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('consent_not_active');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
