/**
 * Signed ISO/IEC TS 27560 consent receipts as the citizen gets them from a running operator:
 * one per change, in the W3C DPV guide's profile (pairwise data subjects, the request's
 * language, only DPV / 27560 / DCMI IRIs after JSON-LD expansion), and checked by
 * `portti receipt verify` with keys it fetches from the issuer itself. A receipt signed by
 * another key under the operator's kid (the key embedded in its header) is never VALID, a
 * changed character is INVALID, an issuer out of reach is UNVERIFIED (exit 3).
 */
import { decide as citizenDecide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { RECEIPT_CONTEXT } from '../../src/core/receipt/receipt-context.data.ts';
import { verifyReceipt } from '../../src/core/receipt/receipt.ts';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../../src/trust/trust-group.ts';
import { ABSOLUTE_IRI, expandReceipt, usedIris, VOCABULARY } from '../helpers/receipt-jsonld.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  callApi,
  createTestService,
  fileRequest,
  freePort,
  metadata,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

/** Changes one character in the middle of the payload segment to another base64url character. */
function tamperPayload(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const i = Math.floor(payload.length / 2);
  const replacement = payload[i] === 'A' ? 'B' : 'A';
  const changed = payload.slice(0, i) + replacement + payload.slice(i + 1);
  expect(changed).not.toBe(payload);
  expect(changed).toMatch(/^[A-Za-z0-9_-]+$/);
  return `${header}.${changed}.${signature}`;
}

const root = join(import.meta.dirname, '../..');
const env = { ...process.env, DATABASE_URL: '' };

/** Runs the CLI exactly as a person would (synchronously). */
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['bin/portti.js', ...args], { encoding: 'utf8', cwd: root, env, timeout: 60_000 });

/** The same, without blocking: several runs at once keep the file fast. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/portti.js', ...args], { cwd: root, env, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

type Doc = Record<string, unknown>;
type Receipt = { receipt_id: string; time: string; jws: string };
const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Doc;
const recordOf = (doc: Doc) => doc['dpv:hasRecordOfActivity'] as Doc;
const entity = (doc: Doc, id: string) => (recordOf(doc)['dpv:hasEntity'] as Doc[]).find((e) => e['@id'] === id);
/** The pairwise subject a receipt gives its (single) data subject. */
const subjectOf = (doc: Doc) => entity(doc, (recordOf(doc)['dpv:hasDataSubject'] as string[])[0]!)?.['dct:identifier'];

/** Keeps header and signature, and changes what the record says (withdrawn where it was given). */
function rewritePayload(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const changed = Buffer.from(payload, 'base64url')
    .toString('utf8')
    .replace('"dpv:hasStatus":"dpv:ConsentGiven"', '"dpv:hasStatus":"dpv:ConsentWithdrawn"');
  expect(changed).toContain('dpv:ConsentWithdrawn');
  return `${header}.${Buffer.from(changed).toString('base64url')}.${signature}`;
}

/** Signs `payload` with a key of the attacker's own, under the operator's kid, that key in the header. */
async function forge(payload: Doc, kid: string | undefined): Promise<string> {
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(attacker.publicKey)), kid };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'consent-receipt+jws', cty: 'application/ld+json', jwk, jku: 'http://127.0.0.1:9/jwks' })
    .sign(attacker.privateKey);
}

/** Runs `portti receipt verify` with each argument list, two at a time (each start costs a few seconds of CPU). */
async function inPairs<K extends string>(argLists: Record<K, string[]>) {
  const entries = Object.entries(argLists) as Array<[K, string[]]>;
  const results = {} as Record<K, Awaited<ReturnType<typeof cliAsync>>>;
  for (let i = 0; i < entries.length; i += 2) {
    const pair = entries.slice(i, i + 2);
    const done = await Promise.all(pair.map(([, args]) => cliAsync(['receipt', 'verify', ...args])));
    pair.forEach(([name], j) => (results[name] = done[j]!));
  }
  return results;
}

describe('consent receipts', () => {
  let world: World;
  let issuer: string;
  let service: TestService;
  let aino: Citizen;
  let recordId: string;
  let receipts: Receipt[];
  let jwks: { keys: JWK[] };
  let jwksUri: string;
  const dir = tempDir('portti-receipts-');
  const receiptsOf = async (id: string) =>
    (await (await aino.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(id)}/receipts`)).json()) as Receipt[];
  /** Files a request for Aino (in `language`, if given) and lets her approve it. */
  async function approved(svc: TestService, language?: string): Promise<string> {
    const body = {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
    };
    const res = await callApi(svc, issuer, 'POST', '/api/consent-requests', {
      ...body,
      purpose: PURPOSE,
      ...(language ? { language } : {}),
    });
    const id = ((await res.json()) as { record_id: string }).record_id;
    expect((await citizenDecide(aino, id, { approve: true })).status).toBe(200);
    return id;
  }

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    recordId = (await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code])).record_id;
    aino = await signIn(issuer, 'aino');
    const decided = await citizenDecide(aino, recordId, { approve: true, choices: [`${world.resource}#employer`] });
    expect(decided.status).toBe(200);
    expect(((await decided.json()) as { status: string }).status).toBe('active');
    jwksUri = (await metadata(issuer)).jwks_uri;
    jwks = (await (await fetch(jwksUri)).json()) as { keys: JWK[] };
    receipts = await receiptsOf(recordId);
  });
  afterAll(async () => world?.close());

  it('lets the citizen download one signed receipt per change, oldest first, with no key of its own in the header', () => {
    expect(receipts).toHaveLength(2);
    for (const r of receipts) {
      expect(r.receipt_id).toMatch(/^urn:uuid:/);
      expect(decodeProtectedHeader(r.jws)).toEqual({
        alg: 'ES256',
        kid: expect.any(String),
        typ: 'consent-receipt+jws',
        cty: 'application/ld+json',
      });
    }
    expect(Date.parse(receipts[0]!.time)).toBeLessThanOrEqual(Date.parse(receipts[1]!.time));
  });

  it("follows the DPV 27560 profile: the guide's schema ids, the record's status and events, what Aino allowed", () => {
    const doc = payloadOf(receipts[1]!.jws);
    expect(doc).toMatchObject({
      '@context': `${issuer}/contexts/dpv-27560-v1.jsonld`,
      '@type': 'dpv:ConsentReceipt',
      'dct:conformsTo': 'dpv-27560:receipt',
      'dct:identifier': receipts[1]!.receipt_id,
      'dct:publisher': issuer,
    });
    const record = recordOf(doc);
    expect(record).toMatchObject({
      'dct:conformsTo': 'dpv-27560:record',
      'dpv:hasIdentifier': recordId,
      'dpv:hasStatus': 'dpv:ConsentGiven',
    });
    const events = record['dpv:hasConsentStatus'] as Doc[];
    expect(events.map((e) => e['@type'])).toEqual(['dpv:ConsentRequested', ['dpv:ConsentGiven', 'dpv:ExpressedConsent']]);
    expect(events[1]!['dpv:hasPersonalData']).toEqual(
      expect.arrayContaining([`${world.resource}#employer`, `${world.resource}#annual_income`]),
    );
    expect(recordOf(payloadOf(receipts[0]!.jws))['dpv:hasStatus']).toBe('dpv:ConsentRequested');
  });

  it("names Aino by her pairwise subject towards the service (not the record id) and speaks the request's language", async () => {
    const first = subjectOf(payloadOf(receipts[1]!.jws));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(recordId);
    expect(payloadOf(receipts[1]!.jws)['dct:language']).toBe('fi');
    const again = (await receiptsOf(await approved(service, 'sv'))).at(-1)!;
    expect(subjectOf(payloadOf(again.jws))).toBe(first);
    expect(payloadOf(again.jws)['dct:language']).toBe('sv');
    expect(recordOf(payloadOf(again.jws))['dpv:hasNotice']).toMatchObject({ 'dct:language': 'sv' });
    const other = await createTestService('other-service');
    await world.operators.a.registry.putService(serviceDefinition(other));
    const elsewhere = (await receiptsOf(await approved(other, 'en'))).at(-1)!;
    expect(subjectOf(payloadOf(elsewhere.jws))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(subjectOf(payloadOf(elsewhere.jws))).not.toBe(first);
    expect(payloadOf(elsewhere.jws)['dct:language']).toBe('en');
  });

  it('expands with the DPV context (the copy the operator serves) to DPV / 27560 / DCMI IRIs only', async () => {
    const served = await fetch(`${issuer}/contexts/dpv-27560-v1.jsonld`);
    expect(served.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(await served.json()).toEqual(RECEIPT_CONTEXT);
    const used = usedIris(await expandReceipt(payloadOf(receipts[1]!.jws)));
    expect([...used.properties, ...used.types].filter((t) => !VOCABULARY.test(t))).toEqual([]);
    expect([...used.ids].filter((id) => !ABSOLUTE_IRI.test(id))).toEqual([]);
    expect(used.properties.size).toBeGreaterThan(20);
  });

  it("verifies with the operator's keys only: a key in the header under the operator's kid does not count", async () => {
    expect(await verifyReceipt(receipts[1]!.jws, jwks)).toMatchObject({ outcome: 'valid', kid: jwks.keys[0]!.kid });
    const forged = await forge(payloadOf(receipts[1]!.jws), decodeProtectedHeader(receipts[1]!.jws).kid);
    expect(await verifyReceipt(forged, jwks)).toMatchObject({ outcome: 'invalid' });
    expect(await verifyReceipt(tamperPayload(receipts[1]!.jws), jwks)).toMatchObject({ outcome: 'invalid' });
    expect(await verifyReceipt(rewritePayload(receipts[1]!.jws), jwks)).toMatchObject({ outcome: 'invalid' });
    const otherJwks = (await (await fetch((await metadata(world.issuers.b)).jwks_uri)).json()) as { keys: JWK[] };
    expect(await verifyReceipt(receipts[1]!.jws, otherJwks)).toMatchObject({ outcome: 'unverified' });
  });

  it('`portti receipt verify`: VALID with keys it fetches from the running issuer, INVALID for tampered and forged, UNVERIFIED out of reach', async () => {
    const jws = receipts[1]!.jws;
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), `${text}\n`), join(dir, name));
    const closed = `http://127.0.0.1:${await freePort()}`;
    const good = file('receipt.jws', jws);
    const bad = file('tampered.jws', rewritePayload(jws));
    const flipped = file('flipped.jws', tamperPayload(jws));
    const forged = file('forged.jws', await forge(payloadOf(jws), decodeProtectedHeader(jws).kid));
    const stray = file('stray.jws', await forge({ ...payloadOf(jws), 'dct:publisher': closed }, 'k1'));
    const keys = file('jwks.json', JSON.stringify(jwks));
    const otherUri = (await metadata(world.issuers.b)).jwks_uri;
    const runs = await inPairs({
      real: [good],
      tampered: [bad],
      forgery: [forged],
      unreachable: [stray],
      byUrl: [good, '--jwks', jwksUri],
      byFile: [good, '--jwks', keys],
      foreign: [good, '--jwks', otherUri],
      deadUrl: [good, '--jwks', `${closed}/jwks`],
      notReceipt: [keys],
      oneChar: [flipped],
    });
    const { real, tampered, forgery, unreachable, byUrl, byFile, foreign, deadUrl, notReceipt, oneChar } = runs;
    for (const r of Object.values(runs)) expect(r.stderr).toBe('');
    expect(real).toMatchObject({ status: 0, stdout: expect.stringMatching(/^VALID: receipt urn:uuid:\S+ for consent record /) });
    expect(real.stdout).toContain(recordId);
    expect(real.stdout).toContain('(status dpv:ConsentGiven)');
    expect(real.stdout).toContain(
      `from ${jwksUri} (the jwks_uri in the issuer's metadata ${issuer}/.well-known/oauth-authorization-server)`,
    );
    expect(tampered).toMatchObject({ status: 1, stdout: expect.stringMatching(/^INVALID: .*the signature does not verify/) });
    expect(forgery).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(/^INVALID: .*the key it carries in its own header was not trusted/),
    });
    expect(unreachable).toMatchObject({
      status: 3,
      stdout: expect.stringMatching(new RegExp(`^UNVERIFIED: no keys of the issuer ${closed} .*ECONNREFUSED`)),
    });
    expect(unreachable.stdout.trim().split('\n')).toHaveLength(1);
    expect(byUrl).toMatchObject({ status: 0, stdout: expect.stringContaining(`from the key set at ${jwksUri}`) });
    expect(byFile).toMatchObject({ status: 0, stdout: expect.stringContaining(`from the key set in ${keys}`) });
    expect(foreign).toMatchObject({ status: 3, stdout: expect.stringMatching(/^UNVERIFIED: .*has no key/) });
    expect(deadUrl).toMatchObject({ status: 3, stdout: expect.stringMatching(/^UNVERIFIED: .*could not be used/) });
    expect(notReceipt).toMatchObject({ status: 1, stdout: expect.stringMatching(/^INVALID: .* is no consent receipt/) });
    // one changed character breaks the signature, or already the JSON inside
    expect(oneChar).toMatchObject({ status: 1, stdout: expect.stringMatching(/^INVALID: /) });
    for (const r of [tampered, forgery, unreachable, foreign, deadUrl, notReceipt, oneChar]) expect(r.stdout).not.toMatch(/^VALID/m);
  }, 240_000);

  it('`portti receipt verify --trust-group`: the issuer must be a member of the signed group; its metadata gives the keys', async () => {
    const gov = await generateGovernanceKey('gov-1');
    const govFile = join(dir, 'governance.jwks.json');
    writeFileSync(govFile, JSON.stringify(gov.jwks));
    const now = Date.now();
    const group = async (name: string, members: string[]) => {
      const doc = {
        group_id: `urn:test:${name}`,
        name,
        rulebook: { version: '1', url: 'https://rules.example/1' },
        members: members.map((m) => ({ issuer: m, name: m, metadata_url: `${m}/.well-known/oauth-authorization-server` })),
        sources: [],
        issued_at: new Date(now - 60_000).toISOString(),
        expires_at: new Date(now + 3600_000).toISOString(),
      };
      writeFileSync(join(dir, `${name}.jws`), await signTrustGroup(doc, await importGovernanceKey(gov.privateJwk)));
      return join(dir, `${name}.jws`);
    };
    const good = join(dir, 'receipt.jws');
    writeFileSync(good, receipts[1]!.jws);
    const [member, outsider] = await Promise.all([
      cliAsync(['receipt', 'verify', good, '--trust-group', await group('with-a', [issuer]), '--governance-jwks', govFile]),
      cliAsync(['receipt', 'verify', good, '--trust-group', await group('only-b', [world.issuers.b]), '--governance-jwks', govFile]),
    ]);
    expect(member).toMatchObject({ status: 0, stdout: expect.stringMatching(/^VALID: .*, member of trust group urn:test:with-a\)/) });
    expect(outsider).toMatchObject({
      status: 3,
      stdout: expect.stringContaining(`${issuer} is not a member of the trust group urn:test:only-b`),
    });
    const missing = cli(['receipt', 'verify', good, '--trust-group', join(dir, 'with-a.jws')]);
    expect(missing.status).toBe(2);
    const both = cli([
      'receipt',
      'verify',
      good,
      '--trust-group',
      join(dir, 'with-a.jws'),
      '--governance-jwks',
      govFile,
      '--jwks',
      govFile,
    ]);
    expect(both).toMatchObject({ status: 2, stderr: expect.stringContaining('either --jwks or --trust-group') });
  }, 120_000);
});
