/**
 * The Gateway and the Operator meet: two operators, one source, asynchronous consent
 * decided by citizens signed in through the demo IdP, DPoP-bound tokens, attribute
 * filtering, an operator not admitted, revocation propagation, access reports.
 */
import { decide as citizenDecide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, exportJWK } from 'jose';
import { verifyLog } from '../../src/audit/log-verify.ts';
import { logVerifiers } from '../../src/audit/log-origin.ts';
import { askWitnesses } from '../../src/cli/witnesses.ts';
import { publicJwks } from '../../src/store/keys.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';
import {
  callApi,
  createTestService,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

describe('gateway and operators end to end', () => {
  let world: World;
  let feeA: TestService;
  let feeB: TestService;
  let recordA: string;
  let recordB: string;
  let aino: Citizen;

  beforeAll(async () => {
    world = await startWorld();
    feeA = await createTestService('fee-service');
    feeB = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(feeA));
    await world.operators.b.registry.putService(serviceDefinition(feeB));
  });
  afterAll(async () => world?.close());

  it('files a request at A that Aino approves without the optional employer', async () => {
    const res = await callApi(feeA, world.issuers.a, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(res.status).toBe(201);
    const filed = (await res.json()) as { record_id: string; status: string };
    expect(filed.status).toBe('pending');
    recordA = filed.record_id;

    aino = await signIn(world.issuers.a, 'aino');
    const pending = (await (await aino.browser.get(`${world.issuers.a}/citizen/api/requests`)).json()) as Array<{ record_id: string }>;
    expect(pending.map((p) => p.record_id)).toContain(recordA);
    const decided = await citizenDecide(aino, recordA, { approve: true, choices: [] });
    expect(decided.status).toBe(200);
    expect(((await decided.json()) as { status: string }).status).toBe('active');
  });

  it('refuses a token before consent and beyond consent at the authorization server', async () => {
    await expect(sourceToken(feeA, world.issuers.a, world.resource, recordA, ['annual_income', 'employer'])).rejects.toThrow(
      /beyond the consent/,
    );
    await expect(
      sourceToken(feeA, world.issuers.a, world.resource, 'urn:uuid:00000000-0000-0000-0000-000000000000', ['annual_income']),
    ).rejects.toThrow(/unknown consent_record_id/);
  });

  it('reads only the consented attributes through the gateway with a token from A', async () => {
    const token = await sourceToken(feeA, world.issuers.a, world.resource, recordA, ['annual_income', 'income_year']);
    const res = await readSource(feeA, `${world.resource}/income`, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 }, income_year: 2025 });
    expect(res.headers.get('portti-access-id')).toMatch(/^urn:uuid:/);
  });

  it("serves operator B at the same time, with B's own consent and choices", async () => {
    const res = await callApi(feeB, world.issuers.b, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.mikko.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    recordB = ((await res.json()) as { record_id: string }).record_id;
    const mikko = await signIn(world.issuers.b, 'mikko');
    const decided = await citizenDecide(mikko, recordB, { approve: true, choices: [`${world.resource}#employer`] });
    expect(decided.status).toBe(200);

    const [tokenA, tokenB] = await Promise.all([
      sourceToken(feeA, world.issuers.a, world.resource, recordA, ['annual_income']),
      sourceToken(feeB, world.issuers.b, world.resource, recordB, ['annual_income', 'employer']),
    ]);
    const [ra, rb] = await Promise.all([
      readSource(feeA, `${world.resource}/income`, tokenA),
      readSource(feeB, `${world.resource}/income`, tokenB),
    ]);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(Object.keys((await ra.json()) as object)).toEqual(['annual_income']);
    expect(Object.keys((await rb.json()) as object).sort()).toEqual(['annual_income', 'employer']);
  });

  it('refuses a token from an operator that is not admitted', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const rogueIss = 'http://127.0.0.1:9';
    const jkt = feeA.dpop.jkt;
    const token = await new SignJWT({
      client_id: 'fee-service',
      cnf: { jkt },
      authorization_details: [{ type: 'personal_data_access', locations: [world.resource], consent_record_id: recordA }],
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(publicKey) })
      .setIssuer(rogueIss)
      .setAudience(world.resource)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(privateKey);
    const res = await readSource(feeA, `${world.resource}/income`, token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_token');
  });

  it('refuses the next request after Aino withdraws at A, and reports how fast', async () => {
    const token = await sourceToken(feeA, world.issuers.a, world.resource, recordA, ['annual_income']);
    expect((await readSource(feeA, `${world.resource}/income`, token)).status).toBe(200);
    const applied = new Promise<number>((resolve) => {
      const off = world.gateway.replica.onApply((e) => {
        if (e.record_id === recordA && e.status === 'withdrawn') {
          off();
          resolve(performance.now());
        }
      });
    });
    const started = performance.now();
    const res = await aino.browser.request(`${world.issuers.a}/citizen/api/consents/${encodeURIComponent(recordA)}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const acknowledged = performance.now();
    const refusedAt = await applied;
    const after = await readSource(feeA, `${world.resource}/income`, token);
    expect(after.status).toBe(403);
    const problem = (await after.json()) as { code: string; consent_status: string };
    expect(problem.code).toBe('consent_not_active');
    expect(problem.consent_status).toBe('withdrawn');
    console.log(
      `revocation: acknowledged after ${(acknowledged - started).toFixed(1)} ms, effective at the gateway ${(refusedAt - acknowledged).toFixed(1)} ms after the acknowledgement`,
    );
    expect(refusedAt - acknowledged).toBeLessThan(1000);
    // a withdrawn record is never honoured again: the gateway keeps no identifier of it, in memory or in its store
    const entry = world.gateway.replica.get(world.issuers.a, recordA, world.resource)!;
    expect(entry.subjects.map((x) => x.identifier)).toEqual(['']);
    const rows = await world.gateway.store.db.selectFrom('replica_consents').select('subjects').where('record_id', '=', recordA).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subjects).not.toContain(PEOPLE.aino.personal_identity_code);
  });

  it("shows the reads in the citizen's access log, each proven in a checkpoint both operators cosigned", async () => {
    let entries: Array<{ consent_record_id: string; outcome: string; datatypes_released: string[] }> = [];
    for (let i = 0; i < 50 && !entries.some((e) => e.outcome === 'refused'); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      entries = (await (await aino.browser.get(`${world.issuers.a}/citizen/api/access-log`)).json()) as typeof entries;
    }
    expect(entries.filter((e) => e.outcome === 'allowed').length).toBeGreaterThanOrEqual(3);
    expect(entries.some((e) => e.outcome === 'refused')).toBe(true);
    expect(entries.every((e) => e.consent_record_id === recordA)).toBe(true);
    // within about a second each entry carries its inclusion proof, which the operator checks
    let verdict = { checked: 0, broken: 0, pending: entries.length };
    for (let i = 0; i < 50 && verdict.checked < entries.length; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      const shown = (await (await aino.browser.get(`${world.issuers.a}/citizen/api/access-log`)).json()) as Array<Record<string, unknown>>;
      verdict = await world.operators.a.citizens.verifyAccessEntries(shown);
    }
    expect(verdict).toEqual({ checked: entries.length, broken: 0, pending: 0 });
    const log = world.gateway.accessLog;
    const keys = logVerifiers(publicJwks(world.gateway.keys()), log.origin);
    const view = await askWitnesses([world.issuers.a, world.issuers.b], log.origin, keys);
    expect(view.unreachable).toEqual(new Map());
    expect(view.checkpoints.map((c) => c.witness).sort()).toEqual([world.issuers.a, world.issuers.b].sort());
    const v = await verifyLog(world.gateway.store.db, log.chain, keys, view.checkpoints);
    expect(v).toMatchObject({ ok: true });
    expect(v.witnessed).toHaveLength(2);
  });

  it('rejects a DPoP proof replay and a proof for another URL', async () => {
    const token = await sourceToken(feeB, world.issuers.b, world.resource, recordB, ['annual_income']);
    const url = `${world.resource}/income`;
    const proof = await createDpopProof(feeB.dpop, 'GET', url, token);
    const first = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(first.status).toBe(200);
    const replay = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('invalid_dpop_proof');
    const other = await fetch(url, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await createDpopProof(feeB.dpop, 'GET', `${world.gatewayUrl}/sources/other/income`, token),
      },
    });
    expect(other.status).toBe(401);
  });
});
