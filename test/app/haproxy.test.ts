/**
 * `deploy/haproxy.cfg`, the production load balancer configuration: `haproxy -c` accepts it with
 * the environment of one operator and one gateway (and refuses it without), its error pages are
 * Portti problems, and HAProxy started from it keeps the Host header, adds X-Forwarded-For,
 * skips an instance that refuses connections and streams Server-Sent Events unbuffered.
 * Without haproxy installed the HAProxy tests are skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findHaproxy, HAPROXY_CONFIG, haproxyEnv, haproxySlots, startHaproxy } from '../../src/app/haproxy.ts';
import { problemBody, type ProblemCode } from '../../src/shared/errors.ts';
import { freePort } from '../helpers/world.ts';

const haproxy = findHaproxy();
if (!haproxy) console.warn('haproxy is not installed (apt-get install haproxy): the HAProxy tests of deploy/haproxy.cfg are skipped');

/** GET with a Host header of our own (fetch does not send one). */
function get(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

const check = (env: NodeJS.ProcessEnv) =>
  spawnSync(haproxy!, ['-c', '-f', HAPROXY_CONFIG], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

describe('deploy/haproxy.cfg', () => {
  it('has 8 server slots per component, and its environment names only the component started', () => {
    expect(haproxySlots('operator')).toBe(8);
    expect(haproxySlots('gateway')).toBe(8);
    const env = haproxyEnv('gateway', '127.0.0.1', 4000, ['127.0.0.1:4201', '127.0.0.1:4202'], {
      HOME: '/h',
      PORTTI_OPERATOR_BIND: 'x',
      PORTTI_GATEWAY_3: 'y',
    });
    expect(env).toEqual({
      HOME: '/h',
      PORTTI_GATEWAY_BIND: '127.0.0.1:4000',
      PORTTI_GATEWAY_1: '127.0.0.1:4201',
      PORTTI_GATEWAY_2: '127.0.0.1:4202',
    });
  });

  it('answers its own errors as Portti problems (RFC 9457), with correct lengths', () => {
    const pages: Array<[number, ProblemCode]> = [
      [502, 'upstream_unavailable'],
      [503, 'not_ready'],
      [504, 'upstream_timeout'],
    ];
    for (const [status, code] of pages) {
      const raw = readFileSync(join(HAPROXY_CONFIG, '..', 'errors', `${status}.http`), 'utf8');
      const [head, body] = raw.split('\r\n\r\n') as [string, string];
      expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toContain('content-type: application/problem+json');
      expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`);
      const problem = JSON.parse(body) as { detail: string };
      expect(problem).toEqual(problemBody(status, code, problem.detail));
    }
  });

  it.skipIf(!haproxy)('passes haproxy -c with every variable set, and names the variables when none is', () => {
    const all: NodeJS.ProcessEnv = { PORTTI_OPERATOR_BIND: '127.0.0.1:4001', PORTTI_GATEWAY_BIND: '127.0.0.1:4000' };
    for (let i = 1; i <= 8; i += 1) {
      all[`PORTTI_OPERATOR_${i}`] = `127.0.0.1:${4100 + i}`;
      all[`PORTTI_GATEWAY_${i}`] = `127.0.0.1:${4200 + i}`;
    }
    const full = check({ ...all, PORTTI_LB_STATS_BIND: '127.0.0.1:8404', PORTTI_LB_CHECK_INTERVAL: '500ms' });
    expect(full.status, full.stderr).toBe(0);
    const gatewayOnly = check(haproxyEnv('gateway', '127.0.0.1', 4000, ['127.0.0.1:4201']));
    expect(gatewayOnly.status, gatewayOnly.stderr).toBe(0);
    const none = check({});
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('set PORTTI_OPERATOR_BIND');
  });
});

describe.skipIf(!haproxy)('HAProxy from deploy/haproxy.cfg in front of instances', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  /** An instance: ready, echoes Host and X-Forwarded-For, and streams SSE on /feed. */
  async function instance(name: string): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url === '/feed') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('id: 1\ndata: first\n\n'); // the stream stays open: only streaming delivers this
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, host: req.headers.host, xff: req.headers['x-forwarded-for'] }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('keeps Host, adds X-Forwarded-For, skips a refusing instance, streams SSE; a clear error for a taken address', async () => {
    const live = await instance('live');
    const dead = await freePort(); // nothing listens: a killed instance
    const port = await freePort();
    const lb = await startHaproxy({ kind: 'gateway', component: 'gw', host: '127.0.0.1', port, backends: [dead, live] });
    try {
      for (let i = 0; i < 6; i += 1) {
        const res = await get(`${lb.url}/x`, 'gateway.example:4000');
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({ name: 'live', host: 'gateway.example:4000', xff: '127.0.0.1' });
      }
      const abort = new AbortController();
      const feed = await fetch(`${lb.url}/feed`, { signal: abort.signal });
      const reader = feed.body!.getReader();
      const first = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r('held back'), 3000))]);
      expect(new TextDecoder().decode((first as { value: Uint8Array }).value)).toContain('data: first');
      abort.abort();

      // the live instance's own port is taken
      const taken = startHaproxy({ kind: 'gateway', component: 'gw', host: '127.0.0.1', port: live, backends: [live] });
      await expect(taken).rejects.toThrow(`the HAProxy balancer of gateway gw cannot listen on 127.0.0.1:${live}: the address is in use`);
    } finally {
      await lb.close();
    }
  });
});
