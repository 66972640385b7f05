/**
 * A gateway and an operator inside a trust group: the signed document decides which
 * operators a source admits; removing a member takes effect without a restart (at the
 * gateway, and at the operator, which stops issuing tokens for that source), re-adding it
 * too, and a forged document admits nobody (fail closed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../../src/trust/trust-group.ts';
import { tempDir } from '../helpers/stores.ts';
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

describe('gateway in a trust group', () => {
  const dir = tempDir('portti-trust-');
  const file = join(dir, 'group.jws');
  let gov: Awaited<ReturnType<typeof generateGovernanceKey>>;
  let world: World;
  const services: Record<'a' | 'b', TestService> = {} as never;
  const records: Record<'a' | 'b', string> = {} as never;

  async function publish(members: Array<'a' | 'b'>, signer = gov) {
    const doc = {
      group_id: 'urn:portti:trust-group:test',
      name: 'Test group',
      rulebook: { version: '1.0', url: 'https://example.org/rulebook' },
      members: members.map((k) => ({ issuer: world?.issuers[k] ?? issuersAtStart[k], name: `Operator ${k}` })),
      sources: [{ resource: world?.resource ?? resourceAtStart, admitted: members.map((k) => world?.issuers[k] ?? issuersAtStart[k]) }],
      issued_at: new Date(Date.now() - 1000).toISOString(),
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    };
    writeFileSync(file, await signTrustGroup(doc, await importGovernanceKey(signer.privateJwk)));
  }
  let issuersAtStart: { a: string; b: string };
  let resourceAtStart: string;

  /** The status of a read; a token the operator refuses to issue counts as 401 too. */
  const read = async (k: 'a' | 'b') => {
    const token = await sourceToken(services[k], world.issuers[k], world.resource, records[k], ['annual_income']).catch(() => undefined);
    return token ? readSource(services[k], `${world.resource}/income`, token) : { status: 401 };
  };
  const eventually = async (k: 'a' | 'b', status: number) => {
    let last = 0;
    for (let i = 0; i < 60; i += 1) {
      last = (await read(k)).status;
      if (last === status) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  };

  beforeAll(async () => {
    gov = await generateGovernanceKey('gov-1');
    writeFileSync(join(dir, 'gov.jwks.json'), JSON.stringify(gov.jwks));
    world = await startWorld({
      operatorInGroup: true,
      trustGroup: async (resource, issuers) => {
        issuersAtStart = issuers;
        resourceAtStart = resource;
        await publish(['a', 'b']);
        return { file, jwks: join(dir, 'gov.jwks.json') };
      },
    });
    for (const [k, who] of [
      ['a', 'aino'],
      ['b', 'mikko'],
    ] as const) {
      services[k] = await createTestService(`svc-${k}`);
      await world.operators[k].registry.putService(serviceDefinition(services[k]));
      const filed = (await (
        await callApi(services[k], world.issuers[k], 'POST', '/api/consent-requests', {
          subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE[who].personal_identity_code }],
          activation_mode: 'data_subject_activates',
          purpose: PURPOSE,
        })
      ).json()) as { record_id: string; parties: Array<{ party_id: string }> };
      await world.operators[k].consents.decide(filed.record_id, filed.parties[0]!.party_id, 'account:test', { approve: true });
      records[k] = filed.record_id;
    }
  }, 60_000);
  afterAll(async () => world?.close());

  it('admits the members, follows a leave and a join without a restart, and fails closed on a forged document', async () => {
    expect(await eventually('a', 200)).toBe(200);
    expect(await eventually('b', 200)).toBe(200);

    await publish(['a']); // B leaves the group
    expect(await eventually('b', 401)).toBe(401);
    expect((await read('a')).status).toBe(200);

    await publish(['b']); // A leaves: its own operator stops issuing tokens for the source
    let refusal = '';
    for (let i = 0; i < 40 && !refusal; i += 1) {
      await sourceToken(services.a, world.issuers.a, world.resource, records.a, ['annual_income']).catch(
        (err: Error) => (refusal = err.message),
      );
      if (!refusal) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusal).toMatch(/invalid_target/);

    await publish(['a', 'b'], await generateGovernanceKey('gov-1')); // forged: signed by another key
    expect(await eventually('a', 401)).toBe(401);

    await publish(['a', 'b']); // B joins again, properly signed
    expect(await eventually('a', 200)).toBe(200);
    expect(await eventually('b', 200)).toBe(200);
    expect(world.gateway.trustGroup?.current?.members.length).toBe(2);
  }, 60_000);
});
