/**
 * Person-to-person mandates: Aino gives Mikko a mandate for one service; Mikko decides and
 * withdraws her consents of that service, each act recorded under the mandate with his name;
 * he is refused (403 problem+json) for another service, after she ends the mandate, and when a
 * mandate names someone else. The giving form's checks, and the pure scope check (expiry too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenGet, citizenPost, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { mandateRefusal } from '../../src/operator/mandates/mandate-scope.ts';
import { createTestService, fileRequest, PEOPLE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';

interface MandateView {
  mandate_id: string;
  state: string;
}
interface RecordView {
  record_id: string;
  status: string;
  history: Array<{ actor: string; reason: string | null; event_type: string }>;
}

const inDays = (d: number) => new Date(Date.now() + d * 24 * 3600_000).toISOString();

describe('mandates', () => {
  let world: World;
  let issuer: string;
  let fees: TestService;
  let other: TestService;
  let aino: Citizen;
  let mikko: Citizen;
  let mandateId: string;

  const act = (recordId: string, body: unknown, id = mandateId) =>
    citizenPost(mikko, `/citizen/api/mandates/${encodeURIComponent(id)}/consents/${encodeURIComponent(recordId)}/decision`, body);
  const grant = (body: Record<string, unknown>) =>
    citizenPost(aino, '/citizen/api/mandates', {
      delegate_name: 'Mikko Virtanen',
      delegate_identifier: PEOPLE.mikko.personal_identity_code,
      services: [fees.clientId],
      valid_until: inDays(30),
      ...body,
    });

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    fees = await createTestService('daycare-fees');
    other = await createTestService('other-service');
    for (const s of [fees, other]) await world.operators.a.registry.putService(serviceDefinition(s));
    [aino, mikko] = await Promise.all([signIn(issuer, 'demo', 'aino'), signIn(issuer, 'demo', 'mikko')]);
  });
  afterAll(async () => world?.close());

  it('refuses a mandate without a service, with a bad identity code, to oneself, or for over a year', async () => {
    for (const body of [
      { services: [] },
      { delegate_identifier: '010188-9029' },
      { delegate_identifier: PEOPLE.aino.personal_identity_code },
      { valid_until: inDays(400) },
      { valid_until: inDays(-1) },
      { services: ['no-such-service'] },
    ]) {
      const res = await grant(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('lets the delegate decide within the mandate, recorded with his name, and refuses another service', async () => {
    const res = await grant({});
    expect(res.status).toBe(201);
    mandateId = ((await res.json()) as MandateView).mandate_id;
    const inScope = await fileRequest(fees, issuer, [PEOPLE.aino.personal_identity_code]);
    const outside = await fileRequest(other, issuer, [PEOPLE.aino.personal_identity_code]);

    const received = await citizenGet<{ received: Array<{ grantor_name: string; records: RecordView[] }> }>(mikko, '/citizen/api/mandates');
    expect(received.received).toHaveLength(1);
    expect(received.received[0]!.grantor_name).toBe('Aino Virtanen');
    expect(received.received[0]!.records.map((r) => r.record_id)).toEqual([inScope.record_id]);

    const approved = await act(inScope.record_id, { approve: true });
    expect(approved.status).toBe(200);
    const mine = await citizenGet<RecordView>(aino, `/citizen/api/consents/${encodeURIComponent(inScope.record_id)}`);
    expect(mine.status).toBe('active');
    expect(mine.history.at(-1)).toMatchObject({ actor: `mandate:${mandateId}`, reason: 'Mikko Virtanen' });

    const refused = await act(outside.record_id, { approve: true });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused.json()).toMatchObject({ code: 'forbidden', mandate_refusal: 'other_service' });

    const withdrawn = await act(inScope.record_id, { withdraw: true });
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as RecordView).status).toBe('withdrawn');
  });

  it('refuses a person the mandate does not name', async () => {
    const res = await grant({ delegate_identifier: '131052-308T', delegate_name: 'Someone Else' });
    expect(res.status).toBe(201);
    const elsewhere = ((await res.json()) as MandateView).mandate_id;
    const filed = await fileRequest(fees, issuer, [PEOPLE.aino.personal_identity_code]);
    const refused = await act(filed.record_id, { approve: true }, elsewhere);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ mandate_refusal: 'not_delegate' });
  });

  it('refuses the delegate once the grantor has ended the mandate', async () => {
    const filed = await fileRequest(fees, issuer, [PEOPLE.aino.personal_identity_code]);
    expect((await citizenPost(aino, `/citizen/api/mandates/${encodeURIComponent(mandateId)}/end`, {})).status).toBe(204);
    const given = await citizenGet<{ given: MandateView[] }>(aino, '/citizen/api/mandates');
    expect(given.given.find((m) => m.mandate_id === mandateId)?.state).toBe('ended');
    const refused = await act(filed.record_id, { approve: true });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ mandate_refusal: 'ended' });
    expect((await citizenGet<{ received: unknown[] }>(mikko, '/citizen/api/mandates')).received).toEqual([]);
  });

  it('a mandate covers only its delegate, its services and its time', () => {
    const m = { delegate_identifier_type: 'fi_hetu', delegate_identifier: 'X', services: ['s'], valid_until: 2000, ended_at: null };
    const me = [{ identifier_type: 'fi_hetu', identifier: 'X' }];
    expect(mandateRefusal(m, me, 's', 1000)).toBeUndefined();
    expect(mandateRefusal(m, me, 't', 1000)).toBe('other_service');
    expect(mandateRefusal(m, me, 's', 2000)).toBe('expired');
    expect(mandateRefusal({ ...m, ended_at: 1500 }, me, 's', 1000)).toBe('ended');
    expect(mandateRefusal(m, [{ identifier_type: 'fi_hetu', identifier: 'Y' }], 's', 1000)).toBe('not_delegate');
  });
});
