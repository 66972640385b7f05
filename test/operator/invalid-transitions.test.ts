/**
 * What the operator refuses, and with which problem code: transitions the consent state
 * machine does not allow, decisions by outsiders, records of other services, requests
 * beyond the data agreement, malformed bodies (never a 500), and citizen calls without a
 * session or without the CSRF header.
 */
import { signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiToken,
  callApi,
  createTestService,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  [k: string]: unknown;
}

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

/** Reads a problem+json answer and checks its envelope. */
async function problem(res: Response, status: number, code: string): Promise<Problem> {
  const text = await res.text();
  expect(`${res.status} ${text}`).toMatch(new RegExp(`^${status} `));
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Problem;
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.type).toBe(`https://portti.dev/problems/${code.replaceAll('_', '-')}`);
  return body;
}

describe('refusals with the right problem codes', () => {
  let world: World;
  let issuer: string;
  let fees: TestService;
  let other: TestService;
  let aino: Citizen;
  let mikko: Citizen;

  const ainoOnly = {
    subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
    activation_mode: 'data_subject_activates',
    purpose: PURPOSE,
  };

  async function file(service: TestService, body: unknown = ainoOnly): Promise<string> {
    const res = await callApi(service, issuer, 'POST', '/api/consent-requests', body);
    expect(res.status).toBe(201);
    return ((await res.json()) as { record_id: string }).record_id;
  }

  function citizenPost(who: Citizen, path: string, body: unknown, headers: Record<string, string> = { 'x-csrf-token': who.csrf }) {
    return who.browser.request(`${issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }
  const decide = (who: Citizen, id: string, body: unknown) =>
    citizenPost(who, `/citizen/api/consents/${encodeURIComponent(id)}/decision`, body);
  const withdraw = (who: Citizen, id: string) => citizenPost(who, `/citizen/api/consents/${encodeURIComponent(id)}/withdraw`, {});

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    fees = await createTestService('fee-service');
    other = await createTestService('other-service');
    await world.operators.a.registry.putService(serviceDefinition(fees));
    await world.operators.a.registry.putService(serviceDefinition(other));
    [aino, mikko] = await Promise.all([signIn(issuer, 'aino'), signIn(issuer, 'mikko')]);
  });
  afterAll(async () => world?.close());

  describe('consent state machine', () => {
    it('refuses approving a withdrawn record (409 invalid_transition)', async () => {
      const id = await file(fees);
      expect((await decide(aino, id, { approve: true })).status).toBe(200);
      expect((await withdraw(aino, id)).status).toBe(200);
      const body = await problem(await decide(aino, id, { approve: true }), 409, 'invalid_transition');
      expect(body.record_id).toBe(id);
      expect(body.detail).toMatch(/withdrawn/);
    });

    it('keeps the RFC 9457 `status` member of an invalid_transition problem equal to the HTTP status', async () => {
      const id = await file(fees);
      const res = await withdraw(aino, id);
      expect(res.status).toBe(409);
      const body = (await res.json()) as Problem;
      expect(body.code).toBe('invalid_transition');
      expect(body.record_id).toBe(id);
      expect(body.status).toBe(409);
      expect(body.consent_status).toBe('pending');
    });

    it('refuses deciding twice (409 invalid_transition), for a settled and for a still pending record', async () => {
      const id = await file(fees);
      expect((await decide(aino, id, { approve: true })).status).toBe(200);
      await problem(await decide(aino, id, { approve: true }), 409, 'invalid_transition');
      await problem(await decide(aino, id, { approve: false }), 409, 'invalid_transition');

      const both = await file(fees, {
        ...ainoOnly,
        subjects: [...ainoOnly.subjects, { identifier_type: 'fi_hetu', identifier: PEOPLE.mikko.personal_identity_code }],
        activation_mode: 'all_activators_activate',
      });
      expect((await decide(aino, both, { approve: true })).status).toBe(200);
      const body = await problem(await decide(aino, both, { approve: false }), 409, 'invalid_transition');
      expect(body.detail).toMatch(/already approved/);
      // the record is untouched by the refused second decision
      const res = await callApi(fees, issuer, 'GET', `/api/consents/${encodeURIComponent(both)}`);
      const view = (await res.json()) as { status: string; parties: Array<{ status: string; identifier: string }> };
      expect(view.status).toBe('pending');
      const statusOf = (hetu: string) => view.parties.find((p) => p.identifier === hetu)?.status;
      expect(statusOf(PEOPLE.aino.personal_identity_code)).toBe('approved');
      expect(statusOf(PEOPLE.mikko.personal_identity_code)).toBe('pending');
    });

    it('refuses choices that are not optional attributes of the record', async () => {
      const id = await file(fees);
      await problem(await decide(aino, id, { approve: true, choices: [`${world.resource}#annual_income`] }), 409, 'invalid_transition');
      await problem(await decide(aino, id, { approve: true, choices: [`${world.resource}#tax_debt`] }), 409, 'invalid_transition');
      expect((await decide(aino, id, { approve: true, choices: [`${world.resource}#employer`] })).status).toBe(200);
    });

    it('answers 404 to a citizen deciding or withdrawing a record they take no part in', async () => {
      const id = await file(fees);
      await problem(await decide(mikko, id, { approve: true }), 404, 'not_found');
      const seen = await mikko.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(id)}`);
      await problem(seen, 404, 'not_found');
      await problem(await mikko.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(id)}/receipts`), 404, 'not_found');
      expect((await decide(aino, id, { approve: true })).status).toBe(200);
      await problem(await withdraw(mikko, id), 404, 'not_found');
      await problem(await decide(aino, 'urn:uuid:00000000-0000-4000-8000-000000000000', { approve: true }), 404, 'not_found');
    });

    it('refuses withdrawing a pending record (409 invalid_transition)', async () => {
      const id = await file(fees);
      const body = await problem(await withdraw(aino, id), 409, 'invalid_transition');
      expect(body.detail).toMatch(/pending/);
    });

    it('refuses withdrawing a declined record', async () => {
      const id = await file(fees);
      const declined = await decide(aino, id, { approve: false });
      expect(declined.status).toBe(200);
      expect(((await declined.json()) as { status: string }).status).toBe('declined');
      await problem(await withdraw(aino, id), 409, 'invalid_transition');
      await problem(await decide(aino, id, { approve: true }), 409, 'invalid_transition');
    });
  });

  describe('service API', () => {
    it("answers 404 when a service reads another service's record", async () => {
      const id = await file(fees);
      expect((await callApi(fees, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`)).status).toBe(200);
      const body = await problem(await callApi(other, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`), 404, 'not_found');
      expect(JSON.stringify(body)).not.toContain(PEOPLE.aino.personal_identity_code);
      await problem(
        await callApi(fees, issuer, 'GET', '/api/consents/urn%3Auuid%3A00000000-0000-4000-8000-000000000000'),
        404,
        'not_found',
      );
    });

    it('refuses attributes outside the data agreement (403 attribute_not_consented)', async () => {
      const body = await problem(
        await callApi(fees, issuer, 'POST', '/api/consent-requests', {
          ...ainoOnly,
          attributes: [
            { source: 'incomes', id: 'annual_income' },
            { source: 'incomes', id: 'income_year' },
            { source: 'incomes', id: 'tax_debt' },
          ],
        }),
        403,
        'attribute_not_consented',
      );
      expect(body.attributes).toEqual(['incomes/tax_debt']);
    });

    it("refuses a request without the purpose's required attributes (400 validation_failed)", async () => {
      const body = await problem(
        await callApi(fees, issuer, 'POST', '/api/consent-requests', { ...ainoOnly, attributes: [{ source: 'incomes', id: 'employer' }] }),
        400,
        'validation_failed',
      );
      expect(body.detail).toMatch(/annual_income/);
      expect(body.detail).toMatch(/income_year/);
    });

    it('refuses a purpose outside the agreement (400 validation_failed)', async () => {
      const body = await problem(
        await callApi(fees, issuer, 'POST', '/api/consent-requests', { ...ainoOnly, purpose: 'https://w3id.org/dpv#Marketing' }),
        400,
        'validation_failed',
      );
      expect(body.detail).toMatch(/Marketing/);
    });

    it('refuses automatically_activated for a purpose based on consent (400 validation_failed)', async () => {
      const body = await problem(
        await callApi(fees, issuer, 'POST', '/api/consent-requests', { ...ainoOnly, activation_mode: 'automatically_activated' }),
        400,
        'validation_failed',
      );
      expect(body.detail).toMatch(/automatically_activated/);
    });

    const malformed: Array<[string, unknown]> = [
      ['an unknown top-level field', { ...ainoOnly, extra: true }],
      ['an unknown field in a subject', { ...ainoOnly, subjects: [{ ...ainoOnly.subjects[0], name: 'Aino' }] }],
      ['subjects as a string', { ...ainoOnly, subjects: PEOPLE.aino.personal_identity_code }],
      ['no subjects', { ...ainoOnly, subjects: [] }],
      ['a subject without identifier', { ...ainoOnly, subjects: [{ identifier_type: 'fi_hetu' }] }],
      ['a numeric identifier', { ...ainoOnly, subjects: [{ identifier_type: 'fi_hetu', identifier: 10188902 }] }],
      ['an unknown activation mode', { ...ainoOnly, activation_mode: 'whenever' }],
      ['a numeric purpose', { ...ainoOnly, purpose: 42 }],
      ['no purpose', { subjects: ainoOnly.subjects, activation_mode: 'data_subject_activates' }],
      ['attributes as an object', { ...ainoOnly, attributes: { source: 'incomes', id: 'annual_income' } }],
      ['an attribute without id', { ...ainoOnly, attributes: [{ source: 'incomes' }] }],
      ['a language outside fi/sv/en', { ...ainoOnly, language: 'de' }],
      ['a validity that is not an ISO duration', { ...ainoOnly, validity_duration: 'one year' }],
      ['a JSON array', [ainoOnly]],
      ['JSON null', null],
    ];
    for (const [what, body] of malformed) {
      it(`answers 400 validation_failed, never 500, to ${what}`, async () => {
        const res = await callApi(fees, issuer, 'POST', '/api/consent-requests', body);
        const p = await problem(res, 400, 'validation_failed');
        expect(p.errors?.length).toBeGreaterThan(0);
      });
    }

    it('answers 400/415/413, never 500, to a body that is not JSON, not JSON-typed or too large', async () => {
      const token = await apiToken(fees, issuer);
      const url = `${issuer}/api/consent-requests`;
      for (const [type, body] of [
        ['application/json', '{"subjects": ['],
        ['application/json', ''],
      ] as const) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(fees.dpop, 'POST', url, token), 'content-type': type },
          body,
        });
        await problem(res, 400, 'bad_request');
      }
      const send = async (type: string, body: string) =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(fees.dpop, 'POST', url, token), 'content-type': type },
          body,
        });
      // text/plain is parsed as a string, which the schema refuses; other types are not parsed at all
      await problem(await send('text/plain', JSON.stringify(ainoOnly)), 400, 'validation_failed');
      await problem(await send('application/xml', '<request/>'), 415, 'unsupported_media_type');
      await problem(
        await send('application/json', JSON.stringify({ ...ainoOnly, purpose: 'x'.repeat(1024 * 1024) })),
        413,
        'payload_too_large',
      );
    });

    it('answers 400 validation_failed to a malformed citizen decision', async () => {
      const id = await file(fees);
      await problem(await decide(aino, id, { approve: 'yes' }), 400, 'validation_failed');
      await problem(await decide(aino, id, {}), 400, 'validation_failed');
      await problem(await decide(aino, id, { approve: true, choices: 'employer' }), 400, 'validation_failed');
      await problem(await decide(aino, id, { approve: true, because: 'why not' }), 400, 'validation_failed');
      const view = await (await callApi(fees, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`)).json();
      expect((view as { status: string }).status).toBe('pending');
    });
  });

  describe('citizen API guards', () => {
    it('answers 401 session_required without a session', async () => {
      const id = await file(fees);
      for (const path of [
        '/citizen/api/me',
        '/citizen/api/requests',
        '/citizen/api/consents',
        `/citizen/api/consents/${encodeURIComponent(id)}`,
        `/citizen/api/consents/${encodeURIComponent(id)}/receipts`,
        '/citizen/api/access-log',
      ]) {
        await problem(await fetch(`${issuer}${path}`), 401, 'session_required');
      }
      const post = await fetch(`${issuer}/citizen/api/consents/${encodeURIComponent(id)}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
        body: JSON.stringify({ approve: true }),
      });
      await problem(post, 401, 'session_required');
      // a forged session cookie is no session either
      await problem(
        await fetch(`${issuer}/citizen/api/me`, { headers: { cookie: 'portti_session=forged.value' } }),
        401,
        'session_required',
      );
    });

    it('answers 403 csrf_failed to a state-changing call without (or with a wrong) CSRF header', async () => {
      const id = await file(fees);
      await problem(
        await citizenPost(aino, `/citizen/api/consents/${encodeURIComponent(id)}/decision`, { approve: true }, {}),
        403,
        'csrf_failed',
      );
      await problem(
        await citizenPost(
          aino,
          `/citizen/api/consents/${encodeURIComponent(id)}/decision`,
          { approve: true },
          { 'x-csrf-token': mikko.csrf },
        ),
        403,
        'csrf_failed',
      );
      // nothing happened
      const pending = (await (await aino.browser.get(`${issuer}/citizen/api/requests`)).json()) as Array<{ record_id: string }>;
      expect(pending.map((p) => p.record_id)).toContain(id);
      expect((await decide(aino, id, { approve: true })).status).toBe(200);
      await problem(await citizenPost(aino, `/citizen/api/consents/${encodeURIComponent(id)}/withdraw`, {}, {}), 403, 'csrf_failed');
      const view = (await (await callApi(fees, issuer, 'GET', `/api/consents/${encodeURIComponent(id)}`)).json()) as { status: string };
      expect(view.status).toBe('active');
    });
  });
});

describe('durations a client may ask for', () => {
  let world: World;
  let svc: TestService;
  beforeAll(async () => {
    world = await startWorld();
    svc = await createTestService('dur-service');
    await world.operators.a.registry.putService(serviceDefinition(svc));
  });
  afterAll(async () => world?.close());

  it('refuses an unusable validity_duration with 400 instead of failing later', async () => {
    for (const validity_duration of ['P999999999999Y', 'P1X', 'PT', 'P']) {
      const res = await callApi(svc, world.issuers.a, 'POST', '/api/consent-requests', {
        subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
        activation_mode: 'data_subject_activates',
        purpose: PURPOSE,
        validity_duration,
      });
      expect(res.status, validity_duration).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
    }
    const ok = await callApi(svc, world.issuers.a, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
      validity_duration: 'P9999Y',
    });
    expect(ok.status).toBe(201);
  });
});
