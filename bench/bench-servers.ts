/**
 * Child-process roles for `npm run bench`, so the load generator, the upstream and the
 * system under test each have their own event loop (as they would on real machines):
 *   upstream   the demo Incomes Register
 *   operator   a real Portti operator (tokens, consent feed, introspection, reports)
 *   gateway    the Portti Access Gateway with every check on
 *   bare       a bare undici keep-alive proxy with no checks (the ceiling for any Node gateway)
 *   baseline   the seeds' connector design: RFC 7662 introspection and an access-item report
 *              per request, then proxy (built here only as a baseline)
 *   checker    an external authorization checker for nginx `auth_request`: the same token, DPoP
 *              (with replay cache) and consent checks as the gateway, from Portti's own modules and
 *              a consent replica fed by the operator's feed; answers 204, 401 or 403, no body
 *   nginx      nginx (Debian package) with `auth_request` to the checker, proxying to the source
 * Each role sends `{ ready: url }` over IPC once it listens.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createIncomesRegister } from '../src/demo/registers/incomes-register.ts';
import { generatePopulationData } from '../src/demo/population/population.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import { gatewayMigrations, type GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { RevocationList } from '../src/gateway/token/revocation-list.ts';
import { ConsentFeedClient } from '../src/gateway/consent/consent-feed-client.ts';
import { ConsentReplica } from '../src/gateway/consent/consent-replica.ts';
import { OperatorClient } from '../src/gateway/operators/operator-client.ts';
import { OperatorDirectory } from '../src/gateway/operators/operator-directory.ts';
import { AccessTokenVerifier } from '../src/gateway/token/token-verifier.ts';
import { ProblemError } from '../src/shared/errors.ts';
import { MemoryReplayCache } from '../src/shared/oauth/replay-cache.ts';
import pino from 'pino';
import { createOperator } from '../src/operator/operator.ts';
import type { OperatorDatabase } from '../src/operator/operator.tables.ts';
import { createDpopKey, createDpopProof, sha256b64url, verifyDpopProof } from '../src/shared/oauth/dpop.ts';
import { clientAssertion, clientCredentialsToken, discover } from '../src/shared/oauth/oauth-client.ts';
import { migrateToLatest, openStore } from '../src/store/database.ts';
import { importJWK, type CryptoKey } from 'jose';

const [role, port, ...args] = process.argv.slice(2);
/** Set by the nginx role: CPU is then nginx's, not this wrapper's. */
let nginxPid: number | undefined;
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
  proxyServer(async () => undefined, pool, upstreamPath).listen(Number(port), '127.0.0.1', () =>
    send({ ready: `http://127.0.0.1:${port}` }),
  );
}

async function baseline() {
  const [upstreamUrl, upstreamPath] = args as [string, string];
  const pool = new Pool(upstreamUrl, { connections: 64 });
  const meta = await discover(env.issuer!);
  const key = { privateKey: (await importJWK(JSON.parse(env.baselineKey!), 'ES256')) as CryptoKey, alg: 'ES256', kid: 'baseline-1' };
  const dpop = await createDpopKey();
  const asPool = new Pool(env.issuer!, { connections: 64 });
  let api = await clientCredentialsToken(meta, { clientId: 'baseline', key }, dpop, {
    scope: 'access_report',
    resource: `${env.issuer}/api`,
  });
  setInterval(async () => {
    api = await clientCredentialsToken(meta, { clientId: 'baseline', key }, dpop, {
      scope: 'access_report',
      resource: `${env.issuer}/api`,
    });
  }, 200_000).unref();
  const call = async (url: string, contentType: string, body: string) => {
    const res = await asPool.request({
      method: 'POST',
      path: new URL(url).pathname,
      headers: {
        'content-type': contentType,
        authorization: `DPoP ${api.access_token}`,
        dpop: await createDpopProof(dpop, 'POST', url, api.access_token),
      },
      body,
    });
    return res.body.json() as Promise<{ active?: boolean }>;
  };
  let seq = 0;
  let prev = '0'.repeat(64);
  const handler = async (req: import('node:http').IncomingMessage) => {
    const token = (req.headers.authorization ?? '').split(' ')[1] ?? '';
    // RFC 7662 with the client's own authentication (private_key_jwt), as the operator's metadata publishes
    const assertion = await clientAssertion({ clientId: 'baseline', key }, meta.issuer);
    const form = new URLSearchParams({ token, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' });
    form.set('client_assertion', assertion);
    const introspected = await asPool.request({
      method: 'POST',
      path: new URL(meta.introspection_endpoint!).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const result = (await introspected.body.json()) as { active?: boolean };
    if (!result.active) throw new Error('inactive');
    // the access item patched back per request
    seq += 1;
    const record = {
      access_id: `urn:uuid:${randomUUID()}`,
      time: new Date().toISOString(),
      source: env.resource!,
      outcome: 'allowed',
      status: 200,
      hash: 'a'.repeat(64),
      prev_hash: prev,
      chain: 'baseline',
      seq,
      consent_record_id: null,
      client_id: 'bench',
    };
    prev = record.hash;
    await call(meta.access_report_endpoint!, 'application/json', JSON.stringify({ records: [record] }));
  };
  proxyServer(handler, pool, upstreamPath).listen(Number(port), '127.0.0.1', () => send({ ready: `http://127.0.0.1:${port}` }));
}

async function checker() {
  const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(env.dir!, 'checker.db') });
  await migrateToLatest(store, gatewayMigrations);
  const key = { privateKey: (await importJWK(JSON.parse(env.checkerKey!), 'ES256')) as CryptoKey, alg: 'ES256', kid: 'checker-1' };
  const directory = new OperatorDirectory([{ issuer: env.issuer!, client_id: 'checker' }], await createDpopKey(), (clientId) => ({
    clientId,
    key,
  }));
  const replica = new ConsentReplica(store.db);
  await replica.load();
  const revocations = new RevocationList(store.db, 30);
  await revocations.load();
  const feed = new ConsentFeedClient({
    issuer: env.issuer!,
    sources: [env.resource!],
    operators: new OperatorClient(directory),
    replica,
    revocations,
    staleAfterMs: 30000,
    log: pino({ level: 'silent' }),
  });
  feed.start();
  const verifier = new AccessTokenVerifier(directory, { clockSkewS: 30, maxLifetimeS: 300, revocations });
  const replay = new MemoryReplayCache();
  const check = async (req: import('node:http').IncomingMessage): Promise<number> => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'DPoP' || !token) return 401;
    const verified = await verifier.verify(token, sha256b64url(token), `${env.resource}`);
    if (!verified.aud.includes(env.resource!)) return 401;
    const { jkt } = await verifyDpopProof(req.headers.dpop, {
      method: String(req.headers['x-original-method'] ?? 'GET'),
      url: `${env.publicOrigin}${String(req.headers['x-original-uri'] ?? '')}`,
      accessToken: token,
      maxAgeS: 120,
      clockSkewS: 30,
      replay,
    });
    if (!('jkt' in verified.binding) || jkt !== verified.binding.jkt) return 401;
    const detail = verified.authorization_details.find((d) => d.locations?.includes(env.resource!));
    const entry = detail?.consent_record_id ? replica.get(verified.iss, detail.consent_record_id, env.resource!) : undefined;
    if (!feed.isFresh() || !entry || entry.client_id !== verified.client_id || !replica.honours(entry).honoured) return 403;
    return 204;
  };
  createServer((req, res) => {
    check(req)
      .catch((err: Error) => (err instanceof ProblemError ? err.status : 500))
      .then((status) => {
        res.writeHead(status, { 'content-length': 0 });
        res.end();
      });
  }).listen(Number(port), '127.0.0.1', async () => {
    for (let i = 0; i < 200 && !feed.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 50));
    send({ ready: `http://127.0.0.1:${port}` });
  });
}

/** nginx with auth_request to the checker; one worker process, like the one gateway process. */
async function nginx() {
  const [upstreamUrl, upstreamPath, checkerUrl] = args as [string, string, string];
  const dir = join(env.dir!, 'nginx');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  upstream source { server ${new URL(upstreamUrl).host}; keepalive 64; }
  upstream checker { server ${new URL(checkerUrl).host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location = /sources/incomes-register/income {
      auth_request /_check;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_set_header DPoP "";
      proxy_set_header x-api-key "demo";
      proxy_pass http://source${upstreamPath};
    }
    location = /_check {
      internal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_pass http://checker/check;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(env.nginxBin!, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code) => process.exit(code ?? 1));
  process.on('exit', () => child.kill('SIGTERM'));
  nginxPid = child.pid;
  for (let i = 0; i < 100; i += 1) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) {
      send({ ready: `http://127.0.0.1:${port}` });
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
}

/** nginx's master and worker CPU (ms), for the per-request CPU line. */
function nginxCpuMs(): number {
  const ticks = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const children = readFileSync(`/proc/${nginxPid}/task/${nginxPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return ([nginxPid!, ...children].reduce((sum, pid) => sum + ticks(pid), 0) * 1000) / 100;
}

const roles: Record<string, () => Promise<void>> = { upstream, operator, gateway, bare, baseline, checker, nginx };
roles[role!]!().catch((err: Error) => {
  process.stderr.write(`bench role ${role} failed: ${err.stack}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
// CPU accounting for the bench: the driver asks each role for its CPU time around a run
process.on('message', (m: { cpu?: boolean }) => {
  if (m.cpu) {
    const u = process.cpuUsage();
    send({ cpu: nginxPid ? nginxCpuMs() : (u.user + u.system) / 1000 });
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
