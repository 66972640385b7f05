/**
 * Two operators and two gateways ("cities") in one trust group, over real HTTP:
 * - a permission arrangement decides a matching request and leaves a non-matching one;
 * - roaming: a service of city B (operator B) reads a source of city A through city A's gateway;
 * - a member's leave and join, an expired and a forged document, at both gateways;
 * - a full move of a citizen from operator A to operator B: every record accounted for,
 *   and at no instant both or neither of the old and the new record honoured at a gateway.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, citizenGet, citizenPost, type Citizen } from '../../src/demo/citizen-client.ts';
import { createGateway, type Gateway } from '../../src/gateway/gateway.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import type { ServiceDefinition } from '../../src/operator/registry/registry.schema.ts';
import { openStore } from '../../src/store/database.ts';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../../src/trust/trust-group.ts';
import { tempDir } from '../helpers/stores.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { verifyExportedLog, type LogEvidence } from '../../src/audit/export-verify.ts';
import {
  createTestService,
  fileRequest,
  freePort,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const GROUP = 'urn:portti:trust-group:capital-region';

describe('two cities in one trust group', () => {
  const dir = tempDir('portti-group-');
  const file = join(dir, 'group.jws');
  let gov: Awaited<ReturnType<typeof generateGovernanceKey>>;
  let world: World;
  let gateway2: Gateway;
  let resource2 = '';
  let issuers: { a: string; b: string };
  let resource1 = '';
  let ainoA: Citizen;
  let ainoB: Citizen;
  const svc: Record<string, TestService> = {};

  /** Signs and writes the group document; gateways and operators reload it within 200 ms. */
  async function publish(
    o: {
      members?: Array<'a' | 'b'>;
      expired?: boolean;
      signer?: typeof gov;
      rule?: 'carry_over' | 'reconfirm_sensitive' | 'reconfirm_all';
    } = {},
  ) {
    const members = o.members ?? ['a', 'b'];
    const now = Date.now();
    const doc = {
      group_id: GROUP,
      name: 'Capital region',
      rulebook: { version: '2.0', url: 'https://example.org/rulebook', moved_consents: o.rule ?? 'carry_over' },
      members: members.map((k) => ({ issuer: issuers[k], name: `City ${k.toUpperCase()} operator` })),
      sources: [
        // city A's incomes source admits both cities' operators (roaming)
        { resource: resource1, admitted: members.map((k) => issuers[k]) },
        // city B's source admits only city B's operator
        ...(resource2 ? [{ resource: resource2, admitted: members.includes('b') ? [issuers.b] : [] }] : []),
      ],
      issued_at: new Date(now - (o.expired ? 7200_000 : 1000)).toISOString(),
      expires_at: new Date(now + (o.expired ? -3600_000 : 3600_000)).toISOString(),
    };
    // an expired document cannot be signed through the validating helper's clock, so sign it as-is
    writeFileSync(file, await signTrustGroup(doc, await importGovernanceKey((o.signer ?? gov).privateJwk)));
  }

  const waitFor = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, tries = 80): Promise<T> => {
    let v = await probe();
    for (let i = 0; i < tries && !ok(v); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      v = await probe();
    }
    return v;
  };

  async function approve(issuer: 'a' | 'b', record: { record_id: string; parties: Array<{ party_id: string }> }) {
    for (const p of record.parties)
      await world.operators[issuer].consents.decide(record.record_id, p.party_id, 'account:test', { approve: true }).catch(() => undefined);
  }

  beforeAll(async () => {
    gov = await generateGovernanceKey('gov-1');
    writeFileSync(join(dir, 'gov.jwks.json'), JSON.stringify(gov.jwks));
    world = await startWorld({
      operatorInGroup: 'both',
      trustGroup: async (resource, iss) => {
        issuers = iss;
        resource1 = resource;
        await publish();
        return { file, jwks: join(dir, 'gov.jwks.json') };
      },
    });
    // city B's gateway in front of its own source (the same kind of register, another city)
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    resource2 = `${url}/sources/city-b-incomes`;
    const base = world.gatewayConfig;
    gateway2 = await createGateway({
      store: await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(dir, 'gateway2.db') }),
      logLevel: 'silent',
      config: {
        ...base,
        name: 'gateway-b',
        listen: { host: '127.0.0.1', port },
        public_url: url,
        sources: [{ ...base.sources[0]!, id: 'city-b-incomes', admitted_operators: [] }],
        operators: base.operators.map((o) => ({ ...o, client_id: 'gateway-b' })),
        trust_group: { file, governance_jwks_file: join(dir, 'gov.jwks.json'), refresh_ms: 200 },
      },
    });
    await gateway2.app.listen({ port, host: '127.0.0.1' });
    await gateway2.listenMtls();
    for (const k of ['a', 'b'] as const) {
      const op = world.operators[k];
      const incomes = (await op.registry.sources()).find((s) => s.id === 'incomes')!;
      await op.registry.putSource({
        ...incomes,
        id: 'city-b-incomes',
        resource: resource2,
        name: { fi: 'B:n tulot', sv: 'B:s inkomster', en: 'City B incomes' },
      });
      await op.registry.putGateway({
        client_id: 'gateway-b',
        name: 'Gateway B',
        jwks_uri: `${url}/.well-known/jwks.json`,
        sources: ['city-b-incomes'],
      });
    }
    gateway2.startBackground();
    await publish();

    // services: the city's fee unit at both operators, a commercial one at both, one only at A
    svc.fees = await createTestService('city-fees');
    svc.shop = await createTestService('shop');
    svc.onlyA = await createTestService('only-at-a');
    svc.roamer = await createTestService('city-b-school');
    svc.reader = await createTestService('city-b-reader');
    const readerDefinition = serviceDefinition(svc.reader);
    const readerPurpose = readerDefinition.purposes[0]!;
    for (const k of ['a', 'b'] as const) {
      await world.operators[k].registry.putService({
        ...readerDefinition,
        kind: 'research',
        purposes: [{ ...readerPurpose, attributes: readerPurpose.attributes.map((a) => ({ ...a, source: 'city-b-incomes' })) }],
      });
    }
    for (const k of ['a', 'b'] as const) {
      await world.operators[k].registry.putService({
        ...serviceDefinition(svc.fees!, [], 'http://127.0.0.1:9/hook'),
        kind: 'public_service',
      });
      await world.operators[k].registry.putService({ ...serviceDefinition(svc.shop!, [], 'http://127.0.0.1:9/hook'), kind: 'commercial' });
    }
    await world.operators.a.registry.putService({ ...serviceDefinition(svc.onlyA!), kind: 'public_service' });
    const roaming = serviceDefinition(svc.roamer!);
    await world.operators.b.registry.putService({ ...roaming, kind: 'public_service' } satisfies ServiceDefinition);

    ainoA = await signIn(issuers.a, 'demo', 'aino');
    ainoB = await signIn(issuers.b, 'demo', 'aino');
  }, 90_000);

  afterAll(async () => {
    await gateway2?.close();
    await world?.close();
  });

  describe('permission arrangements', () => {
    let arrangementId = '';

    it('decide a matching request at once, and say which rule did it and why', async () => {
      const res = await citizenPost(ainoA, '/citizen/api/arrangements', {
        label: 'City services may check my income',
        purpose: 'https://w3id.org/dpv#ServiceProvision',
        service_kind: 'public_service',
        trust_group: GROUP,
        attributes: [`${resource1}#annual_income`, `${resource1}#income_year`],
        until: new Date(Date.now() + 30 * 86400_000).toISOString(),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { arrangement_id: string; policy: { '@type': string } };
      expect(created.policy['@type']).toBe('Set');
      arrangementId = created.arrangement_id;

      const filed = await fileRequest(svc.fees!, issuers.a, [PEOPLE.aino.personal_identity_code]);
      expect(filed.status).toBe('active');
      const view = await citizenGet<{
        status: string;
        history: Array<{ actor: string; reason: string | null }>;
        released: Array<{ subjects: Array<{ datatypes: string[] }> }>;
      }>(ainoA, `/citizen/api/consents/${encodeURIComponent(filed.record_id)}`);
      expect(view.status).toBe('active');
      const byRule = view.history.find((h) => h.actor === `arrangement:${arrangementId}`);
      expect(byRule?.reason).toContain('City services may check my income');
      expect(byRule?.reason).toContain(`trust group ${GROUP}`);
      // the optional employer attribute is outside the rule, so it is not chosen
      expect(view.released[0]!.subjects[0]!.datatypes.sort()).toEqual(['annual_income', 'income_year']);
      const token = await sourceToken(svc.fees!, issuers.a, resource1, filed.record_id, ['annual_income']);
      // the gateway hears of the new record through the feed, within milliseconds
      expect(
        (
          await waitFor(
            () => readSource(svc.fees!, `${resource1}/income`, token),
            (r) => r.status === 200,
          )
        ).status,
      ).toBe(200);
    });

    it('leave a request of another kind of service pending for the citizen', async () => {
      const filed = await fileRequest(svc.shop!, issuers.a, [PEOPLE.aino.personal_identity_code]);
      expect(filed.status).toBe('pending');
      const pending = await citizenGet<Array<{ record_id: string }>>(ainoA, '/citizen/api/requests');
      expect(pending.map((r) => r.record_id)).toContain(filed.record_id);
    });

    it('stop applying once deleted', async () => {
      const temp = (await (
        await citizenPost(ainoA, '/citizen/api/arrangements', {
          label: 'Temporary',
          purpose: 'https://w3id.org/dpv#Purpose',
          attributes: [`${resource1}#annual_income`, `${resource1}#income_year`],
        })
      ).json()) as { arrangement_id: string };
      const del = await ainoA.browser.request(`${issuers.a}/citizen/api/arrangements/${encodeURIComponent(temp.arrangement_id)}`, {
        method: 'DELETE',
        headers: { 'x-csrf-token': ainoA.csrf },
      });
      expect(del.status).toBe(204);
      expect((await fileRequest(svc.shop!, issuers.a, [PEOPLE.aino.personal_identity_code])).status).toBe('pending');
    });

    it('refuse a rule with unknown attributes or a past end', async () => {
      const bad = await citizenPost(ainoA, '/citizen/api/arrangements', {
        label: 'x',
        purpose: 'https://w3id.org/dpv#Purpose',
        attributes: [`${resource1}#shoe_size`],
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { detail: string }).detail).toContain('unknown attributes');
      const past = await citizenPost(ainoA, '/citizen/api/arrangements', {
        label: 'x',
        purpose: 'https://w3id.org/dpv#Purpose',
        attributes: [`${resource1}#annual_income`],
        until: '2020-01-01T00:00:00Z',
      });
      expect(past.status).toBe(400);
    });
  });

  describe('roaming and membership', () => {
    let roamRecord = '';
    const readerRecords: Partial<Record<'a' | 'b', string>> = {};

    it('a service of city B reads a source of city A under operator B; the citizen sees the use at operator B', async () => {
      const filed = await fileRequest(svc.roamer!, issuers.b, [PEOPLE.aino.personal_identity_code]);
      await approve('b', filed);
      roamRecord = filed.record_id;
      const res = await waitFor(
        async () =>
          readSource(
            svc.roamer!,
            `${resource1}/income`,
            await sourceToken(svc.roamer!, issuers.b, resource1, filed.record_id, ['annual_income']),
          ),
        (r) => r.status === 200,
      );
      expect(res.status).toBe(200);
      // only what the token asks for, within the consent
      expect(await res.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 } });
      const seen = await waitFor(
        () =>
          citizenGet<Array<{ consent_record_id: string; outcome: string }>>(
            ainoB,
            `/citizen/api/access-log?record_id=${encodeURIComponent(filed.record_id)}`,
          ),
        (l) => l.length > 0,
      );
      expect(seen[0]).toMatchObject({ consent_record_id: filed.record_id, outcome: 'allowed' });
    });

    it("city B's source admits only city B's operator: operator A issues no token for it", async () => {
      for (const k of ['a', 'b'] as const) {
        const r = await fileRequest(svc.reader!, issuers[k], [PEOPLE.aino.personal_identity_code]);
        await approve(k, r);
        readerRecords[k] = r.record_id;
      }
      await expect(sourceToken(svc.reader!, issuers.a, resource2, readerRecords.a!, ['annual_income'])).rejects.toThrow(
        /invalid_target|not admitted|400/,
      );
      const viaB = await waitFor(
        async () =>
          readSource(
            svc.reader!,
            `${resource2}/income`,
            await sourceToken(svc.reader!, issuers.b, resource2, readerRecords.b!, ['annual_income']),
          ),
        (r) => r.status === 200,
      );
      expect(viaB.status).toBe(200);
    });

    it('both gateways follow a leave and a join, and refuse an expired or a forged document', async () => {
      const readB = async () =>
        readSource(
          svc.roamer!,
          `${resource1}/income`,
          await sourceToken(svc.roamer!, issuers.b, resource1, roamRecord, ['annual_income']).catch(() => 'none'),
        );
      const readB2 = async () =>
        readSource(
          svc.reader!,
          `${resource2}/income`,
          await sourceToken(svc.reader!, issuers.b, resource2, readerRecords.b!, ['annual_income']).catch(() => 'none'),
        );
      const groups = () => [world.gateway.trustGroup?.current?.group_id, gateway2.trustGroup?.current?.group_id];
      await publish({ members: ['a'] }); // B leaves
      expect((await waitFor(readB, (r) => r.status === 401)).status).toBe(401);
      expect((await waitFor(readB2, (r) => r.status === 401)).status).toBe(401);
      await publish(); // B joins again
      expect((await waitFor(readB, (r) => r.status === 200)).status).toBe(200);
      expect((await waitFor(readB2, (r) => r.status === 200)).status).toBe(200);

      for (const bad of [{ expired: true }, { signer: await generateGovernanceKey('gov-1') }]) {
        await publish(bad);
        expect(
          await waitFor(
            async () => groups(),
            (g) => g.every((x) => x === undefined),
          ),
        ).toEqual([undefined, undefined]);
        expect((await readB()).status).toBe(401);
        expect((await readB2()).status).toBe(401);
        await publish();
        expect(
          await waitFor(
            async () => groups(),
            (g) => g.every((x) => x === GROUP),
          ),
        ).toEqual([GROUP, GROUP]);
      }
      expect((await waitFor(readB, (r) => r.status === 200)).status).toBe(200);
    });
  });

  describe('moving from operator A to operator B', () => {
    type View = { record_id: string; status: string; replaces: string | null; client_id: string };
    let before: View[] = [];
    const moved = new Map<string, string>(); // old → new
    const violations: string[] = [];
    let samples = 0;

    it('re-creates every live single-person record at B, leaves the rest, and hands over without a gap', async () => {
      // aino's records at A: the ones above, plus more active ones, one shared with Mikko,
      // one withdrawn, one with a service B does not know
      for (let i = 0; i < 5; i += 1) await fileRequest(svc.fees!, issuers.a, [PEOPLE.aino.personal_identity_code]);
      const shared = await fileRequest(
        svc.fees!,
        issuers.a,
        [PEOPLE.aino.personal_identity_code, PEOPLE.mikko.personal_identity_code],
        'all_activators_activate',
      );
      await approve('a', shared);
      const gone = await fileRequest(svc.fees!, issuers.a, [PEOPLE.aino.personal_identity_code]);
      await citizenPost(ainoA, `/citizen/api/consents/${encodeURIComponent(gone.record_id)}/withdraw`, {});
      const onlyA = await fileRequest(svc.onlyA!, issuers.a, [PEOPLE.aino.personal_identity_code]);
      await approve('a', onlyA);
      before = await citizenGet<View[]>(ainoA, '/citizen/api/consents');
      const liveSingle = before.filter((r) => r.status === 'active' && r.client_id === 'city-fees' && r.record_id !== shared.record_id);
      expect(liveSingle.length).toBeGreaterThanOrEqual(6);

      // wait until gateway A holds every active record, then watch the hand-over at every replica change
      const replica = world.gateway.replica;
      await waitFor(async () => liveSingle.every((r) => replica.get(issuers.a, r.record_id, resource1)?.status === 'active'), Boolean);
      const check = () => {
        samples += 1;
        for (const r of liveSingle) {
          const old = replica.get(issuers.a, r.record_id, resource1)!;
          const nextId = moved.get(r.record_id) ?? [...replicaRecordsReplacing(r.record_id)][0];
          const next = nextId ? replica.get(issuers.b, nextId, resource1) : undefined;
          const honoured = Number(replica.honours(old).honoured) + Number(next ? replica.honours(next).honoured : false);
          if (honoured !== 1)
            violations.push(`${r.record_id}: ${honoured} honoured (old ${old.status}/${old.superseded_by}, new ${next?.status})`);
        }
      };
      const replicaRecordsReplacing = (old: string) => {
        const out = new Set<string>();
        const e = replica.get(issuers.a, old, resource1);
        if (e?.superseded_by) out.add(e.superseded_by);
        return out;
      };
      // uses at A just before the move: the history that must come along, each with its inclusion proof
      const used = liveSingle[0]!.record_id;
      const readToken = await sourceToken(svc.fees!, issuers.a, resource1, used, ['annual_income']);
      for (let i = 0; i < 3; i += 1) expect((await readSource(svc.fees!, `${resource1}/income`, readToken)).status).toBe(200);
      type Use = Record<string, unknown> & { access_id: string; consent_record_id: string; proof?: unknown; moved_from?: string };
      const historyAtA = await waitFor(
        () => citizenGet<Use[]>(ainoA, '/citizen/api/access-log?limit=1000'),
        // not waiting for their proofs: the bundle waits for those of the newest uses itself
        (l) => l.filter((e) => e.consent_record_id === used).length >= 3,
      );

      const stop = replica.onApply(() => check());
      const timer = setInterval(check, 1);

      // an identity from a provider B does not offer: it cannot come along, and B must say so
      const meAtA = await citizenGet<{ account_id: string }>(ainoA, '/citizen/api/me');
      await world.operators.a.accounts.signIn({ idp: 'bank', iss: 'https://bank.example', sub: 'aino-at-bank' }, meAtA.account_id);

      // the bundle from A, for B
      const bundleRes = await citizenPost(ainoA, '/citizen/api/portability/bundle', { target: issuers.b });
      expect(bundleRes.status).toBe(200);
      expect(bundleRes.headers.get('content-type')).toContain('application/jose');
      const bundle = await bundleRes.text();

      // refused: tampered, about someone else, meant for another operator
      const [h, p, sig] = bundle.split('.');
      const tampered = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { consent_records: unknown[] };
      tampered.consent_records = [];
      const forged = `${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${sig}`;
      const importAs = (who: Citizen, body: string) =>
        who.browser.request(`${who.issuer}/citizen/api/portability/imports`, {
          method: 'POST',
          headers: { 'content-type': 'application/jose', 'x-csrf-token': who.csrf },
          body,
        });
      const tamperedRes = await importAs(ainoB, forged);
      expect(tamperedRes.status).toBe(400);
      expect(((await tamperedRes.json()) as { code: string }).code).toBe('invalid_bundle');
      const mikkoB = await signIn(issuers.b, 'demo', 'mikko');
      expect((await importAs(mikkoB, bundle)).status).toBe(403);
      const outsider = await citizenPost(ainoA, '/citizen/api/portability/bundle', { target: 'http://169.254.169.254' });
      expect(outsider.status).toBe(400);
      expect(((await outsider.json()) as { detail: string }).detail).toContain('not a member');
      const ainoBackAtA = await importAs(ainoA, bundle);
      expect(ainoBackAtA.status).toBe(400);

      // before the import: what would happen, and which identity cannot come along; nothing changes yet
      const previewRes = await ainoB.browser.request(`${issuers.b}/citizen/api/portability/previews`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-csrf-token': ainoB.csrf },
        body: bundle,
      });
      expect(previewRes.status).toBe(200);
      const preview = (await previewRes.json()) as { total: number; items: Array<{ old: string; outcome: string }>; left_behind: unknown };
      expect(preview.total).toBe(before.length);
      expect(preview.left_behind).toEqual([{ iss: 'https://bank.example', idp: 'bank', name: null }]);
      expect(await citizenGet<unknown[]>(ainoB, '/citizen/api/portability/moves')).toEqual([]);

      // the import, with progress
      const started = await importAs(ainoB, bundle);
      expect(started.status).toBe(202);
      const move = (await started.json()) as { move_id: string; total: number };
      expect(move.total).toBe(before.length);
      type Move = {
        status: string;
        done: number;
        total: number;
        items: Array<{ old: string; new?: string; outcome: string; handed_over?: boolean; reason?: string }>;
      };
      const done = await waitFor(
        () => citizenGet<Move>(ainoB, `/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`),
        (m) => m.status === 'done' && m.items.filter((i) => i.outcome === 'moved').every((i) => i.handed_over),
      );
      expect(done.done).toBe(done.total);
      expect((done as unknown as { left_behind: unknown }).left_behind).toEqual([{ iss: 'https://bank.example', idp: 'bank', name: null }]);
      for (const i of done.items) if (i.new) moved.set(i.old, i.new);
      // the preview said what the import then did, record by record
      expect(Object.fromEntries(preview.items.map((i) => [i.old, i.outcome]))).toEqual(
        Object.fromEntries(done.items.map((i) => [i.old, i.outcome])),
      );

      // every record accounted for
      const outcome = (id: string) => done.items.find((i) => i.old === id)?.outcome;
      expect(done.items).toHaveLength(before.length);
      expect(outcome(shared.record_id)).toBe('stays');
      // and says why in the citizen's language
      const progress = await (await ainoB.browser.get(`${issuers.b}/dashboard/move/${encodeURIComponent(move.move_id)}?lang=fi`)).text();
      expect(progress).toContain('jaettu muiden osapuolten kanssa: se jää heidän kanssaan vanhalle operaattorille');
      expect(progress).not.toContain('shared with other participants');
      expect(outcome(gone.record_id)).toBe('archived');
      expect(outcome(onlyA.record_id)).toBe('stays');
      for (const r of liveSingle) expect(outcome(r.record_id)).toBe('moved');
      const pendingShop = before.filter((r) => r.client_id === 'shop' && r.status === 'pending');
      for (const r of pendingShop) expect(outcome(r.record_id)).toBe('moved');

      // wait for both gateways' replicas to settle on the new records
      await waitFor(
        async () =>
          liveSingle.every(
            (r) =>
              replica.get(issuers.a, r.record_id, resource1)?.status === 'moved' &&
              replica.get(issuers.b, moved.get(r.record_id)!, resource1)?.status === 'active',
          ),
        Boolean,
      );
      clearInterval(timer);
      stop();
      check();
      expect(violations).toEqual([]);
      expect(samples).toBeGreaterThan(50);
      console.log(`move: ${liveSingle.length} active records handed over, ${samples} replica samples, 0 with both or neither honoured`);

      // after: the counts add up at both operators
      const afterA = await citizenGet<View[]>(ainoA, '/citizen/api/consents');
      const afterB = await citizenGet<View[]>(ainoB, '/citizen/api/consents');
      expect(afterA).toHaveLength(before.length); // nothing lost or deleted at A
      const movedIds = [...moved.keys()];
      expect(afterA.filter((r) => movedIds.includes(r.record_id)).every((r) => r.status === 'moved')).toBe(true);
      const arrived = afterB.filter((r) => r.replaces !== null);
      expect(arrived.map((r) => r.replaces).sort()).toEqual(movedIds.sort());
      expect(arrived.filter((r) => r.status === 'active')).toHaveLength(
        before.filter((r) => r.status === 'active' && moved.has(r.record_id)).length,
      );
      expect(arrived.filter((r) => r.status === 'pending')).toHaveLength(
        before.filter((r) => r.status === 'pending' && moved.has(r.record_id)).length,
      );

      // the service: A no longer issues for the old record, B does for the new one
      const old = liveSingle[0]!.record_id;
      await expect(sourceToken(svc.fees!, issuers.a, resource1, old, ['annual_income'])).rejects.toThrow();
      const token = await sourceToken(svc.fees!, issuers.b, resource1, moved.get(old)!, ['annual_income']);
      expect((await readSource(svc.fees!, `${resource1}/income`, token)).status).toBe(200);

      // and is told by webhook at both operators
      const hooks = async (k: 'a' | 'b') =>
        (await (
          await fetch(`${issuers[k]}/admin/webhooks`, { headers: { authorization: `Bearer admin-token-${k}-0123456789` } })
        ).json()) as Array<{ event_type: string; record_id: string }>;
      const atA = await hooks('a');
      for (const id of movedIds.filter((i) => liveSingle.some((r) => r.record_id === i)))
        expect(atA.some((w) => w.event_type === 'consent.moved' && w.record_id === id)).toBe(true);
      const atB = await hooks('b');
      for (const r of arrived.filter((x) => x.status === 'active' && x.client_id === 'city-fees'))
        expect(atB.some((w) => w.event_type === 'consent.allowed' && w.record_id === r.record_id)).toBe(true);

      // the standing permission came along
      const rules = await citizenGet<Array<{ label: string }>>(ainoB, '/citizen/api/arrangements');
      expect(rules.map((r) => r.label)).toContain('City services may check my income');

      // the old operator tells her where she went, with a link
      const atOld = await (await ainoA.browser.get(`${issuers.a}/dashboard/consents?lang=en`)).text();
      expect(atOld).toContain('You moved to City B operator on');
      expect(atOld).toContain(`href="${issuers.b}/dashboard/consents"`);

      // the history came along: every use at A, marked as coming from A, proven against A's signed evidence
      const historyAtB = await citizenGet<Use[]>(ainoB, '/citizen/api/access-log?limit=1000');
      const movedHere = historyAtB.filter((e) => e.moved_from === issuers.a);
      expect(movedHere.map((e) => e.access_id).sort()).toEqual(historyAtA.map((e) => e.access_id).sort());
      const me = await citizenGet<{ account_id: string }>(ainoB, '/citizen/api/me');
      const citizensB = world.operators.b.citizens;
      expect(await citizensB.verifyAccessEntries(movedHere, me.account_id)).toEqual({ checked: movedHere.length, broken: 0, pending: 0 });
      const edited = { ...movedHere[0]!, outcome: movedHere[0]!.outcome === 'allowed' ? 'refused' : 'allowed' };
      expect((await citizensB.verifyAccessEntries([edited], me.account_id)).broken).toBe(1);
      const page = await (await ainoB.browser.get(`${issuers.b}/dashboard/access?lang=en`)).text();
      expect(page).toContain('Came with your move from');
      expect(page).toContain('City A operator');

      // and in B's export, valid against the published schema and verifiable offline with A's evidence
      const exported = (await (await ainoB.browser.get(`${issuers.b}/citizen/api/export`)).json()) as {
        access_log: Use[];
        transparency: LogEvidence;
      };
      const schema = (await (await fetch(`${issuers.b}/schemas/export.json`)).json()) as Record<string, unknown>;
      const ajv = new Ajv2020({ allErrors: true, strict: false });
      addFormats.default(ajv);
      const validate = ajv.compile(schema);
      expect(validate(exported), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      // with every record she had at A, its history and the receipts A signed
      const history = (exported as unknown as { moved_history: Array<{ from: string; consent_records: Array<{ receipts: unknown[] }> }> })
        .moved_history;
      expect(history.map((h) => h.from)).toEqual([issuers.a]);
      expect(history[0]!.consent_records).toHaveLength(before.length);
      expect(history[0]!.consent_records.every((r) => r.receipts.length > 0)).toBe(true);
      const fromA = exported.access_log.filter((e) => e.moved_from === issuers.a);
      expect(fromA).toHaveLength(historyAtA.length);
      const offline = verifyExportedLog(exported.access_log as Array<Record<string, unknown>>, exported.transparency);
      expect(offline.failed).toEqual([]);
      expect(offline.verified).toBeGreaterThanOrEqual(fromA.length);
    });

    it('asks again where the rulebook says so, and hands over only once the citizen confirms', async () => {
      await publish({ rule: 'reconfirm_all' });
      await new Promise((r) => setTimeout(r, 400)); // both operators reload the rulebook
      const mine = await fileRequest(svc.fees!, issuers.a, [PEOPLE.mikko.personal_identity_code]);
      await approve('a', mine);
      const replica = world.gateway.replica;
      await waitFor(async () => replica.get(issuers.a, mine.record_id, resource1)?.status === 'active', Boolean);
      const mikkoA = await signIn(issuers.a, 'demo', 'mikko');
      const mikkoB = await signIn(issuers.b, 'demo', 'mikko');
      const bundle = await (await citizenPost(mikkoA, '/citizen/api/portability/bundle', { target: issuers.b })).text();
      const res = await mikkoB.browser.request(`${issuers.b}/citizen/api/portability/imports`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-csrf-token': mikkoB.csrf },
        body: bundle,
      });
      const move = (await res.json()) as { move_id: string };
      type Move = { status: string; items: Array<{ old: string; new?: string; outcome: string; handed_over?: boolean }> };
      const progress = () => citizenGet<Move>(mikkoB, `/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`);
      const done = await waitFor(progress, (m) => m.status === 'done');
      const item = done.items.find((i) => i.old === mine.record_id)!;
      expect(item.outcome).toBe('reconfirm');
      // until Mikko confirms at B, the old record stays in force and the new one waits for him
      await new Promise((r) => setTimeout(r, 300));
      expect((await citizenGet<{ status: string }>(mikkoA, `/citizen/api/consents/${encodeURIComponent(mine.record_id)}`)).status).toBe(
        'active',
      );
      const pending = await citizenGet<Array<{ record_id: string; replaces: string | null }>>(mikkoB, '/citizen/api/requests');
      expect(pending.find((r) => r.record_id === item.new)?.replaces).toBe(mine.record_id);
      expect(replica.honours(replica.get(issuers.a, mine.record_id, resource1)!).honoured).toBe(true);

      expect((await citizenPost(mikkoB, `/citizen/api/consents/${encodeURIComponent(item.new!)}/decision`, { approve: true })).status).toBe(
        200,
      );
      const handed = await waitFor(progress, (m) => m.items.find((i) => i.old === mine.record_id)?.handed_over === true);
      expect(handed.items.find((i) => i.old === mine.record_id)?.handed_over).toBe(true);
      expect((await citizenGet<{ status: string }>(mikkoA, `/citizen/api/consents/${encodeURIComponent(mine.record_id)}`)).status).toBe(
        'moved',
      );
      await waitFor(async () => replica.get(issuers.b, item.new!, resource1)?.status === 'active', Boolean);
      expect(replica.honours(replica.get(issuers.a, mine.record_id, resource1)!).honoured).toBe(false);
      expect(replica.honours(replica.get(issuers.b, item.new!, resource1)!).honoured).toBe(true);
      await publish();
    });

    it('moves a large bundle with progress', async () => {
      const n = 200;
      const t0 = performance.now();
      for (let i = 0; i < n; i += 1) {
        await world.operators.a.consents.fileRequest('city-fees', {
          subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
          activation_mode: 'data_subject_activates',
          purpose: PURPOSE,
        });
      }
      const filed = performance.now() - t0;
      const t1 = performance.now();
      const bundleRes = await citizenPost(ainoA, '/citizen/api/portability/bundle', { target: issuers.b });
      const bundle = await bundleRes.text();
      const exported = performance.now() - t1;
      const t2 = performance.now();
      const res = await ainoB.browser.request(`${issuers.b}/citizen/api/portability/imports`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-csrf-token': ainoB.csrf },
        body: bundle,
      });
      expect(res.status).toBe(202);
      const move = (await res.json()) as { move_id: string };
      const seen = new Set<number>();
      const done = await waitFor(
        async () => {
          const m = await citizenGet<{
            status: string;
            done: number;
            total: number;
            items: Array<{ outcome: string; handed_over?: boolean }>;
          }>(ainoB, `/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`);
          seen.add(m.done);
          return m;
        },
        (m) => m.status === 'done' && m.items.filter((i) => i.outcome === 'moved').every((i) => i.handed_over),
        600,
      );
      const imported = performance.now() - t2;
      expect(done.items.filter((i) => i.outcome === 'moved').length).toBeGreaterThanOrEqual(n);
      expect(seen.size).toBeGreaterThan(1); // progress was visible on the way
      console.log(
        `large move: ${n} new records filed in ${filed.toFixed(0)} ms; bundle of ${done.total} records (${(bundle.length / 1024).toFixed(0)} KiB) signed in ${exported.toFixed(0)} ms; imported and handed over in ${imported.toFixed(0)} ms (${((n * 1000) / imported).toFixed(0)} records/s); progress steps seen: ${seen.size}`,
      );
    }, 120_000);

    it('a second import of the same bundle changes nothing', async () => {
      const bundle = await (await citizenPost(ainoA, '/citizen/api/portability/bundle', { target: issuers.b })).text();
      const res = await ainoB.browser.request(`${issuers.b}/citizen/api/portability/imports`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-csrf-token': ainoB.csrf },
        body: bundle,
      });
      expect(res.status).toBe(202);
      const move = (await res.json()) as { move_id: string };
      const done = await waitFor(
        () =>
          citizenGet<{ status: string; items: Array<{ outcome: string }> }>(
            ainoB,
            `/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`,
          ),
        (m) => m.status === 'done',
      );
      // the moved records are `moved` at A now: nothing is live to move again
      expect(done.items.filter((i) => i.outcome === 'moved' || i.outcome === 'reconfirm')).toHaveLength(0);
    });
  });
});
