/**
 * The store behind a real gateway and two operators: a service reads a deposited document
 * only through the gateway, under the citizen's consent, filtered to the consented
 * attributes; the citizen sees, corrects (where allowed) and deletes it on the operator's
 * "My data store" page; the store trusts only assertions signed by a trusted operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from 'jose';
import { decide, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { signCitizenAssertion } from '../../src/pds/citizen-auth.ts';
import {
  callApi,
  createTestService,
  PEOPLE,
  PURPOSE,
  CONSENT_BASIS,
  readSource,
  sourceToken,
  type TestService,
  type World,
} from '../helpers/world.ts';
import { startPdsWorld, type PdsWorld } from './pds-world.ts';

const AINO = PEOPLE.aino.personal_identity_code;
const DOC = { tax_year: 2025, earned_income: 48213, employer: 'Helsingin kaupunki', postal_code: '00530', birth_date: '1988-01-01' };

describe('personal data store behind the gateway', () => {
  let setup: PdsWorld;
  let world: World;
  let service: TestService;
  let recordId: string;
  let aino: Citizen;
  let pdsUrl: string;
  const resource = () => `${world.gatewayUrl}/sources/pds`;

  beforeAll(async () => {
    setup = await startPdsWorld();
    ({ world, pdsUrl } = setup);
    expect(await setup.deposit(AINO, DOC, ['/employer'])).toBe(201);

    service = await createTestService('housing-service');
    await world.operators.a.registry.putService({
      client_id: service.clientId,
      name: { fi: 'Asumispalvelu', sv: 'Boendetjänsten', en: 'Housing service' },
      kind: 'public_service',
      controller: { name: 'City of Helsinki' },
      privacy_notice: 'https://www.hel.fi/privacy',
      jwks: { keys: [service.publicJwk as Record<string, unknown>] },
      redirect_uris: [],
      sender_constraint: 'dpop',
      purposes: [
        {
          purpose: PURPOSE,
          label: { fi: 'Asumistuki', sv: 'Bostadsbidrag', en: 'Housing allowance' },
          lawful_basis: CONSENT_BASIS,
          retention_period: 'P1Y',
          recipients: [],
          attributes: [
            { source: 'pds', id: 'tax_year', required: true },
            { source: 'pds', id: 'earned_income', required: true },
            { source: 'pds', id: 'provenance', required: true },
          ],
        },
      ],
    });
  });
  afterAll(async () => setup?.close());

  it('serves a service only the consented attributes of the deposited document, through the gateway', async () => {
    const filed = await callApi(service, world.issuers.a, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: AINO }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(filed.status).toBe(201);
    recordId = ((await filed.json()) as { record_id: string }).record_id;
    aino = await signIn(world.issuers.a, 'demo', 'aino');
    expect((await decide(aino, recordId, { approve: true, choices: [] })).status).toBe(200);

    const token = await sourceToken(service, world.issuers.a, resource(), recordId, ['tax_year', 'earned_income', 'provenance']);
    let res = await readSource(service, `${resource()}/tax-decision`, token);
    for (let i = 0; i < 20 && res.status === 403; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      res = await readSource(service, `${resource()}/tax-decision`, token);
    }
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tax_year: 2025, earned_income: 48213, _provenance: { status: 'verified' } });
    // beyond the consent: refused at the authorization server
    await expect(sourceToken(service, world.issuers.a, resource(), recordId, ['employer'])).rejects.toThrow();
    // and the store itself answers nobody without the gateway's credential
    expect((await fetch(`${pdsUrl}/persons/${AINO}/tax-decision`)).status).toBe(401);
  });

  it('shows the citizen the document as verified by the depositor on the "My data store" page', async () => {
    const page = await (await aino.browser.get(`${world.issuers.a}/dashboard/datastore?lang=en`)).text();
    expect(page).toContain('Verified by Tax Administration on');
    expect(page).toContain('Helsingin kaupunki');
    expect(page).toContain('name="/employer"');
    expect(page).not.toContain('name="/earned_income"');
    const fi = await (await aino.browser.get(`${world.issuers.a}/dashboard/datastore?lang=fi`)).text();
    expect(fi).toContain('Varmentanut Verohallinto');
  });

  it('lets the citizen correct what the depositor allows, marking it corrected; other fields are refused', async () => {
    const res = await aino.browser.postForm(`${world.issuers.a}/dashboard/datastore/correct?lang=en`, {
      _csrf: aino.csrf,
      category: 'tax-decision',
      '/employer': 'Kaupunkiympäristön toimiala',
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Corrected by you on');
    expect(page).toContain('Kaupunkiympäristön toimiala');
    expect(page).toContain('2 versions kept');

    const refused = await aino.browser.postForm(`${world.issuers.a}/dashboard/datastore/correct`, {
      _csrf: aino.csrf,
      category: 'tax-decision',
      '/earned_income': '1',
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('field_not_correctable');
    const noCsrf = await aino.browser.postForm(`${world.issuers.a}/dashboard/datastore/correct`, {
      _csrf: 'wrong',
      category: 'tax-decision',
      '/employer': 'x',
    });
    expect(noCsrf.status).toBe(403);

    // the service now sees it is no longer verified
    const token = await sourceToken(service, world.issuers.a, resource(), recordId, ['tax_year', 'earned_income', 'provenance']);
    const read = await readSource(service, `${resource()}/tax-decision`, token);
    expect(await read.json()).toEqual({ tax_year: 2025, earned_income: 48213, _provenance: { status: 'corrected' } });
  });

  it('accepts citizen assertions only from a trusted operator', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await signCitizenAssertion({
      issuer: world.issuers.a,
      audience: pdsUrl,
      key: { privateKey, alg: 'ES256', kid: world.operators.a.keys()[0]!.kid },
      identifierType: 'fi_hetu',
      identifier: AINO,
    });
    expect((await fetch(`${pdsUrl}/me/documents`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const key = world.operators.b.keys()[0]!;
    const fromB = await signCitizenAssertion({
      issuer: world.issuers.b,
      audience: pdsUrl,
      key,
      identifierType: 'fi_hetu',
      identifier: AINO,
    });
    expect((await fetch(`${pdsUrl}/me/documents`, { headers: { authorization: `Bearer ${fromB}` } })).status).toBe(401);
    const keyA = world.operators.a.keys()[0]!;
    const otherAudience = await signCitizenAssertion({
      issuer: world.issuers.a,
      audience: 'http://elsewhere.example',
      key: keyA,
      identifierType: 'fi_hetu',
      identifier: AINO,
    });
    expect((await fetch(`${pdsUrl}/me/documents`, { headers: { authorization: `Bearer ${otherAudience}` } })).status).toBe(401);
    const genuine = await signCitizenAssertion({
      issuer: world.issuers.a,
      audience: pdsUrl,
      key: keyA,
      identifierType: 'fi_hetu',
      identifier: AINO,
    });
    expect((await fetch(`${pdsUrl}/me/documents`, { headers: { authorization: `Bearer ${genuine}` } })).status).toBe(200);
  });

  it('lets the citizen delete the document; the gateway then finds nothing', async () => {
    const res = await aino.browser.postForm(`${world.issuers.a}/dashboard/datastore/delete?lang=en`, {
      _csrf: aino.csrf,
      category: 'tax-decision',
    });
    expect(res.status).toBe(200);
    expect(await (await aino.browser.get(`${world.issuers.a}/dashboard/datastore?lang=en`)).text()).toContain(
      'Your data store holds no documents.',
    );
    const token = await sourceToken(service, world.issuers.a, resource(), recordId, ['tax_year']);
    const read = await readSource(service, `${resource()}/tax-decision`, token);
    expect(read.status).toBe(404);
  });
});
