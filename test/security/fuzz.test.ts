/**
 * Property-based hostile input (fast-check): every route of every server's OpenAPI
 * document, hit with random path parameters, query strings, headers and bodies, answers
 * without a 5xx, within a bound, with problem+json for errors; the config loader answers
 * every random document with a value or a ConfigError, never a crash.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/shared/config-loader.ts';
import { PorttiConfigSchema } from '../../src/shared/config.schema.ts';
import { crossCheck } from '../../src/shared/config.ts';
import { startWorld, type World } from '../helpers/world.ts';
import { signIn } from '../../src/demo/citizen-client.ts';

interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '..',
    '%2e%2e',
    '../../etc/passwd',
    "' OR 1=1 --",
    '"; DROP TABLE consent_records; --',
    '<script>alert(1)</script>',
    '\u0000',
    '%00',
    'urn:uuid:00000000-0000-0000-0000-000000000000',
    'x'.repeat(3000),
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
  ),
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom('records', 'subjects', 'purpose', 'approve', 'choices', 'token', 'party_id', '__proto__', 'activation_mode'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);

function fill(path: string, value: (name: string) => string): string {
  return path.replace(/\{([^}]+)\}|:([A-Za-z_]+)|\*/g, (_m, a: string | undefined, b: string | undefined) =>
    encodeURIComponent(value(a ?? b ?? 'wildcard')),
  );
}

type Send = (url: URL, init: RequestInit) => Promise<Response>;

async function fuzzServer(
  base: string,
  runs: number,
  send: Send = (url, init) => fetch(url, init),
  only?: RegExp,
): Promise<Array<{ method: string; path: string; status: number }>> {
  const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApi;
  const routes = Object.entries(openapi.paths)
    .filter(([path]) => !only || only.test(path))
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
  expect(routes.length).toBeGreaterThan(3);
  const failures: Array<{ method: string; path: string; status: number }> = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.array(hostileString, { minLength: 3, maxLength: 3 }),
      fc.dictionary(
        fc.constantFrom('subject', 'attributes', 'outcome', 'record_id', 'from', 'limit', 'source', 'lang', 'x'),
        hostileString,
        { maxKeys: 3 },
      ),
      fc.record({
        authorization: fc.option(
          fc.oneof(
            hostileString.map((s) => `DPoP ${s}`),
            hostileString.map((s) => `Bearer ${s}`),
          ),
          { nil: undefined },
        ),
        dpop: fc.option(hostileString, { nil: undefined }),
        'x-csrf-token': fc.option(hostileString, { nil: undefined }),
      }),
      fc.oneof(
        jsonBody.map((b) => ({ type: 'application/json', body: JSON.stringify(b) })),
        hostileString.map((s) => ({
          type: 'application/x-www-form-urlencoded',
          body: `a=${encodeURIComponent(s)}&token=${encodeURIComponent(s)}`,
        })),
        hostileString.map((s) => ({ type: 'text/plain', body: s })),
      ),
      async (route, params, query, headers, payload) => {
        let i = 0;
        const url = new URL(
          fill(route.path, () => params[i++ % params.length]!),
          base,
        );
        for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '');
        const withBody = route.method !== 'GET' && route.method !== 'DELETE';
        const started = performance.now();
        const res = await send(url, {
          method: route.method,
          headers: { ...h, ...(withBody ? { 'content-type': payload.type } : {}) },
          ...(withBody ? { body: payload.body } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        const ms = performance.now() - started;
        if (res.status >= 500 || ms > 4000) failures.push({ method: route.method, path: url.pathname, status: res.status });
        if (res.status >= 400 && res.status !== 404 && !route.path.startsWith('/oauth') && !route.path.startsWith('/.well-known/o')) {
          expect(res.headers.get('content-type') ?? '', `${route.method} ${url.pathname} ${res.status} ${text.slice(0, 200)}`).toMatch(
            /problem\+json|application\/json|text\/html/,
          );
        }
      },
    ),
    { numRuns: runs, seed: 2026 },
  );
  return failures;
}

describe('hostile input', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);
  afterAll(async () => world?.close());

  it('the gateway answers random requests to every route without a 5xx', async () => {
    expect(await fuzzServer(world.gatewayUrl, 1000)).toEqual([]);
  }, 120_000);

  it('the operator answers random requests to every route without a 5xx', async () => {
    expect(await fuzzServer(world.issuers.a, 1500)).toEqual([]);
  }, 120_000);

  it("the citizen API answers a signed-in citizen's random requests without a 5xx", async () => {
    const aino = await signIn(world.issuers.a, 'demo', 'aino');
    const send: Send = (url, init) =>
      aino.browser.request(url.href, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-csrf-token': aino.csrf } });
    expect(await fuzzServer(world.issuers.a, 800, send, /^\/citizen\//)).toEqual([]);
    // the account still works afterwards
    expect((await aino.browser.get(`${world.issuers.a}/citizen/api/me`)).status).toBe(200);
  }, 120_000);

  it('the config loader turns every random document into a value or a ConfigError', () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          gateways: fc.array(
            fc.dictionary(fc.constantFrom('name', 'listen', 'public_url', 'sources', 'operators'), fc.jsonValue({ maxDepth: 3 })),
            { maxLength: 2 },
          ),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          parseConfigText('fuzz.yaml', text, PorttiConfigSchema, {}, crossCheck);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message).toContain('fuzz.yaml');
        }
      }),
      { numRuns: 1000, seed: 2026 },
    );
  });
});
