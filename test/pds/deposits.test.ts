/**
 * Verified deposits: only a configured depositor's valid signature, for a category in its
 * agreement, is stored; every refusal is a clear 4xx problem+json. Updates keep history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { tempDir } from '../helpers/stores.ts';
import { redactIdentifiers } from '../../src/pds/pds.ts';
import { createDepositor, pdsConfig, postDeposit, signDeposit, startPds, type Depositor, type RunningPds } from './pds-helpers.ts';

const AINO = '010188-9028';
const doc = { tax_year: 2025, earned_income: 48213, employer: 'Helsingin kaupunki', postal_code: '00530', birth_date: '1988-01-01' };

describe('verified deposits', () => {
  let tax: Depositor;
  let pds: RunningPds;
  const read = (id: string, category = 'tax-decision', token = 'gateway-upstream-token-0123456789') =>
    fetch(`${pds.url}/persons/${encodeURIComponent(id)}/${category}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    tax = await createDepositor('tax-administration');
    const config = pdsConfig([tax]);
    config.depositors.push({
      id: 'keyless',
      name: { fi: 'k', sv: 'k', en: 'k' },
      jwks_file: join(tempDir(), 'missing.jwks.json'),
      categories: ['tax-decision'],
    });
    pds = await startPds(config, { kind: 'sqlite', path: join(tempDir(), 'pds.db') });
  });
  afterAll(async () => pds?.close());

  it('stores a signed deposit and serves it to the gateway credential with its provenance', async () => {
    const res = await postDeposit(
      pds.url,
      await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc, correctable: ['/employer'] }),
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ category: 'tax-decision', version: 1, status: 'verified', verified_by: 'tax-administration' });
    const got = await read(AINO);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ ...doc, _provenance: { status: 'verified', depositor: 'tax-administration', version: 1 } });
  });

  it('keeps identifiers out of request logs', () => {
    expect(redactIdentifiers(`/persons/${AINO}/tax-decision`)).toBe('/persons/[redacted]/tax-decision');
    expect(redactIdentifiers('/deposits')).toBe('/deposits');
  });

  it('refuses the gateway read without the upstream credential', async () => {
    expect((await read(AINO, 'tax-decision', 'wrong-token')).status).toBe(401);
    expect((await fetch(`${pds.url}/persons/${AINO}/tax-decision`)).status).toBe(401);
    expect((await read('999999-999X')).status).toBe(404);
    expect((await read(AINO, 'no-such-category')).status).toBe(404);
  });

  it("refuses a forged deposit (signed by another key under the depositor's name)", async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const res = await postDeposit(
      pds.url,
      await signDeposit(
        { id: 'tax-administration', privateKey },
        { identifier: AINO, category: 'tax-decision', document: { ...doc, earned_income: 1 } },
      ),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_deposit');
    expect(((await (await read(AINO)).json()) as { earned_income: number }).earned_income).toBe(48213);
  });

  it('refuses a deposit signed with a key id the depositor does not publish', async () => {
    const res = await postDeposit(
      pds.url,
      await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc }, { kid: 'not-published' }),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_deposit');
  });

  it('verifies against a depositor JWKS served at a URL', async () => {
    const keys = Fastify();
    keys.get('/jwks.json', async () => JSON.parse(readFileSync(tax.jwksFile, 'utf8')) as unknown);
    await keys.listen({ host: '127.0.0.1', port: 0 });
    const config = pdsConfig([]);
    config.depositors = [
      {
        id: 'tax-administration',
        name: { fi: 'v', sv: 'v', en: 'v' },
        jwks_url: `http://127.0.0.1:${(keys.server.address() as { port: number }).port}/jwks.json`,
        categories: ['tax-decision'],
      },
    ];
    const remote = await startPds(config, { kind: 'sqlite', path: join(tempDir(), 'remote.db') });
    try {
      expect(
        (await postDeposit(remote.url, await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc }))).status,
      ).toBe(201);
      const { privateKey } = await generateKeyPair('ES256');
      expect(
        (
          await postDeposit(
            remote.url,
            await signDeposit({ id: 'tax-administration', privateKey }, { identifier: AINO, category: 'tax-decision', document: doc }),
          )
        ).status,
      ).toBe(401);
    } finally {
      await remote.close();
      await keys.close();
    }
  });

  it('refuses a tampered deposit (payload changed after signing)', async () => {
    const jws = await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc });
    const [h, , s] = jws.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        iss: 'tax-administration',
        iat: Math.floor(Date.now() / 1000),
        identifier_type: 'fi_hetu',
        identifier: AINO,
        category: 'tax-decision',
        document: { earned_income: 1 },
      }),
    ).toString('base64url');
    const res = await postDeposit(pds.url, `${h}.${forgedPayload}.${s}`);
    expect(res.status).toBe(401);
  });

  it('refuses an unknown depositor', async () => {
    const stranger = await createDepositor('stranger');
    const res = await postDeposit(pds.url, await signDeposit(stranger, { identifier: AINO, category: 'tax-decision', document: doc }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('unknown_depositor');
  });

  it("answers 503 (not a signature failure) when a depositor's keys are unavailable", async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const res = await postDeposit(
      pds.url,
      await signDeposit({ id: 'keyless', privateKey }, { identifier: AINO, category: 'tax-decision', document: doc }),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_unavailable');
  });

  it("refuses a category outside the depositor's agreement", async () => {
    const res = await postDeposit(pds.url, await signDeposit(tax, { identifier: AINO, category: 'diploma', document: { degree: 'MSc' } }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('category_not_allowed');
  });

  it('refuses malformed deposits with 4xx problem+json, never 500', async () => {
    const cases: Array<[string, unknown, string?]> = [
      ['not a jws', { deposit: 'hello' }],
      ['no body member', { jws: 'x' }],
      ['empty', { deposit: '' }],
      ['wrong typ', { deposit: await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc }, { typ: 'JWT' }) }],
      ['document not an object', { deposit: await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: [1, 2] }) }],
      ['bad identifier', { deposit: await signDeposit(tax, { identifier: '../../etc/passwd', category: 'tax-decision', document: doc }) }],
      [
        'bad identifier type',
        { deposit: await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc, identifier_type: 'ssn' }) },
      ],
      [
        'bad correctable',
        { deposit: await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: doc, correctable: ['employer'] }) },
      ],
      [
        'reserved member',
        { deposit: await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: { _provenance: 'x' } }) },
      ],
    ];
    for (const [name, body] of cases) {
      const res = await fetch(`${pds.url}/deposits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      expect(res.headers.get('content-type'), name).toMatch(/application\/problem\+json/);
    }
    const hs = await new SignJWT({ identifier: AINO, category: 'tax-decision', document: doc, identifier_type: 'fi_hetu' })
      .setProtectedHeader({ alg: 'HS256', typ: 'pds-deposit+jwt', kid: 'tax-administration-1' })
      .setIssuer('tax-administration')
      .setIssuedAt()
      .sign(new TextEncoder().encode(JSON.stringify(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey))));
    expect((await postDeposit(pds.url, hs)).status).toBe(401);
  });

  it('accepts application/jose bodies; a newer deposit replaces the older copy and keeps history; replays are idempotent; older copies are refused', async () => {
    const older = await signDeposit(
      tax,
      { identifier: AINO, category: 'tax-decision', document: { ...doc, tax_year: 2023 } },
      { iat: Math.floor(Date.now() / 1000) - 3600 },
    );
    const newer = await signDeposit(
      tax,
      { identifier: AINO, category: 'tax-decision', document: { ...doc, tax_year: 2026 } },
      { iat: Math.floor(Date.now() / 1000) + 1 },
    );
    const res = await fetch(`${pds.url}/deposits`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: newer });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { version: number }).version).toBe(2);
    expect((await postDeposit(pds.url, newer)).status).toBe(200);
    expect((await postDeposit(pds.url, older)).status).toBe(409);
    expect(((await (await read(AINO)).json()) as { tax_year: number }).tax_year).toBe(2026);
    const all = await pds.service.vault.versions(pds.service.vault.subjectOf(AINO), 'tax-decision');
    expect(all.map((v) => [v.version, v.current, v.document.tax_year])).toEqual([
      [2, true, 2026],
      [1, false, 2025],
    ]);
  });
});
