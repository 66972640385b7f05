/**
 * Child-process roles for `npm run bench`, so the load generator, the upstream and the
 * system under test each have their own event loop (as they would on real machines):
 *   upstream   the demo Incomes Register
 *   operator   a real Portti operator (tokens, consent feed, introspection, reports)
 *   gateway    the Portti Access Gateway with every check on
 *   bare       a bare undici keep-alive proxy with no checks (the ceiling for any Node gateway)
 *   baseline   the seeds' connector design: RFC 7662 introspection and an access-item report
 *              per request, then proxy (built here only as a baseline)
 * Each role sends `{ ready: url }` over IPC once it listens.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createIncomesRegister } from '../src/demo/incomes-register.ts';
import { generatePopulationData } from '../src/demo/population.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import type { GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { createOperator } from '../src/operator/operator.ts';
import type { OperatorDatabase } from '../src/operator/operator.tables.ts';
import { createDpopKey, createDpopProof } from '../src/shared/oauth/dpop.ts';
import { clientCredentialsToken, discover } from '../src/shared/oauth/oauth-client.ts';
import { openStore } from '../src/store/database.ts';
import { importJWK, type CryptoKey } from 'jose';

const [role, port, ...args] = process.argv.slice(2);
const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Record<string, string>;
const send = (msg: unknown) => process.send?.(msg);

async function upstream() {
  const { people, families } = generatePopulationData(50, 2026);
  const app = createIncomesRegister(people, { families });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  send({ ready: `http://127.0.0.1:${port}` });
}

async function operator() {
  const op = await createOperator({
    store: await openStore<OperatorDatabase>({ kind: 'sqlite', path: join(env.dir!, 'operator.db') }),
    logLevel: 'silent',
    config: {
      name: 'bench-operator',
      listen: { host: '127.0.0.1', port: Number(port) },
      issuer: env.issuer!,
      display_name: { fi: 'Bench', sv: 'Bench', en: 'Bench' },
      admin_token: 'bench-admin-token-0123456789',
      cookie_secret: 'bench-cookie-secret-0123456789abcdefghij',
      identity_providers: [],
      registry_files: [env.registry!],
      access_token_ttl_s: 300,
      webhook_max_attempts: 1,
      ...(env.operatorMtls ? { mtls: JSON.parse(env.operatorMtls) } : {}),
    },
  });
  await op.app.listen({ port: Number(port), host: '127.0.0.1' });
  await op.listenMtls();
  op.startBackground();
  send({ ready: env.issuer });
}

async function gateway() {
  const gw = await createGateway({
    store: await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(env.dir!, 'gateway.db') }),
    logLevel: 'silent',
    config: JSON.parse(env.gatewayConfig!),
  });
  await gw.app.listen({ port: Number(port), host: '127.0.0.1' });
  await gw.listenMtls();
  gw.startBackground();
  // wait until the consent feed is fresh, so the measured path is the replica path
  for (let i = 0; i < 200 && ![...gw.feeds.values()].every((f) => f.isFresh()); i += 1) await new Promise((r) => setTimeout(r, 50));
  send({ ready: `http://127.0.0.1:${port}` });
}

/** A proxy that forwards GET /sources/incomes-register/income to the upstream for one fixed person. */
function proxyServer(handler: (req: import('node:http').IncomingMessage) => Promise<void>, pool: Pool, upstreamPath: string) {
  return createServer((req, res) => {
    handler(req)
      .then(async () => {
        const up = await pool.request({ method: 'GET', path: upstreamPath, headers: { 'x-api-key': 'demo' } });
        const body = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      })
      .catch((err: Error) => {
        res.writeHead(err.message === 'inactive' ? 403 : 502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
      });
  });
}

async function bare() {
  const [upstreamUrl, upstreamPath] = args as [string, string];
  const pool = new Pool(upstreamUrl, { connections: 64 });
  proxyServer(async () => undefined, pool, upstreamPath).listen(Number(port), '127.0.0.1', () => send({ ready: `http://127.0.0.1:${port}` }));
}

async function baseline() {
  const [upstreamUrl, upstreamPath] = args as [string, string];
  const pool = new Pool(upstreamUrl, { connections: 64 });
  const meta = await discover(env.issuer!);
  const key = { privateKey: (await importJWK(JSON.parse(env.baselineKey!), 'ES256')) as CryptoKey, alg: 'ES256', kid: 'baseline-1' };
  const dpop = await createDpopKey();
  const asPool = new Pool(env.issuer!, { connections: 64 });
  let api = await clientCredentialsToken(meta, { clientId: 'baseline', key }, dpop, { scope: 'introspect access_report', resource: `${env.issuer}/api` });
  setInterval(async () => {
    api = await clientCredentialsToken(meta, { clientId: 'baseline', key }, dpop, { scope: 'introspect access_report', resource: `${env.issuer}/api` });
  }, 200_000).unref();
  const call = async (url: string, contentType: string, body: string) => {
    const res = await asPool.request({
      method: 'POST',
      path: new URL(url).pathname,
      headers: { 'content-type': contentType, authorization: `DPoP ${api.access_token}`, dpop: await createDpopProof(dpop, 'POST', url, api.access_token) },
      body,
    });
    return res.body.json() as Promise<{ active?: boolean }>;
  };
  let seq = 0;
  let prev = '0'.repeat(64);
  const handler = async (req: import('node:http').IncomingMessage) => {
    const token = (req.headers.authorization ?? '').split(' ')[1] ?? '';
    const result = await call(meta.introspection_endpoint!, 'application/x-www-form-urlencoded', new URLSearchParams({ token }).toString());
    if (!result.active) throw new Error('inactive');
    // the access item patched back per request
    seq += 1;
    const record = { access_id: `urn:uuid:${randomUUID()}`, time: new Date().toISOString(), source: env.resource!, outcome: 'allowed', status: 200, hash: 'a'.repeat(64), prev_hash: prev, chain: 'baseline', seq, consent_record_id: null, client_id: 'bench' };
    prev = record.hash;
    await call(meta.access_report_endpoint!, 'application/json', JSON.stringify({ records: [record] }));
  };
  proxyServer(handler, pool, upstreamPath).listen(Number(port), '127.0.0.1', () => send({ ready: `http://127.0.0.1:${port}` }));
}

const roles: Record<string, () => Promise<void>> = { upstream, operator, gateway, bare, baseline };
roles[role!]!().catch((err: Error) => {
  process.stderr.write(`bench role ${role} failed: ${err.stack}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
// CPU accounting for the bench: the driver asks each role for its CPU time around a run
process.on('message', (m: { cpu?: boolean }) => {
  if (m.cpu) {
    const u = process.cpuUsage();
    send({ cpu: (u.user + u.system) / 1000 });
  }
});
// BENCH_PROFILE=<role>: the driver brackets that role's measured run with a CPU profile
let profiler: import('node:inspector/promises').Session | undefined;
process.on('message', async (m: { profile?: 'start' | 'stop'; file?: string }) => {
  if (m.profile === 'start') {
    const { Session } = await import('node:inspector/promises');
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    send({ profiling: true });
  } else if (m.profile === 'stop' && profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(m.file!, JSON.stringify(profile));
    send({ profiled: m.file });
  }
});
