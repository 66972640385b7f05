/**
 * The gateway's upstream client against a real misbehaving server: failures become
 * 502/503/504 problems that say what kind of failure, never the upstream's details.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Upstream } from '../../src/gateway/upstream/upstream.ts';
import { upstreamPath } from '../../src/gateway/source-registry.ts';
import type { SourceConfig } from '../../src/shared/gateway.schema.ts';
import { freePort } from '../helpers/world.ts';
import { failure } from '../helpers/problem.ts';

function source(baseUrl: string, over: Partial<SourceConfig['upstream']> = {}): SourceConfig {
  return {
    id: 's',
    upstream: {
      base_url: baseUrl,
      timeout_ms: 300,
      max_response_bytes: 2048,
      auth: { type: 'header', name: 'x-api-key', value: 'k' },
      ...over,
    },
    operations: [],
    admitted_operators: [],
  };
}

describe('upstream client', () => {
  let server: FastifyInstance;
  let base: string;
  const seen: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = Fastify();
    server.get('/ok/:id', async (req) => {
      seen.push(req.headers as Record<string, unknown>);
      return { id: (req.params as { id: string }).id, secret: 'x' };
    });
    server.get('/boom', async (_req, reply) => reply.code(500).send({ stack: 'at db.query (internal.js:1)' }));
    server.get('/teapot', async (_req, reply) => reply.code(418).send({}));
    server.get('/missing', async (_req, reply) => reply.code(404).send({}));
    server.get('/slow', async () => new Promise((r) => setTimeout(() => r({ late: true }), 1000)));
    server.get('/huge', async () => ({ blob: 'x'.repeat(10_000) }));
    server.get('/html', async (_req, reply) => reply.type('text/html').send('<html>oops</html>'));
    server.get('/bad-request', async (_req, reply) => reply.code(400).send({ error: 'no such person' }));
    server.get('/json-as-text', async (_req, reply) => reply.type('text/plain').send(JSON.stringify({ id: '1' })));
    server.get('/untyped', async (_req, reply) => {
      reply.hijack();
      reply.raw.end(JSON.stringify({ id: '1' }));
    });
    server.get('/reset', async (_req, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      reply.raw.write('{"id": "1", ');
      setTimeout(() => reply.raw.destroy(), 20);
    });
    server.get('/drip', async (_req, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/json' });
      reply.raw.write('{"id": "1"');
      // a byte every 50 ms: never a pause as long as the timeout, never finished within it
      const drip = setInterval(() => reply.raw.write(' '), 50);
      reply.raw.once('close', () => clearInterval(drip));
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.server.closeAllConnections();
    await server.close();
  });

  it("sends only the gateway's own credentials and parses JSON", async () => {
    const up = new Upstream(source(base));
    expect(await up.get('/ok/1')).toEqual({ status: 200, body: { id: '1', secret: 'x' } });
    expect(seen.at(-1)?.['x-api-key']).toBe('k');
    expect(seen.at(-1)?.authorization).toBeUndefined();
    expect(seen.at(-1)?.dpop).toBeUndefined();
    await up.close();
  });

  it('maps failures: 5xx → 502, odd status → 502, not JSON → 502, too large → 502, slow → 504, down → 503; 404 passes', async () => {
    const up = new Upstream(source(base));
    const boom = await failure(up.get('/boom'));
    expect([boom.status, boom.code]).toEqual([502, 'upstream_error']);
    expect(boom.message).not.toContain('db.query');
    expect((await failure(up.get('/teapot'))).status).toBe(502);
    expect((await failure(up.get('/html'))).status).toBe(502);
    const huge = await failure(up.get('/huge'));
    expect([huge.status, huge.code]).toEqual([502, 'upstream_response_too_large']);
    const slow = await failure(up.get('/slow'));
    expect([slow.status, slow.code]).toEqual([504, 'upstream_timeout']);
    expect(await up.get('/missing')).toEqual({ status: 404, body: undefined });
    await up.close();
  });

  it('maps the rest: a 400 → 502, JSON labelled otherwise or unlabelled → 502, a reset → 502, a slow drip → 504', async () => {
    const up = new Upstream(source(base));
    const said = async (path: string) => {
      const err = await failure(up.get(path));
      return [err.status, err.code, err.message];
    };
    // the gateway checked the identifier: a 400 is the source's fault, never passed on as the client's
    expect(await said('/bad-request')).toEqual([502, 'upstream_error', 'the source answered status 400']);
    expect(await said('/json-as-text')).toEqual([502, 'upstream_error', 'the source answered text/plain, not JSON']);
    expect(await said('/untyped')).toEqual([502, 'upstream_error', 'the source answered without a content type, not JSON']);
    expect(await said('/reset')).toEqual([502, 'upstream_error', 'the connection to the source failed']);
    const started = performance.now();
    expect(await said('/drip')).toEqual([504, 'upstream_timeout', 'the source did not answer in time']);
    expect(performance.now() - started).toBeLessThan(900);
    await up.close();
  });

  it('says the source is unavailable when nothing listens', async () => {
    const down = new Upstream(source(`http://127.0.0.1:${await freePort()}`));
    const refused = await failure(down.get('/ok/1'));
    expect([refused.status, refused.code]).toEqual([503, 'upstream_unavailable']);
    await down.close();
  });

  it('builds upstream paths that no identifier can escape', () => {
    expect(upstreamPath('/people/{identifier}/income', '010188-9028')).toBe('/people/010188-9028/income');
    expect(upstreamPath('/people/{identifier}/income', '../admin')).toBe('/people/..%2Fadmin/income');
    expect(upstreamPath('/people/{identifier}', 'a?b#c')).toBe('/people/a%3Fb%23c');
    expect(() => upstreamPath('/people/{identifier}', '..')).toThrow();
    expect(() => upstreamPath('/people/{identifier}', '')).toThrow();
  });
});
