/**
 * What every Portti server shares: problem+json for every error, health and readiness,
 * Prometheus metrics, OpenAPI 3.1 from the route schemas, and redacted logs.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/shared/http-server.ts';
import { loggerOptions } from '../../src/shared/logger.ts';
import { ProblemError } from '../../src/shared/errors.ts';

describe('http server base', () => {
  it('answers errors as problem+json with stable codes and no internals', async () => {
    const app = await createHttpServer({ name: 't', logLevel: 'silent' });
    app.post(
      '/things',
      { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } }, additionalProperties: false } } },
      async () => ({ ok: true }),
    );
    app.get('/boom', async () => {
      throw new Error('secret database password in message');
    });
    app.get('/gone', async () => {
      throw new ProblemError(410, 'not_found', 'it went away', { record_id: 'x', status: 'shadow' });
    });
    const missing = await app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 404, code: 'not_found', title: 'Not found' });
    const invalid = await app.inject({ method: 'POST', url: '/things', payload: { n: 'x', extra: 1 } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'validation_failed' });
    const broken = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"n":' });
    expect([broken.statusCode, broken.json().code]).toEqual([400, 'bad_request']);
    const crash = await app.inject({ method: 'GET', url: '/boom' });
    expect(crash.statusCode).toBe(500);
    expect(crash.body).not.toContain('password');
    expect(crash.json()).toMatchObject({ code: 'internal_error' });
    const gone = await app.inject({ method: 'GET', url: '/gone' });
    expect(gone.json()).toMatchObject({ status: 410, record_id: 'x', detail: 'it went away' });
    await app.close();
  });

  it('serves /healthz, /readyz with checks, /metrics and OpenAPI 3.1', async () => {
    const app = await createHttpServer({ name: 't', logLevel: 'silent' });
    let ready = false;
    app.addReadinessCheck('db', async () => {
      if (!ready) throw new Error('db down');
    });
    app.get(
      '/hello',
      { schema: { summary: 'Say hello', response: { 200: { type: 'object', properties: { hi: { type: 'string' } } } } } },
      async () => ({ hi: 'there' }),
    );
    await app.ready();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ code: 'not_ready', checks: { db: 'db down' } });
    ready = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    await app.inject('/hello');
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/hello"[^}]*status="200"/);
    const openapi = (await app.inject('/openapi.json')).json() as {
      openapi: string;
      paths: Record<string, { get?: { summary?: string } }>;
    };
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.paths['/hello']?.get?.summary).toBe('Say hello');
    // the probes are documented too, as public operations
    expect(openapi.paths['/healthz']?.get?.summary).toMatch(/Liveness/);
    expect(openapi.paths['/metrics']?.get?.summary).toBe('Prometheus metrics');
    await app.close();
  });

  it('redacts credentials and personal data in logs', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino(loggerOptions('info', 'test'), sink);
    log.info(
      {
        req: { headers: { authorization: 'DPoP abc', cookie: 'portti_session=s', dpop: 'proof' } },
        subject: { personal_identity_code: '010188-9028', name: 'Aino' },
        token: { access_token: 't' },
      },
      'hello',
    );
    const out = lines.join('');
    for (const secret of ['DPoP abc', 'portti_session=s', 'proof', '010188-9028', 'Aino', '"t"']) expect(out).not.toContain(secret);
    expect(out).toContain('"name":"test"');
  });
});

describe('slow clients', () => {
  it('cuts off a client that sends its request too slowly (slowloris)', async () => {
    const { connect } = await import('node:net');
    const app = await createHttpServer({ name: 't', logLevel: 'silent', requestTimeoutMs: 500 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now())));
    const started = performance.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    const at = await closed;
    clearInterval(drip);
    expect(at - started).toBeLessThan(3000);
    expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
    await app.close();
  });
});
