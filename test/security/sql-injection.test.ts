/**
 * SQL injection through every filter and query parameter that reaches a query, on SQLite and
 * PostgreSQL: the citizen's access-log filters (service layer and HTTP: citizen API and the
 * dashboard's filter form), the account lookup, record ids in service and citizen routes, and
 * the gateway's `subject` / `attributes` parameters. Every payload is a value, never SQL: no
 * error, no 5xx, no rows of another citizen, and the tables are intact afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenGet, signIn } from '../../src/demo/citizen-client.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';
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
import type { StoreLocation } from '../../src/store/database.ts';

const PAYLOADS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE access_log; --",
  '" OR ""="',
  '1) OR (1=1',
  "%' OR '%'='",
  "\\' OR 1=1 #",
  "' UNION SELECT body FROM access_log --",
  "' UNION ALL SELECT access_id, time FROM access_log --",
  '$1',
  '?',
  "' || (SELECT pg_sleep(2)) || '",
  "'/**/OR/**/1=1/**/--",
  "2026-01-01T00:00:00Z' OR '1'='1",
];

for (const dialect of dialectCases()) {
  describe(`SQL injection on ${dialect.name}`, () => {
    let world: World;
    let service: TestService;
    const locations: StoreLocation[] = [];
    beforeAll(async () => {
      world = await startWorld({
        location: (name) => {
          const l = dialect.location();
          locations.push(l);
          return l.kind === 'sqlite' ? { ...l, path: l.path.replace(/store\.db$/, `${name}.db`) } : l;
        },
      });
      service = await createTestService('sqli-service');
      await world.operators.a.registry.putService(serviceDefinition(service));
      // Aino and Mikko each have a record that was read through the gateway
      for (const person of [PEOPLE.aino, PEOPLE.mikko]) {
        const filed = (await (
          await callApi(service, world.issuers.a, 'POST', '/api/consent-requests', {
            subjects: [{ identifier_type: 'fi_hetu', identifier: person.personal_identity_code }],
            activation_mode: 'data_subject_activates',
            purpose: PURPOSE,
          })
        ).json()) as { record_id: string; parties: Array<{ party_id: string }> };
        await world.operators.a.consents.decide(filed.record_id, filed.parties[0]!.party_id, 'account:test', { approve: true });
        const token = await sourceToken(service, world.issuers.a, world.resource, filed.record_id, ['annual_income', 'income_year']);
        for (let i = 0; i < 50; i += 1) {
          const res = await readSource(service, `${world.resource}/income`, token);
          if (res.status === 200) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await world.gateway.accessLog.flush();
    }, 60_000);
    afterAll(async () => {
      await world?.close();
      for (const l of locations) await dropLocation(l);
    });

    it("access-log filters and account ids are values: no error, only the citizen's own rows", async () => {
      const aino = await signIn(world.issuers.a, 'demo', PEOPLE.aino.key);
      let own: Array<{ consent_record_id: string }> = [];
      for (let i = 0; i < 100 && own.length === 0; i += 1) {
        own = await citizenGet(aino, '/citizen/api/access-log');
        if (own.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(own.length).toBeGreaterThan(0);
      const mine = new Set(own.map((r) => r.consent_record_id));
      const me = (await citizenGet<{ account_id: string }>(aino, '/citizen/api/me')).account_id;
      const citizens = world.operators.a.citizens;
      for (const p of PAYLOADS) {
        for (const field of ['record_id', 'client_id', 'source', 'from', 'to', 'before', 'outcome'] as const) {
          const rows = (await citizens.accessLog(me, { [field]: p } as never)) as Array<{ consent_record_id: string }>;
          expect(
            rows.every((r) => mine.has(r.consent_record_id)),
            `${field}=${p}`,
          ).toBe(true);
          // time bounds compare as strings (some payloads sort after every time); the others match nothing
          if (field === 'record_id' || field === 'client_id' || field === 'source' || field === 'outcome')
            expect(rows, `${field}=${p}`).toEqual([]);
        }
        expect(await citizens.accessLog(p), `account ${p}`).toEqual([]);
      }
    });

    it('over HTTP: citizen API, dashboard filter, service and citizen record routes, gateway parameters', async () => {
      const aino = await signIn(world.issuers.a, 'demo', PEOPLE.aino.key);
      const own = await citizenGet<Array<{ consent_record_id: string }>>(aino, '/citizen/api/access-log');
      const mine = new Set(own.map((r) => r.consent_record_id));
      const token = await sourceToken(service, world.issuers.a, world.resource, [...mine][0]!, ['annual_income']);
      for (const p of PAYLOADS) {
        const q = encodeURIComponent(p);
        for (const field of ['record_id', 'client_id', 'source']) {
          const res = await aino.browser.get(`${world.issuers.a}/citizen/api/access-log?${field}=${q}`);
          expect(res.status, `${field}=${p}`).toBe(200);
          expect(await res.json()).toEqual([]);
        }
        for (const field of ['from', 'to', 'before', 'outcome', 'limit']) {
          const res = await aino.browser.get(`${world.issuers.a}/citizen/api/access-log?${field}=${q}`);
          expect(res.status, `${field}=${p}`).toBe(400);
        }
        for (const field of ['record_id', 'service', 'source', 'older', 'newer']) {
          const page = await aino.browser.get(`${world.issuers.a}/dashboard/access?${field}=${q}`);
          expect([200, 400], `dashboard ${field}=${p}`).toContain(page.status);
          // a filtered page lists no access record at all (the payload matches nothing; a cursor, nothing before it)
          if (field !== 'older' && field !== 'newer') expect(await page.text(), `dashboard ${field}=${p}`).not.toContain('data-access-id');
        }
        expect((await aino.browser.get(`${world.issuers.a}/citizen/api/consents/${q}`)).status, `citizen record ${p}`).toBe(404);
        expect((await callApi(service, world.issuers.a, 'GET', `/api/consents/${q}`)).status, `service record ${p}`).toBe(404);
        const read = await readSource(service, `${world.resource}/income?subject=${q}&attributes=${q}`, token);
        expect(read.status, `gateway ${p}`).toBeLessThan(500);
        expect([200, 400, 403]).toContain(read.status);
      }
      // nothing was dropped or changed
      expect((await citizenGet<unknown[]>(aino, '/citizen/api/access-log')).length).toBeGreaterThanOrEqual(own.length);
    }, 60_000);
  });
}
