/**
 * Signed ISO/IEC TS 27560 consent receipts as the citizen gets them: one per change,
 * verifiable offline (library and `portti receipt verify`) and against the operator's
 * published keys; a single changed character of the payload breaks the signature.
 */
import { decide as citizenDecide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, type JWK } from 'jose';
import { verifyReceipt } from '../../src/core/receipt.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  createTestService,
  fileRequest,
  metadata,
  PEOPLE,
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
  spawnSync(process.execPath, ['bin/portti.js', ...args], { encoding: 'utf8', cwd: root, env, timeout: 30_000 });

/** The same, without blocking: several runs at once keep the file fast. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/portti.js', ...args], { cwd: root, env, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('consent receipts', () => {
  let world: World;
  let issuer: string;
  let service: TestService;
  let aino: Citizen;
  let recordId: string;
  let receipts: Array<{ receipt_id: string; time: string; jws: string }>;
  let recordStatus: string;
  let jwks: { keys: JWK[] };
  const dir = tempDir('portti-receipts-');

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    recordId = (await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code])).record_id;
    aino = await signIn(issuer, 'aino');
    const decided = await citizenDecide(aino, recordId, { approve: true, choices: [`${world.resource}#employer`] });
    expect(decided.status).toBe(200);
    recordStatus = ((await decided.json()) as { status: string }).status;
    expect(recordStatus).toBe('active');
    const meta = await metadata(issuer);
    const jwksRes = await fetch(meta.jwks_uri);
    expect(jwksRes.status).toBe(200);
    jwks = (await jwksRes.json()) as { keys: JWK[] };
  });
  afterAll(async () => world?.close());

  it('lets the citizen download one signed receipt per change, oldest first', async () => {
    const res = await aino.browser.get(`${issuer}/citizen/api/consents/${encodeURIComponent(recordId)}/receipts`);
    expect(res.status).toBe(200);
    receipts = (await res.json()) as typeof receipts;
    expect(receipts).toHaveLength(2);
    for (const r of receipts) {
      expect(r.receipt_id).toMatch(/^urn:uuid:/);
      expect(r.jws.split('.')).toHaveLength(3);
      const header = decodeProtectedHeader(r.jws);
      expect(header.typ).toBe('consent-receipt+jws');
      expect(header.cty).toBe('application/ld+json');
      expect(header.jwk).toBeDefined();
      expect((header.jwk as { d?: string }).d).toBeUndefined();
    }
    expect(Date.parse(receipts[0]!.time)).toBeLessThanOrEqual(Date.parse(receipts[1]!.time));
  });

  it("verifies the last receipt offline and carries the record's current status", async () => {
    const last = receipts.at(-1)!;
    const verdict = await verifyReceipt(last.jws);
    expect(verdict.ok).toBe(true);
    expect(verdict.key_thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verdict.key_trusted).toBeUndefined();
    const doc = verdict.receipt as {
      receipt_id: string;
      record_id: string;
      status: string;
      operator: { issuer: string };
      pii_controllers: Array<{ recipient: string }>;
      parties: Array<{ status: string; choices: string[] }>;
      events: Array<{ event_type: string; event_state: string }>;
      '@type': string;
    };
    expect(doc['@type']).toBe('dpv-27560:receipt-full');
    expect(doc.receipt_id).toBe(last.receipt_id);
    expect(doc.record_id).toBe(recordId);
    expect(doc.status).toBe(recordStatus);
    expect(doc.operator.issuer).toBe(issuer);
    expect(doc.pii_controllers[0]!.recipient).toBe(service.clientId);
    expect(doc.parties[0]).toMatchObject({ status: 'approved', choices: [`${world.resource}#employer`] });
    expect(doc.events.map((e) => [e.event_type, e.event_state])).toEqual([
      ['dpv:ConsentRequested', 'pending'],
      ['dpv:ConsentGiven', 'active'],
    ]);
    // the first receipt tells the state at filing
    const first = await verifyReceipt(receipts[0]!.jws);
    expect(first.ok).toBe(true);
    expect((first.receipt as { status: string }).status).toBe('pending');
  });

  it("verifies against the operator's published JWKS, and not against another operator's", async () => {
    const last = receipts.at(-1)!;
    const verdict = await verifyReceipt(last.jws, jwks);
    expect(verdict.ok).toBe(true);
    expect(verdict.key_trusted).toBe(true);
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(last.jws).kid);

    const otherJwks = (await (await fetch((await metadata(world.issuers.b)).jwks_uri)).json()) as { keys: JWK[] };
    const foreign = await verifyReceipt(last.jws, otherJwks);
    expect(foreign.ok).toBe(false);
    expect(foreign.key_trusted).toBeUndefined();
  });

  it('fails when one character of the payload changes', async () => {
    const tampered = tamperPayload(receipts.at(-1)!.jws);
    const offline = await verifyReceipt(tampered);
    expect(offline.ok).toBe(false);
    expect(offline.reason).toMatch(/signature verification failed/);
    expect(offline.receipt).toBeUndefined();
    const trusted = await verifyReceipt(tampered, jwks);
    expect(trusted.ok).toBe(false);
  });

  it('verifies with `portti receipt verify`: exit 0 and VALID for the good file, exit 1 and INVALID for the tampered one', async () => {
    const jws = receipts.at(-1)!.jws;
    const good = join(dir, 'receipt.jws');
    const bad = join(dir, 'tampered.jws');
    const keys = join(dir, 'jwks.json');
    writeFileSync(good, `${jws}\n`);
    writeFileSync(bad, tamperPayload(jws));
    writeFileSync(keys, JSON.stringify(jwks));

    const [okTrusted, nokTrusted] = await Promise.all([
      cliAsync(['receipt', 'verify', good, '--jwks', keys]),
      cliAsync(['receipt', 'verify', bad, '--jwks', keys]),
    ]);
    const ok = cli(['receipt', 'verify', good]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^VALID: /);
    expect(ok.stdout).toContain(recordId);
    expect(ok.stdout).toContain(`status ${recordStatus}`);

    expect(okTrusted.status).toBe(0);
    expect(okTrusted.stdout).toMatch(/^VALID: /);
    expect(okTrusted.stdout).toContain('key is in the given JWKS');

    const nok = cli(['receipt', 'verify', bad]);
    expect(nok.status).toBe(1);
    expect(nok.stdout).toMatch(/^INVALID: /);
    expect(nok.stdout).not.toMatch(/^VALID/m);

    expect(nokTrusted.status).toBe(1);
    expect(nokTrusted.stdout).toMatch(/^INVALID: /);
  });
});
