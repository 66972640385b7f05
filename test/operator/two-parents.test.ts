/**
 * An asynchronous request that needs both parents (`all_activators_activate`): no token
 * until everyone has approved, then one token reads each data subject by party reference;
 * either parent's withdrawal stops it for both, and both see the same history.
 */
import { signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

function citizenPost(issuer: string, who: Citizen, path: string, body: unknown) {
  return who.browser.request(`${issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf },
    body: JSON.stringify(body),
  });
}

interface ClientView {
  record_id: string;
  status: string;
  activation_mode: string;
  parties: Array<{ party_id: string; role: string; status: string; identifier: string }>;
  sources: Array<{ source: string; subjects: Array<{ ref: string; datatypes: string[] }> }>;
}

interface CitizenView {
  record_id: string;
  status: string;
  awaiting_me: boolean;
  parties: Array<{ party_id: string; status: string; is_me: boolean; decides: boolean }>;
  history: Array<{ event_type: string; from_status: string | null; to_status: string; party_id: string | null; actor: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a consent both parents must give (all_activators_activate)', () => {
  let world: World;
  let service: TestService;
  let issuer: string;
  let recordId: string;
  let aino: Citizen;
  let mikko: Citizen;
  let refs: { aino: string; mikko: string };
  const income = () => `${world.resource}/income`;

  async function view(): Promise<ClientView> {
    const res = await callApi(service, issuer, 'GET', `/api/consents/${encodeURIComponent(recordId)}`);
    expect(res.status).toBe(200);
    return (await res.json()) as ClientView;
  }

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('daycare-fees');
    await world.operators.a.registry.putService(serviceDefinition(service));
    [aino, mikko] = await Promise.all([signIn(issuer, 'aino'), signIn(issuer, 'mikko')]);
  });
  afterAll(async () => world?.close());

  it('files the request as pending with both parents as data subjects', async () => {
    const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
      subjects: [
        { identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code },
        { identifier_type: 'fi_hetu', identifier: PEOPLE.mikko.personal_identity_code },
      ],
      activation_mode: 'all_activators_activate',
      purpose: PURPOSE,
    });
    expect(res.status).toBe(201);
    const filed = (await res.json()) as ClientView;
    expect(res.headers.get('location')).toBe(`/api/consents/${encodeURIComponent(filed.record_id)}`);
    expect(filed.status).toBe('pending');
    expect(filed.activation_mode).toBe('all_activators_activate');
    expect(filed.parties.map((p) => [p.role, p.status])).toEqual([
      ['data_subject', 'pending'],
      ['data_subject', 'pending'],
    ]);
    recordId = filed.record_id;

    const subjects = filed.sources[0]!.subjects;
    expect(filed.sources[0]!.source).toBe(world.resource);
    expect(subjects).toHaveLength(2);
    const partyOf = (hetu: string) => filed.parties.find((p) => p.identifier === hetu)!.party_id;
    refs = { aino: partyOf(PEOPLE.aino.personal_identity_code), mikko: partyOf(PEOPLE.mikko.personal_identity_code) };
    expect(subjects.map((s) => s.ref).sort()).toEqual([refs.aino, refs.mikko].sort());

    await expect(sourceToken(service, issuer, world.resource, recordId, ['annual_income'])).rejects.toThrow(/consent record is pending/);
  });

  it('lists the request for both parents', async () => {
    for (const who of [aino, mikko]) {
      const pending = (await (await who.browser.get(`${issuer}/citizen/api/requests`)).json()) as CitizenView[];
      expect(pending.map((p) => p.record_id)).toContain(recordId);
    }
  });

  it('stays pending, with no token, after only Aino approves', async () => {
    const res = await citizenPost(issuer, aino, `/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, {
      approve: true,
      choices: [],
    });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as CitizenView;
    expect(seen.status).toBe('pending');
    expect(seen.awaiting_me).toBe(false);
    expect(seen.parties.find((p) => p.is_me)?.status).toBe('approved');

    expect((await view()).status).toBe('pending');
    await expect(sourceToken(service, issuer, world.resource, recordId, ['annual_income'])).rejects.toThrow(/consent record is pending/);

    const ainoPending = (await (await aino.browser.get(`${issuer}/citizen/api/requests`)).json()) as CitizenView[];
    expect(ainoPending.map((p) => p.record_id)).not.toContain(recordId);
    const mikkoPending = (await (await mikko.browser.get(`${issuer}/citizen/api/requests`)).json()) as CitizenView[];
    expect(mikkoPending.map((p) => p.record_id)).toContain(recordId);
  });

  it('becomes active after Mikko approves, and one token reads each parent by ?subject=', async () => {
    const res = await citizenPost(issuer, mikko, `/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, { approve: true });
    expect(res.status).toBe(200);
    expect(((await res.json()) as CitizenView).status).toBe('active');

    const current = await view();
    expect(current.status).toBe('active');
    expect(current.parties.map((p) => p.status)).toEqual(['approved', 'approved']);
    for (const s of current.sources[0]!.subjects) expect(s.datatypes.sort()).toEqual(['annual_income', 'income_year']);

    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income', 'income_year']);
    for (const ref of [refs.aino, refs.mikko]) {
      let read = await readSource(service, `${income()}?subject=${encodeURIComponent(ref)}`, token);
      // the gateway learns the activation from the feed; allow it a moment
      for (let i = 0; i < 40 && read.status === 403; i += 1) {
        await sleep(50);
        read = await readSource(service, `${income()}?subject=${encodeURIComponent(ref)}`, token);
      }
      expect(read.status).toBe(200);
      expect(Object.keys((await read.json()) as object).sort()).toEqual(['annual_income', 'income_year']);
    }
  });

  it('asks for ?subject= when the record has two data subjects, and refuses an unknown one', async () => {
    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income']);
    const without = await readSource(service, income(), token);
    expect(without.status).toBe(400);
    const problem = (await without.json()) as { code: string; subjects: string[] };
    expect(problem.code).toBe('bad_request');
    expect(problem.subjects.sort()).toEqual([refs.aino, refs.mikko].sort());

    const unknown = await readSource(service, `${income()}?subject=00000000-0000-4000-8000-000000000000`, token);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('bad_request');
  });

  it('stops for both when Mikko withdraws', async () => {
    const token = await sourceToken(service, issuer, world.resource, recordId, ['annual_income']);
    const url = `${income()}?subject=${encodeURIComponent(refs.aino)}`;
    expect((await readSource(service, url, token)).status).toBe(200);

    const res = await citizenPost(issuer, mikko, `/citizen/api/consents/${encodeURIComponent(recordId)}/withdraw`, {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as CitizenView).status).toBe('withdrawn');

    let after = await readSource(service, url, token);
    for (let i = 0; i < 40 && after.status === 200; i += 1) {
      await sleep(50);
      after = await readSource(service, url, token);
    }
    expect(after.status).toBe(403);
    const problem = (await after.json()) as { code: string; consent_status: string };
    expect(problem.code).toBe('consent_not_active');
    expect(problem.consent_status).toBe('withdrawn');

    // Mikko's own data too, with the same token
    const other = await readSource(service, `${income()}?subject=${encodeURIComponent(refs.mikko)}`, token);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe('consent_not_active');

    await expect(sourceToken(service, issuer, world.resource, recordId, ['annual_income'])).rejects.toThrow(/consent record is withdrawn/);
    expect((await view()).status).toBe('withdrawn');
  });

  it('shows both parents the withdrawn record with the whole history in order', async () => {
    for (const [who, me] of [
      [aino, refs.aino],
      [mikko, refs.mikko],
    ] as const) {
      const res = await who.browser.get(`${issuer}/citizen/api/consents`);
      expect(res.status).toBe(200);
      const records = (await res.json()) as CitizenView[];
      const record = records.find((r) => r.record_id === recordId);
      expect(record).toBeDefined();
      expect(record!.status).toBe('withdrawn');
      expect(record!.parties.find((p) => p.is_me)?.party_id).toBe(me);
      expect(record!.history.map((h) => h.event_type)).toEqual([
        'dpv:ConsentRequested',
        'dpv:ConsentGiven',
        'dpv:ConsentGiven',
        'dpv:ConsentWithdrawn',
      ]);
      expect(record!.history.map((h) => h.to_status)).toEqual(['pending', 'pending', 'active', 'withdrawn']);
      expect(record!.history.map((h) => h.party_id)).toEqual([null, refs.aino, refs.mikko, refs.mikko]);
      expect(record!.history[0]!.actor).toBe(`client:${service.clientId}`);
    }
  });
});
