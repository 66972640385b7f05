/**
 * The OpenAPI documents a client can be generated from: the operator's and the gateway's
 * documents validate as OpenAPI 3.1, every error response is problem+json (OAuth endpoints
 * keep OAuth's format), and every documented operation, sent a good and a bad request against
 * the real servers, answers a status it documents with the media type it documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { apiToken, createTestService, fileRequest, PEOPLE, PURPOSE, serviceDefinition, startWorld } from '../helpers/world.ts';
import type { TestService, World } from '../helpers/world.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';

interface Operation {
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of a document. */
function operations(doc: Document) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, op })),
  );
}

/** What is wrong with an answer, judged by the operation's documented responses. */
function mismatch(op: Operation, res: Response): string | undefined {
  const documented = op.responses[String(res.status)] ?? op.responses.default;
  if (!documented) return `answered ${res.status}, documents ${Object.keys(op.responses).join(',')}`;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
  const media = Object.keys(documented.content ?? {}).map((m) => m.split(';')[0]);
  if (media.length > 0 && !media.includes(type)) return `answered ${res.status} as ${type}, documents ${media}`;
  return undefined;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });

/** A JSON success answer that does not match its documented schema (schemas without references are checked). */
async function bodyMismatch(op: Operation, res: Response): Promise<string | undefined> {
  const schema = (op.responses[String(res.status)]?.content?.['application/json'] as { schema?: object } | undefined)?.schema;
  if (res.status >= 300 || !schema || JSON.stringify(schema).includes('$ref')) return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) return `answered ${res.status} as ${type}`;
  const validate = ajv.compile(schema);
  return validate(await res.json()) ? undefined : `answer does not match its schema: ${ajv.errorsText(validate.errors)}`;
}

describe('OpenAPI documents', () => {
  let world: World;
  let service: TestService;
  let aino: Citizen;
  let recordId: string;
  const docs: Record<'operator' | 'gateway', Document> = {} as never;

  beforeAll(async () => {
    world = await startWorld();
    service = await createTestService('openapi-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    aino = await signIn(world.issuers.a, 'demo', 'aino');
    recordId = (await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code])).record_id;
    docs.operator = (await (await fetch(`${world.issuers.a}/openapi.json`)).json()) as Document;
    docs.gateway = (await (await fetch(`${world.gatewayUrl}/openapi.json`)).json()) as Document;
  }, 60_000);
  afterAll(async () => world?.close());

  it.each(['operator', 'gateway'] as const)('the %s document is valid OpenAPI 3.1', async (name) => {
    const result = await new Validator().validate(docs[name] as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(['operator', 'gateway'] as const)('every %s error response is problem+json, every security scheme exists', (name) => {
    const wrong: string[] = [];
    for (const { method, path, op } of operations(docs[name])) {
      for (const [status, r] of Object.entries(op.responses)) {
        // OAuth endpoints answer client-authentication failures as OAuth says; the witness a 409 as C2SP says
        const own =
          ((path === '/api/introspect' || path === '/api/revoke') && status === '401') ||
          (path.includes('add-checkpoint') && status === '409');
        if (Number(status) >= 400 && !own && !r.content?.['application/problem+json']) wrong.push(`${method} ${path} ${status}`);
      }
      for (const req of op.security ?? [])
        for (const scheme of Object.keys(req))
          if (!docs[name].components.securitySchemes[scheme]) wrong.push(`${method} ${path} ${scheme}`);
    }
    expect(wrong).toEqual([]);
  });

  it('documents health, readiness, metrics and the consent feed', () => {
    for (const doc of Object.values(docs))
      for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect(doc.paths[p]).toBeDefined();
    const feed = docs.operator.paths['/api/consent-feed']!.get!;
    expect(Object.keys(feed.responses['200']!.content!)).toEqual(['text/event-stream']);
    expect(docs.operator.paths['/api/consent-requests']!.post!.responses['201']).toBeDefined();
  });

  it("gives the gateway one path per source operation, with that operation's attribute schema", () => {
    const paths = Object.keys(docs.gateway.paths);
    expect(paths.filter((p) => p.includes('{*}'))).toEqual([]);
    const read = docs.gateway.paths['/sources/incomes/income']!.get! as Operation & { parameters: Array<{ in: string }> };
    expect(read.parameters.filter((p) => p.in === 'path')).toEqual([]);
    const schema = (read.responses['200']!.content!['application/json'] as { schema: { properties: Record<string, unknown> } }).schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['annual_income', 'employer', 'income_year', 'tax_debt_eur']);
    expect(read.security?.length).toBe(2);
  });

  /** A concrete URL for a documented path: known ids where the world has them, else one that does not exist. */
  function concrete(base: string, path: string, good: boolean): string {
    const known: Record<string, string> = { record_id: recordId, client_id: service.clientId, source: 'incomes', id: 'no-such-id' };
    return (
      base + path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(good ? (known[name] ?? 'no-such-id') : 'no-such-id'))
    );
  }

  /** The request a client would send with the operation's credentials. */
  async function goodRequest(base: string, method: string, path: string, op: Operation): Promise<Response> {
    const url = concrete(base, path, true);
    const schemes = new Set((op.security ?? []).flatMap((s) => Object.keys(s)));
    const body =
      path === '/api/consent-requests'
        ? {
            subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
            activation_mode: 'data_subject_activates',
            purpose: PURPOSE,
          }
        : {};
    const init: RequestInit =
      method === 'GET' ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const headers = new Headers(init.headers);
    if (schemes.has('session')) {
      if (schemes.has('csrf')) headers.set('x-csrf-token', aino.csrf);
      return aino.browser.request(url, { ...init, headers });
    }
    if (schemes.has('adminToken')) headers.set('authorization', `Bearer ${world.operatorConfigs.a.admin_token}`);
    if (schemes.has('oauth2')) {
      const token = await apiToken(service, world.issuers.a);
      headers.set('authorization', `DPoP ${token}`);
      headers.set('dpop', await createDpopProof(service.dpop, method, url.split('?')[0]!, token));
    }
    return fetch(url, { ...init, headers, signal: AbortSignal.timeout(5000) });
  }

  /** A request without credentials, for nothing that exists, with a body that is not JSON. */
  function badRequest(base: string, method: string, path: string): Promise<Response> {
    const url = concrete(base, path, false);
    const init: RequestInit =
      method === 'GET' ? { method } : { method, headers: { 'content-type': 'application/json' }, body: '{not json' };
    return fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  }

  it.each(['operator', 'gateway'] as const)(
    'every %s operation answers good and bad requests with a documented status',
    async (name) => {
      const base = name === 'operator' ? world.issuers.a : world.gatewayUrl;
      const wrong: string[] = [];
      // erasing the signed-in citizen last: every other citizen route still has her session
      const ops = operations(docs[name]).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      for (const { method, path, op } of ops) {
        for (const [kind, send] of [
          ['good', () => goodRequest(base, method, path, op)],
          ['bad', () => badRequest(base, method, path)],
        ] as const) {
          const res = await send();
          const why = mismatch(op, res) ?? (await bodyMismatch(op, res));
          await res.body?.cancel().catch(() => undefined);
          if (why) wrong.push(`${kind} ${method} ${path}: ${why}`);
        }
      }
      expect(wrong).toEqual([]);
    },
    120_000,
  );
});
