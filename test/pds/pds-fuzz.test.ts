/**
 * Hostile input to every route of the personal data store (fast-check), both without
 * credentials and with valid ones (the gateway's bearer, a trusted operator's citizen
 * assertion, an aggregate token), so that the handlers themselves see the garbage:
 * never a 5xx, errors always problem+json.
 */
import fc from 'fast-check';
import Fastify from 'fastify';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { signCitizenAssertion } from '../../src/pds/citizen-auth.ts';
import { tempDir } from '../helpers/stores.ts';
import { createDepositor, pdsConfig, signDeposit, startPds, type RunningPds } from './pds-helpers.ts';

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '..',
    '%2e%2e',
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>',
    '\u0000',
    'x'.repeat(3000),
    '__proto__',
    'constructor',
    '/__proto__/x',
    '/employer',
    '010188-9028',
    'tax-decision',
  ),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom('deposit', 'changes', 'aggregate_services', '__proto__'),
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.dictionary(
        fc.constantFrom('/employer', '/__proto__/polluted', '/tax_year', '/a/b', '/constructor/prototype/x'),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    ),
  ),
);

describe('personal data store under hostile input', () => {
  let pds: RunningPds;
  const jwks = Fastify();
  let assertion: () => Promise<string>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    jwks.get('/jwks', async () => ({ keys: [{ ...(await exportJWK(publicKey)), kid: 'op-1', alg: 'ES256' }] }));
    await jwks.listen({ host: '127.0.0.1', port: 0 });
    const operator = `http://127.0.0.1:${(jwks.server.address() as { port: number }).port}`;
    const tax = await createDepositor('tax-administration');
    const config = pdsConfig([tax], {
      trusted_operators: [{ issuer: operator, jwks_url: `${operator}/jwks` }],
      aggregate_services: [
        {
          id: 'stats',
          name: { fi: 's', sv: 's', en: 's' },
          token: 'stats-token-0123456789',
          category: 'tax-decision',
          k_min: 5,
          fields: [{ name: 'age', pointer: '/birth_date', generalise: 'age_band' }],
        },
      ],
    });
    pds = await startPds(config, { kind: 'sqlite', path: join(tempDir(), 'pds.db') });
    assertion = () =>
      signCitizenAssertion({
        issuer: operator,
        audience: 'http://127.0.0.1:0',
        key: { privateKey, alg: 'ES256', kid: 'op-1' },
        identifierType: 'fi_hetu',
        identifier: '010188-9028',
      });
    await pds.service.deposit(
      await signDeposit(tax, {
        identifier: '010188-9028',
        category: 'tax-decision',
        document: { tax_year: 2025, employer: 'X' },
        correctable: ['/employer', '/__proto__/polluted'],
      }),
    );
  });
  afterAll(async () => {
    await pds?.close();
    await jwks.close();
  });

  it('publishes a valid OpenAPI 3.1 document with every error as problem+json', async () => {
    const openapi = (await (await fetch(`${pds.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    expect((await new Validator().validate(openapi as never)).errors ?? []).toEqual([]);
    const errors = Object.values(openapi.paths).flatMap((item) => Object.values(item).flatMap((op) => Object.entries(op.responses)));
    expect(errors.filter(([status, r]) => Number(status) >= 400 && !r.content?.['application/problem+json'])).toEqual([]);
  });

  it('answers random requests to every route, with and without valid credentials, without a 5xx', async () => {
    const openapi = (await (await fetch(`${pds.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
    expect(routes.length).toBeGreaterThan(6);
    const citizen = await assertion();
    // the valid credentials do open the handlers
    expect((await fetch(`${pds.url}/me/documents`, { headers: { authorization: `Bearer ${citizen}` } })).status).toBe(200);
    const polluting = await fetch(`${pds.url}/me/documents/tax-decision`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${citizen}`, 'content-type': 'application/json' },
      body: JSON.stringify({ changes: { '/__proto__/polluted': 'yes' } }),
    });
    expect(polluting.status).toBe(400);
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(hostile, { minLength: 2, maxLength: 2 }),
        fc.constantFrom('none', 'gateway', 'citizen', 'stats', 'garbage'),
        fc.oneof(
          body.map((b) => ({ type: 'application/json', text: JSON.stringify(b) })),
          hostile.map((s) => ({ type: 'application/jose', text: s })),
          hostile.map((s) => ({ type: 'text/plain', text: s })),
        ),
        fc.option(hostile, { nil: undefined }),
        async (route, params, auth, payload, k) => {
          let i = 0;
          const url = new URL(
            route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++ % 2]!)),
            pds.url,
          );
          if (k !== undefined) url.searchParams.set('k', k);
          const authorization = {
            none: undefined,
            gateway: 'Bearer gateway-upstream-token-0123456789',
            citizen: `Bearer ${citizen}`,
            stats: 'Bearer stats-token-0123456789',
            garbage: `Bearer ${params[0]!.replace(/[^\x21-\x7e]/g, '')}`,
          }[auth];
          const withBody = !['GET', 'DELETE'].includes(route.method);
          const res = await fetch(url, {
            method: route.method,
            headers: { ...(authorization ? { authorization } : {}), ...(withBody ? { 'content-type': payload.type } : {}) },
            ...(withBody ? { body: payload.text } : {}),
            signal: AbortSignal.timeout(5000),
          });
          const text = await res.text();
          if (res.status >= 500) failures.push(`${route.method} ${url.pathname.slice(0, 100)} ${res.status} ${text.slice(0, 200)}`);
          if (res.status >= 400)
            expect(
              res.headers.get('content-type'),
              `${route.method} ${url.pathname.slice(0, 100)} ${res.status} ${text.slice(0, 200)}`,
            ).toMatch(/problem\+json/);
        },
      ),
      { numRuns: 600, seed: 2026 },
    );
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});
