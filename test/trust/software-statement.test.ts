/**
 * Self-service onboarding (RFC 7591 with a software statement, §2.3): a statement signed by the
 * trust group's governance key registers its service at every operator of the group, which then
 * gets tokens (private_key_jwt), files consent requests and reads through the gateway like an
 * admin-registered one; a forged, expired, other group's or tampered statement, or a request that
 * contradicts it, is refused with the RFC 7591 §3.2.2 error; where the rulebook asks for review
 * the registration waits, without tokens, until an admin approves it.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSoftwareStatement } from '../../src/trust/software-statement.ts';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../../src/trust/trust-group.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  apiToken,
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

const GROUP = 'urn:portti:trust-group:dcr-test';
type Gov = Awaited<ReturnType<typeof generateGovernanceKey>>;

describe('dynamic client registration with a software statement', () => {
  const dir = tempDir('portti-dcr-');
  const file = join(dir, 'group.jws');
  let gov: Gov;
  let world: World;

  async function publish(issuers: { a: string; b: string }, resource: string, review: 'required' | 'none') {
    const members = [issuers.a, issuers.b];
    const doc = {
      group_id: GROUP,
      name: 'DCR test group',
      rulebook: { version: '1.0', url: 'https://example.org/rulebook', registration_review: review },
      members: members.map((issuer, i) => ({ issuer, name: `Operator ${i}` })),
      sources: [{ resource, admitted: members }],
      issued_at: new Date(Date.now() - 1000).toISOString(),
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    };
    writeFileSync(file, await signTrustGroup(doc, await importGovernanceKey(gov.privateJwk)));
  }

  /** A statement for `service` (its registry definition without client_id), by default valid for an hour. */
  async function statement(service: TestService, o: { signer?: Gov; group?: string; ttlS?: number; now?: number } = {}) {
    const { client_id: softwareId, ...definition } = serviceDefinition(service);
    const key = await importGovernanceKey((o.signer ?? gov).privateJwk);
    const at = { ttlS: o.ttlS ?? 3600, ...(o.now ? { now: o.now } : {}) };
    return issueSoftwareStatement({ groupId: o.group ?? GROUP, softwareId, service: definition, key, ...at });
  }

  const register = async (k: 'a' | 'b', body: unknown, type = 'application/json') => {
    const res = await fetch(`${world.issuers[k]}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
  };
  const admin = (k: 'a' | 'b', method: string, path: string, body?: unknown) =>
    fetch(`${world.issuers[k]}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${world.operatorConfigs[k].admin_token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    gov = await generateGovernanceKey('gov-1');
    writeFileSync(join(dir, 'gov.jwks.json'), JSON.stringify(gov.jwks));
    world = await startWorld({
      operatorInGroup: 'both',
      trustGroup: async (resource, issuers) => {
        await publish(issuers, resource, 'none');
        return { file, jwks: join(dir, 'gov.jwks.json') };
      },
    });
  }, 60_000);
  afterAll(async () => world?.close());

  it('advertises the registration endpoint of an operator in a trust group', async () => {
    expect((await metadata(world.issuers.a)).registration_endpoint).toBe(`${world.issuers.a}/oauth/register`);
  });

  it('registers a valid statement at every operator; the service gets tokens, files a request and reads', async () => {
    const service = await createTestService('self-registered');
    const jwt = await statement(service);
    const res = await register('a', { software_statement: jwt, token_endpoint_auth_method: 'private_key_jwt' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      client_id: 'self-registered',
      software_id: 'self-registered',
      client_name: 'Customer Fee Unit',
      token_endpoint_auth_method: 'private_key_jwt',
      registration_status: 'approved',
      software_statement: jwt,
    });
    expect(typeof res.body.client_id_issued_at).toBe('number');
    // the service is real: private_key_jwt token, a consent request, a read through the gateway
    expect(await apiToken(service, world.issuers.a)).toMatch(/^ey/);
    const filed = await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code]);
    await world.operators.a.consents.decide(filed.record_id, filed.parties[0]!.party_id, 'account:test', { approve: true });
    const token = await sourceToken(service, world.issuers.a, world.resource, filed.record_id, ['annual_income']);
    expect((await readSource(service, `${world.resource}/income`, token)).status).toBe(200);
    // the same statement onboards it at the group's other operator too
    expect((await register('b', { software_statement: jwt })).status).toBe(201);
    expect(await apiToken(service, world.issuers.b)).toMatch(/^ey/);
    // the agreement is derived as for an admin-registered service
    expect((await fetch(`${world.issuers.a}/services/self-registered/agreement`)).status).toBe(200);
    // once only
    expect((await register('a', { software_statement: jwt })).body.error).toBe('invalid_client_metadata');
  });

  it('refuses forged, expired, other group and tampered statements with invalid_software_statement', async () => {
    const service = await createTestService('refused-svc');
    const other = await generateGovernanceKey('gov-1'); // same kid, another key
    const refusals = {
      forged: await statement(service, { signer: other }),
      otherGroup: await statement(service, { signer: other, group: 'urn:portti:trust-group:elsewhere' }),
      wrongIss: await statement(service, { group: 'urn:portti:trust-group:elsewhere' }),
      expired: await statement(service, { now: Date.now() - 7200_000, ttlS: 3600 }),
    };
    for (const [what, jwt] of Object.entries(refusals)) {
      const res = await register('a', { software_statement: jwt });
      expect([what, res.status, res.body.error]).toEqual([what, 400, 'invalid_software_statement']);
      expect(res.type).toContain('application/json');
    }
    expect((await register('a', { software_statement: refusals.expired })).body.error_description).toMatch(/expired/);
    const [h, p, s] = (await statement(service)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { service: { purposes: Array<{ retention_period: string }> } };
    claims.service.purposes[0]!.retention_period = 'P99Y';
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect((await register('a', { software_statement: tampered })).body.error).toBe('invalid_software_statement');
    // unsigned, or "signed" with the governance public key as an HMAC secret
    const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'software-statement+jwt' })}.${p}.`;
    const hmacHeader = b64({ alg: 'HS256', kid: 'gov-1', typ: 'software-statement+jwt' });
    const hmac = createHmac('sha256', JSON.stringify(gov.jwks.keys[0])).update(`${hmacHeader}.${p}`).digest('base64url');
    for (const jwt of [unsigned, `${hmacHeader}.${p}.${hmac}`])
      expect((await register('a', { software_statement: jwt })).body.error).toBe('invalid_software_statement');
    expect((await register('a', {})).body.error).toBe('invalid_software_statement');
    expect((await register('a', { software_statement: 'not.a.jwt' })).body.error).toBe('invalid_software_statement');
    expect((await register('a', { software_statement: 'x'.repeat(40_000) })).body.error).toBe('invalid_software_statement');
    const notJson = await register('a', '{"software_statement":', 'application/json');
    expect([notJson.status, notJson.body.error]).toEqual([400, 'invalid_client_metadata']);
    expect((await register('a', [1, 2])).body.error).toBe('invalid_client_metadata');
    const form = await register('a', 'software_statement=x', 'text/plain');
    expect([form.status, form.body.error]).toEqual([400, 'invalid_client_metadata']); // RFC 7591 asks for JSON
    // nothing was registered
    expect(await world.operators.a.registry.service('refused-svc')).toBeUndefined();
  });

  it('refuses a request whose metadata contradicts its statement with invalid_client_metadata', async () => {
    const service = await createTestService('contradicted');
    const jwt = await statement(service);
    const stranger = await createTestService('stranger');
    for (const extra of [
      { jwks: { keys: [stranger.publicJwk] } },
      { jwks_uri: 'https://attacker.example/jwks' },
      { redirect_uris: ['https://attacker.example/cb'] },
      { client_name: 'Someone else' },
      { software_id: 'another-id' },
      { token_endpoint_auth_method: 'none' },
      { client_id: 'admin-chosen' },
    ]) {
      const res = await register('a', { software_statement: jwt, ...extra });
      expect([Object.keys(extra)[0], res.status, res.body.error]).toEqual([Object.keys(extra)[0], 400, 'invalid_client_metadata']);
    }
    expect(await world.operators.a.registry.service('contradicted')).toBeUndefined();
    // fields the statement does not decide are ignored (RFC 7591 §2) and not echoed
    const ok = await register('a', { software_statement: jwt, logo_uri: 'https://example.org/logo.png' });
    expect(ok.status).toBe(201);
    expect(ok.body.logo_uri).toBeUndefined();
  });

  it('portti trust-group issue-statement signs a statement the operator registers', async () => {
    const service = await createTestService('from-the-cli');
    writeFileSync(join(dir, 'service.json'), JSON.stringify(serviceDefinition(service)));
    writeFileSync(join(dir, 'gov.private.jwk.json'), JSON.stringify(gov.privateJwk));
    // asynchronously: the operators run in this process and must keep answering
    const run = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
        execFile(process.execPath, ['bin/portti.js', 'trust-group', 'issue-statement', ...args], (err, stdout, stderr) =>
          done({ status: err ? Number(err.code) : 0, stdout, stderr }),
        ),
      );
    expect((await run('--help')).stdout).toContain('Usage: portti trust-group issue-statement');
    expect((await run('--service', join(dir, 'service.json'))).status).toBe(2);
    const out = join(dir, 'statement.jwt');
    const key = join(dir, 'gov.private.jwk.json');
    const ok = await run('--service', join(dir, 'service.json'), '--group-id', GROUP, '--key', key, '--out', out, '--days', '30');
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    const res = await register('a', { software_statement: readFileSync(out, 'utf8').trim() });
    expect([res.status, res.body.client_id]).toEqual([201, 'from-the-cli']);
    writeFileSync(join(dir, 'bad-service.json'), JSON.stringify({ ...serviceDefinition(service), purposes: [] }));
    const bad = await run('--service', join(dir, 'bad-service.json'), '--group-id', GROUP, '--key', key, '--out', out);
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringContaining('purposes')]);
  });

  it('keeps a registration pending where the rulebook asks for review: no token until an admin approves', async () => {
    await publish(world.issuers, world.resource, 'required');
    await world.restartOperator('b'); // loads the new rulebook at start
    const service = await createTestService('reviewed');
    const res = await register('b', { software_statement: await statement(service) });
    expect([res.status, res.body.registration_status]).toEqual([201, 'pending']);
    await expect(apiToken(service, world.issuers.b)).rejects.toThrow(/invalid_client/);
    expect((await admin('b', 'GET', '/admin/registrations?status=pending').then((r) => r.json())) as unknown[]).toEqual([
      expect.objectContaining({ client_id: 'reviewed', status: 'pending' }),
    ]);
    expect((await fetch(`${world.issuers.b}/admin/registrations`)).status).toBe(401);
    expect((await admin('b', 'POST', '/admin/services/reviewed/resume')).status).toBe(409); // review is not skipped
    const approved = await admin('b', 'POST', '/admin/registrations/reviewed/approve');
    expect([approved.status, ((await approved.json()) as { status: string }).status]).toEqual([200, 'approved']);
    expect(await apiToken(service, world.issuers.b)).toMatch(/^ey/);
    expect((await fileRequest(service, world.issuers.b, [PEOPLE.mikko.personal_identity_code])).status).toBe('pending');
    expect((await admin('b', 'POST', '/admin/registrations/reviewed/approve')).status).toBe(409);

    const refused = await createTestService('refused-in-review');
    expect((await register('b', { software_statement: await statement(refused) })).status).toBe(201);
    const no = await admin('b', 'POST', '/admin/registrations/refused-in-review/refuse', { reason: 'not a public service' });
    expect(((await no.json()) as { status: string; reason: string }).reason).toBe('not a public service');
    await expect(apiToken(refused, world.issuers.b)).rejects.toThrow(/invalid_client/);
    expect((await admin('b', 'POST', '/admin/registrations/refused-in-review/approve')).status).toBe(409);
    expect((await admin('b', 'POST', '/admin/registrations/nobody/approve')).status).toBe(404);
  });
});
