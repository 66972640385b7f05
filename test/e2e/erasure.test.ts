/**
 * Erasure (GDPR Art. 17) that reaches the gateway and leaves the log verifiable, on each
 * dialect: both parents consent on one record, the city reads, Aino has another request still
 * waiting for her; she erases her account (through the dashboard, or the citizen API). Within the feed's propagation bound the gateway
 * holds none of her identifiers, and a scan of every table (and on SQLite of the database file
 * with its -wal and -shm) at the operator and the gateway finds no identifier or name of hers,
 * while Mikko's part of the record still says what happened and the access log still verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenPost, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { verifyLog } from '../../src/audit/log-verify.ts';
import { logVerifiers } from '../../src/audit/log-origin.ts';
import { askWitnesses } from '../../src/cli/witnesses.ts';
import { publicJwks } from '../../src/store/keys.ts';
import { scanStore } from '../helpers/residue-scan.ts';
import { dialectCases } from '../helpers/stores.ts';
import {
  callApi,
  createTestService,
  fileRequest,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const AINO = PEOPLE.aino.personal_identity_code;
const MIKKO = PEOPLE.mikko.personal_identity_code;
/** What must not be found of Aino after her erasure: her identity code and her names. */
const AINO_TRACES = [AINO, PEOPLE.aino.name, PEOPLE.aino.given_name];

describe.each(dialectCases())('erasure on $name', ({ name, location }) => {
  /** Each door in turn: the dashboard's form on SQLite, the citizen API's DELETE on PostgreSQL. */
  const door = name === 'sqlite' ? 'dashboard' : 'citizen API';
  let world: World;
  let service: TestService;
  let issuer: string;
  let shared: string;
  let waiting: string;
  let aino: Citizen;
  let mikko: Citizen;
  let refs: Record<'aino' | 'mikko', string>;

  /** Whether the gateway still holds Aino's identifier, in memory or in its store. */
  const gatewayHoldsAino = async () => {
    const entry = world.gateway.replica.get(issuer, shared, world.resource);
    const rows = await world.gateway.store.db.selectFrom('replica_consents').select('subjects').execute();
    return Boolean(entry?.subjects.some((s) => s.identifier === AINO)) || rows.some((r) => r.subjects.includes(AINO));
  };

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'], location: () => location() });
    issuer = world.issuers.a;
    service = await createTestService('daycare-fees');
    await world.operators.a.registry.putService(serviceDefinition(service));
    [aino, mikko] = await Promise.all([citizenSignIn(issuer, 'demo', 'aino'), citizenSignIn(issuer, 'demo', 'mikko')]);
  });
  afterAll(async () => world?.close());

  it('both parents consent on one record, the city reads each, and a second request waits for Aino', async () => {
    const filed = await fileRequest(service, issuer, [AINO, MIKKO], 'all_activators_activate');
    shared = filed.record_id;
    const partyOf = (hetu: string) => filed.parties.find((p) => p.identifier === hetu)!.party_id;
    refs = { aino: partyOf(AINO), mikko: partyOf(MIKKO) };
    for (const who of [aino, mikko]) {
      const res = await citizenPost(who, `/citizen/api/consents/${encodeURIComponent(shared)}/decision`, { approve: true, choices: [] });
      expect(res.status).toBe(200);
    }
    waiting = (await fileRequest(service, issuer, [AINO])).record_id;
    const token = await sourceToken(service, issuer, world.resource, shared, ['annual_income']);
    for (const ref of [refs.aino, refs.mikko]) {
      const url = `${world.resource}/income?subject=${encodeURIComponent(ref)}`;
      let read = await readSource(service, url, token);
      for (let i = 0; i < 40 && read.status === 403; i += 1) {
        await sleep(50);
        read = await readSource(service, url, token);
      }
      expect(read.status).toBe(200);
    }
    // the scan can fail: before the erasure it finds her at both
    expect([...(await scanStore(world.operators.a.store, AINO_TRACES)).values()].flat()).toContain(AINO);
    expect(await gatewayHoldsAino()).toBe(true);
    expect([...(await scanStore(world.gateway.store, [AINO])).keys()]).toContain('replica_consents.subjects');
  });

  it(`erases her through the ${door}: the gateway drops her identifier within a second, no table or file keeps her identifier or name`, async () => {
    // a stray DELETE (no confirmation) erases no one
    const stray = await aino.browser.request(`${issuer}/citizen/api/me`, { method: 'DELETE', headers: { 'x-csrf-token': aino.csrf } });
    expect(stray.status).toBe(400);
    expect((await aino.browser.get(`${issuer}/citizen/api/me`)).status).toBe(200);
    const asked = Date.now();
    const res =
      door === 'dashboard'
        ? await aino.browser.postForm(`${issuer}/dashboard/erase`, { _csrf: aino.csrf, confirm: 'yes' })
        : await aino.browser.request(`${issuer}/citizen/api/me`, {
            method: 'DELETE',
            headers: { 'x-csrf-token': aino.csrf, 'content-type': 'application/json' },
            body: JSON.stringify({ confirm: 'erase' }),
          });
    expect(res.status).toBe(200);
    if (door === 'citizen API') expect(await res.json()).toEqual({ withdrawn: 1, declined: 1, erased: 2, kept: 0 });
    while ((await gatewayHoldsAino()) && Date.now() - asked < 3000) await sleep(10);
    // from the citizen's click to the gateway's memory and store
    const propagation = Date.now() - asked;
    expect(await gatewayHoldsAino()).toBe(false);
    expect(propagation, 'erasure reached the gateway (ms)').toBeLessThanOrEqual(1000);

    // the gateway erases its store's residue (SQLite's -wal) just after it forgot her: allow that a moment
    let gateway = await scanStore(world.gateway.store, AINO_TRACES);
    for (let i = 0; i < 20 && gateway.size > 0; i += 1) {
      await sleep(100);
      gateway = await scanStore(world.gateway.store, AINO_TRACES);
    }
    expect(Object.fromEntries(gateway)).toEqual({});
    expect(Object.fromEntries(await scanStore(world.operators.a.store, AINO_TRACES))).toEqual({});
    // what is kept is Mikko's: the operator still knows him on the record
    expect([...(await scanStore(world.operators.a.store, [MIKKO])).keys()]).toContain('consent_parties.identifier');
  });

  it("keeps the record's facts for Mikko: withdrawn by the other parent, his part intact, no error", async () => {
    const res = await mikko.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(shared)}`);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { status: string; parties: Array<{ party_id: string; status: string; is_me: boolean }> };
    expect(seen.status).toBe('withdrawn');
    expect(seen.parties.find((p) => p.is_me)?.party_id).toBe(refs.mikko);
    expect(seen.parties.find((p) => !p.is_me)?.status).toBe('withdrawn');
    // the history says an identity code was erased at the person's request, without saying whose
    const history = (seen as unknown as { history: Array<{ event_type: string; party_id: string | null; reason: string | null }> }).history;
    const erasure = history.filter((h) => h.event_type === 'portti:IdentifiersErased');
    expect(erasure.map((h) => h.party_id)).toEqual([refs.aino]);
    expect(erasure[0]!.reason).toContain('GDPR Art. 17');
    const page = await mikko.browser.get(`${issuer}/dashboard/consents?lang=en`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('identity code erased at their request');
    const service_ = await callApi(service, issuer, 'GET', `/api/consents/${encodeURIComponent(waiting)}`);
    expect(((await service_.json()) as { status: string }).status).toBe('declined');
    // she is gone: her session no longer opens anything
    expect((await aino.browser.get(`${issuer}/citizen/api/me`)).status).toBe(401);
  });

  it('leaves the access log verifiable: every checkpoint still cosigned and consistent', async () => {
    const log = world.gateway.accessLog;
    await log.flush();
    const keys = logVerifiers(publicJwks(world.gateway.keys()), log.origin);
    const view = await askWitnesses([issuer], log.origin, keys);
    const verdict = await verifyLog(world.gateway.store.db, log.chain, keys, view.checkpoints);
    expect(verdict).toMatchObject({ ok: true });
    const reads = await world.operators.a.store.db.selectFrom('access_log').select('record_id').where('record_id', '=', shared).execute();
    expect(reads.length).toBeGreaterThanOrEqual(2);
  });
});
