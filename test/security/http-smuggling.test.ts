/**
 * Hostile HTTP over raw sockets against the gateway and an operator: request smuggling
 * (conflicting Content-Length / Transfer-Encoding, repeated Content-Length or Host, obs-fold,
 * odd transfer codings, bare LF) is answered 400 and the connection closed, so the smuggled
 * second request never runs (no access record, the source is never asked); oversized bodies
 * get 413 problem+json; slow clients (headers or body dripped in) are cut off with 408 while
 * other clients keep being served.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/shared/http-server.ts';
import { startWorld, type World } from '../helpers/world.ts';

/** Writes `data` on a new connection; resolves with everything read until the server closes (or 3 s). */
function raw(port: number, data: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3000);
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', () => undefined);
    socket.write(data);
  });
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

/** Smuggling attempts: each carries a complete second request that must never run. */
function attempts(path: string, smuggled: string): Record<string, string> {
  const second = `GET ${smuggled} HTTP/1.1\r\nHost: h\r\n\r\n`;
  return {
    'Content-Length and Transfer-Encoding (CL.TE)': `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${second}`,
    'Transfer-Encoding and Content-Length (TE.CL)': `POST ${path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n${second}\r\n0\r\n\r\n`,
    'two different Content-Length headers': `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${2 + second.length}\r\n\r\n{}${second}`,
    'Content-Length that is not a number': `POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Length: 4a\r\n\r\n{}\r\n${second}`,
    'a transfer coding other than chunked': `POST ${path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n${second}`,
    'chunked followed by another coding': `POST ${path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${second}`,
    'space before the colon of Transfer-Encoding': `POST ${path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${second}`,
    'two Host headers': `GET ${smuggled} HTTP/1.1\r\nHost: gateway.example\r\nHost: internal.example\r\n\r\n`,
    'obs-fold (a header continued on the next line)': `GET ${smuggled} HTTP/1.1\r\nHost: h\r\nAuthorization: DPoP x\r\n  y\r\n\r\n`,
    'bare LF line endings': `GET ${smuggled} HTTP/1.1\nHost: h\n\n${second}`,
  };
}

describe('hostile HTTP against the gateway and the operator (raw sockets)', () => {
  let world: World;
  let ports: { gateway: number; operator: number };
  beforeAll(async () => {
    world = await startWorld();
    ports = { gateway: Number(new URL(world.gatewayUrl).port), operator: Number(new URL(world.issuers.a).port) };
  });
  afterAll(async () => world?.close());

  const accessRecords = async () =>
    Number(
      (
        await world.gateway.store.db
          .selectFrom('access_records')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  for (const target of ['gateway', 'operator'] as const) {
    it(`${target}: every smuggling attempt is answered 400 once and the connection closed; nothing reaches the source`, async () => {
      const before = await accessRecords();
      const path = target === 'gateway' ? '/sources/incomes/income' : '/api/consent-requests';
      for (const [name, data] of Object.entries(attempts(path, '/sources/incomes/income'))) {
        const { text, closed } = await raw(ports[target], data);
        expect(statuses(text), name).toEqual([400]);
        expect(closed, name).toBe(true);
      }
      await world.gateway.accessLog.flush();
      expect(await accessRecords()).toBe(before);
    });
  }

  it('operator: bodies over the limit get 413 problem+json (announced or chunked)', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const announced = await raw(
      ports.operator,
      `POST /api/consent-requests HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`,
    );
    expect(statuses(announced.text)[0]).toBe(413);
    expect(announced.text).toMatch(/content-type: application\/problem\+json/i);
    expect(announced.text).toContain('"code":"payload_too_large"');
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const chunked = await raw(
      ports.operator,
      `POST /api/consent-requests HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(big.slice(0, 600_000))}${chunk(big.slice(600_000))}0\r\n\r\n`,
    );
    expect(statuses(chunked.text)[0]).toBe(413);
    expect(chunked.text).toContain('"code":"payload_too_large"');
  });

  it('gateway: a request body is refused (its routes take none; its body limit is 16 KiB)', async () => {
    const res = await fetch(`${world.gatewayUrl}/sources/incomes/income`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(20_000) }),
    });
    expect([404, 405, 413]).toContain(res.status);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('slow clients', () => {
  it('cuts off a client dripping its body (slow POST) while other clients keep being served', async () => {
    const app = await createHttpServer({ name: 't', logLevel: 'silent', requestTimeoutMs: 800 });
    app.post('/echo', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now())));
    const started = performance.now();
    socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"');
    const drip = setInterval(() => socket.writable && socket.write('x'), 100);
    // meanwhile, other clients are answered at once
    const served: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      served.push(performance.now() - t0);
    }
    const at = await closed;
    clearInterval(drip);
    expect(Math.max(...served)).toBeLessThan(500);
    expect(at - started).toBeLessThan(4000);
    expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
    await app.close();
  });

  it('cuts off many slowloris connections at once and still serves', async () => {
    const app = await createHttpServer({ name: 't', logLevel: 'silent', requestTimeoutMs: 500 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const sockets = Array.from({ length: 50 }, () => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.resume(); // read the 408, so the close is seen
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      return { s, closed: new Promise<void>((resolve) => s.on('close', () => resolve())) };
    });
    const drip = setInterval(() => sockets.forEach(({ s }) => s.writable && s.write('X-Slow: 1\r\n')), 100);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await Promise.all(sockets.map((x) => x.closed));
    clearInterval(drip);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await app.close();
  });
});
