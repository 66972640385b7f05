/**
 * `npm run bench`: the same read, side by side in one run, through
 *   (a) the source directly, (b) a bare keep-alive proxy with no checks,
 *   (c) the Portti gateway with every check on (JWT, DPoP with replay cache, replica,
 *       attribute filter, Merkle-logged access record), and
 *   (d) a per-request-introspection connector (introspection + access-item report per request),
 *   (e) the Portti gateway with an RFC 8705 certificate-bound token over mutual TLS (the binding is
 *       checked once per connection, so no per-request signature check; TLS costs its own), and
 *   (f) nginx (Debian package, one worker) with `auth_request` to an external checker doing the same
 *       token, DPoP and replica consent checks (no attribute filter, no access record): the
 *       conventional "reverse proxy + auth hook" design. Installed with apt-get when missing and
 *       running as root; otherwise that row is skipped with a message.
 * Throughput with autocannon (10 connections, 5 s each after a 1 s warm-up), added latency
 * with one connection. BENCH_PROFILE=<role> BENCH_PROFILE_TARGET=<target> writes a CPU profile
 * of that process during that target's run (e.g. BENCH_PROFILE=gateway BENCH_PROFILE_TARGET=gateway).
 * Prints a table; with --json, one JSON object on the last line. `--scale` runs bench/scale-bench.ts.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair } from 'jose';
import { readFileSync } from 'node:fs';
import { Agent, Client, fetch as undiciFetch } from 'undici';
import type { CryptoKey } from 'jose';
import { makeCertificates } from '../test/helpers/certs.ts';
import { createDpopProof } from '../src/shared/oauth/dpop.ts';
import { clientAssertion, discover } from '../src/shared/oauth/oauth-client.ts';
import { DEMO_RESIDENTS } from '../src/demo/population/population.ts';
import { benchConsent } from './bench-consent.ts';
import { logBench } from './log-bench.ts';
import { durabilityBench } from './durability-bench.ts';
import { freePort } from '../test/helpers/world.ts';
import { tempDir } from '../test/helpers/stores.ts';

const json = process.argv.includes('--json');
const durationArg = process.argv.find((a) => a.startsWith('--duration='));
const DURATION_S = durationArg ? Number(durationArg.split('=')[1]) : 5;
/** DPoP proofs are single-use: enough for the fastest plausible gateway run. */
const PROOFS = DURATION_S * 8000;
const CONNECTIONS = 10;
const LATENCY_SAMPLES = 1500;
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const children: ChildProcess[] = [];
const roles = new Map<string, ChildProcess>();

/** Sends a message to a child and waits for the reply carrying `key`. */
function ask(child: ChildProcess, message: object, key: string): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', on);
        resolve(m[key]);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

/** CPU milliseconds used so far by each child process. */
async function cpuByRole(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    [...roles].map(
      ([role, child]) =>
        new Promise<void>((resolve) => {
          const on = (m: { cpu?: number }) => {
            if (m.cpu !== undefined) {
              child.off('message', on);
              out[role] = m.cpu;
              resolve();
            }
          };
          child.on('message', on);
          child.send({ cpu: true });
        }),
    ),
  );
  const self = process.cpuUsage();
  out.load_generator = (self.user + self.system) / 1000;
  return out;
}
function start(role: string, port: number, env: Record<string, string>, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./bench-servers.ts', import.meta.url).pathname, [role, String(port), ...args], {
      env: { ...process.env, BENCH_ENV: JSON.stringify(env) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    roles.set(role, child);
    child.once('message', (m: { ready?: string }) => (m.ready ? resolve(m.ready) : reject(new Error(`${role} failed`))));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function run(url: string, headers: () => Record<string, string>, seconds = DURATION_S, tlsOptions?: object) {
  const result = await autocannon({
    url,
    ...(tlsOptions ? { tlsOptions } : {}),
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...headers() } }) }],
  });
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  if (result['2xx'] < total * 0.99 || result.errors > 0) {
    throw new Error(`${url}: only ${result['2xx']} of ${total} answered 2xx (errors ${result.errors})`);
  }
  return { rps: result['2xx'] / result.duration, p99: result.latency.p99 };
}

async function latency(url: string, headers: () => Promise<Record<string, string>> | Record<string, string>) {
  const u = new URL(url);
  const client = new Client(u.origin, { pipelining: 1 });
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES + 200; i += 1) {
    const h = await headers();
    const t0 = performance.now();
    const res = await client.request({ method: 'GET', path: u.pathname + u.search, headers: h });
    await res.body.arrayBuffer();
    const dt = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    if (i >= 200) samples.push(dt);
  }
  await client.close();
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

/** A bench service reading two attributes under a public-task lawful basis (active at once). */
function benchService(clientId: string, jwk: object, senderConstraint: 'dpop' | 'mtls') {
  return {
    client_id: clientId,
    name: { fi: clientId, sv: clientId, en: clientId },
    controller: { name: 'Bench' },
    privacy_notice: 'https://example.org/privacy',
    jwks: { keys: [jwk] },
    sender_constraint: senderConstraint,
    purposes: [
      {
        purpose: 'https://w3id.org/dpv#ServiceProvision',
        label: { fi: 'x', sv: 'x', en: 'x' },
        lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-e',
        retention_period: 'P1Y',
        attributes: [
          { source: 'incomes-register', id: 'annual_income' },
          { source: 'incomes-register', id: 'income_year' },
        ],
      },
    ],
  };
}

/** A certificate-bound token for a B2B service: consent filed and token issued over mutual TLS. */
async function mtlsToken(
  issuer: string,
  privateKey: CryptoKey,
  files: { ca: string; cert: string; key: string },
  resource: string,
  person: string,
): Promise<string> {
  const agent = new Agent({ connect: { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) } });
  const meta = await discover(issuer);
  const tokenEndpoint = (meta.mtls_endpoint_aliases as { token_endpoint: string }).token_endpoint;
  const client = { clientId: 'bench-b2b', key: { privateKey, alg: 'ES256', kid: 'b2b-1' } };
  const grant = async (extra: Record<string, string>) => {
    const res = await undiciFetch(tokenEndpoint, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion(client, issuer),
        ...extra,
      }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const api = await grant({ scope: 'consent_request', resource: `${issuer}/api` });
  const mtlsBase = new URL(tokenEndpoint).origin;
  const filed = await undiciFetch(`${mtlsBase}/api/consent-requests`, {
    dispatcher: agent,
    method: 'POST',
    headers: { authorization: `Bearer ${api}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      subjects: [{ identifier_type: 'fi_hetu', identifier: person }],
      activation_mode: 'automatically_activated',
      purpose: 'https://w3id.org/dpv#ServiceProvision',
    }),
  });
  const record = (await filed.json()) as { record_id: string };
  const token = await grant({
    resource,
    authorization_details: JSON.stringify([
      {
        type: 'personal_data_access',
        locations: [resource],
        actions: ['read'],
        datatypes: ['annual_income', 'income_year'],
        consent_record_id: record.record_id,
      },
    ]),
  });
  await agent.close();
  return token;
}

/** The nginx binary, installing Debian's nginx-light when missing and allowed (root with apt-get). */
function findNginx(): string | undefined {
  const which = (name: string) =>
    spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')[0] || undefined;
  let bin = which('nginx');
  if (!bin && process.getuid?.() === 0 && which('apt-get') && process.env.BENCH_NO_INSTALL !== '1') {
    log('nginx is missing: installing the Debian package nginx-light (set BENCH_NO_INSTALL=1 to skip)…');
    const res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (res.status === 0) bin = which('nginx');
  }
  if (!bin) log('nginx is not installed (apt-get install nginx-light): the nginx + auth_request row is skipped');
  return bin;
}

async function main() {
  const dir = tempDir('portti-bench-');
  const [upPort, opPort, gwPort, barePort, basePort, gwTlsPort, opTlsPort, checkerPort, nginxPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const nginxBin = findNginx();
  const certs = makeCertificates();
  const b2bCert = certs.client('bench-b2b');
  const mtls = (port: number) => ({
    listen: { host: '127.0.0.1', port },
    public_url: `https://127.0.0.1:${port}`,
    cert_file: certs.serverCert,
    key_file: certs.serverKey,
    client_ca_file: certs.ca,
  });
  const b2bKey = await generateKeyPair('ES256', { extractable: true });
  const issuer = `http://127.0.0.1:${opPort}`;
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const resource = `${gatewayUrl}/sources/incomes-register`;
  const service = await generateKeyPair('ES256', { extractable: true });
  const baselineKey = await generateKeyPair('ES256', { extractable: true });
  const checkerKey = await generateKeyPair('ES256', { extractable: true });
  const pub = async (k: CryptoKey, kid: string) => ({ ...(await exportJWK(k)), kid, alg: 'ES256', use: 'sig' });
  const registry = {
    sources: [
      {
        id: 'incomes-register',
        resource,
        name: { fi: 'Tulorekisteri', sv: 'Inkomstregistret', en: 'Incomes Register' },
        identifier_type: 'fi_hetu',
        attributes: ['annual_income', 'income_year', 'employer'].map((id) => ({
          id,
          label: { fi: id, sv: id, en: id },
          category: 'https://w3id.org/dpv/pd#Income',
        })),
      },
    ],
    services: [
      benchService('bench-service', await pub(service.publicKey, 'svc-1'), 'dpop'),
      benchService('bench-b2b', await pub(b2bKey.publicKey, 'b2b-1'), 'mtls'),
    ],
    gateways: [
      { client_id: 'gateway', name: 'gw', jwks_uri: `${gatewayUrl}/.well-known/jwks.json`, sources: ['incomes-register'] },
      {
        client_id: 'baseline',
        name: 'baseline',
        jwks: { keys: [await pub(baselineKey.publicKey, 'baseline-1')] },
        sources: ['incomes-register'],
      },
      {
        client_id: 'checker',
        name: 'nginx checker',
        jwks: { keys: [await pub(checkerKey.publicKey, 'checker-1')] },
        sources: ['incomes-register'],
      },
    ],
  };
  const registryFile = join(dir, 'registry.json');
  writeFileSync(registryFile, JSON.stringify(registry));
  const person = DEMO_RESIDENTS.aino.personal_identity_code;
  const upstreamPath = `/people/${encodeURIComponent(person)}/income`;

  log('starting upstream, operator, gateway, bare proxy, introspection baseline (separate processes)…');
  const upstreamUrl = await start('upstream', upPort, {});
  await start('operator', opPort, { dir, issuer, registry: registryFile, operatorMtls: JSON.stringify(mtls(opTlsPort)) });
  const gatewayConfig = {
    name: 'gateway',
    listen: { host: '127.0.0.1', port: gwPort },
    public_url: gatewayUrl,
    sources: [
      {
        id: 'incomes-register',
        upstream: { base_url: upstreamUrl, timeout_ms: 5000, max_response_bytes: 1048576 },
        operations: [
          {
            name: 'income',
            method: 'GET',
            path: '/people/{identifier}/income',
            identifier_type: 'fi_hetu',
            attributes: { annual_income: '/annual_income', income_year: '/income_year', employer: '/employer' },
          },
        ],
        admitted_operators: [issuer],
      },
    ],
    operators: [{ issuer, client_id: 'gateway' }],
    feed_stale_after_ms: 30000,
    checkpoint_every: 1000,
    clock_skew_s: 30,
    dpop_max_age_s: 120,
    report_interval_ms: 1000,
    replay_cache: 'memory',
    mtls: mtls(gwTlsPort),
  };
  await start('gateway', gwPort, { dir, gatewayConfig: JSON.stringify(gatewayConfig) });
  await start('bare', barePort, {}, [upstreamUrl, upstreamPath]);
  await start('baseline', basePort, { issuer, resource, baselineKey: JSON.stringify(await exportJWK(baselineKey.privateKey)) }, [
    upstreamUrl,
    upstreamPath,
  ]);
  const nginxOrigin = `http://127.0.0.1:${nginxPort}`;
  if (nginxBin) {
    const checkerUrl = await start('checker', checkerPort, {
      dir,
      issuer,
      resource,
      publicOrigin: nginxOrigin,
      checkerKey: JSON.stringify(await exportJWK(checkerKey.privateKey)),
    });
    await start('nginx', nginxPort, { dir, nginxBin }, [upstreamUrl, upstreamPath, checkerUrl]);
  }

  const { dpop, token } = await benchConsent({ issuer, clientId: 'bench-service', privateKey: service.privateKey, person, resource });

  const gwUrl = `${resource}/income`;
  const b2b = await mtlsToken(issuer, b2bKey.privateKey, { ca: certs.ca, ...b2bCert }, resource, person);
  const withProofs = async (n: number, url = gwUrl) => {
    const list: string[] = [];
    for (let i = 0; i < n; i += 1) list.push(await createDpopProof(dpop, 'GET', url, token));
    let i = 0;
    return () => ({ authorization: `DPoP ${token}`, dpop: list[i++ % list.length]! });
  };
  // the replica must know the record before we measure
  for (let i = 0; i < 100; i += 1) {
    const res = await fetch(gwUrl, { headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', gwUrl, token) } });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  const targets = {
    direct: { url: `${upstreamUrl}${upstreamPath}`, headers: async () => () => ({ 'x-api-key': 'demo' }) },
    bare_proxy: {
      url: `http://127.0.0.1:${barePort}/sources/incomes-register/income`,
      headers: async () => () => ({ authorization: `DPoP ${token}` }),
    },
    gateway: { url: gwUrl, headers: () => withProofs(PROOFS) },
    introspection: {
      url: `http://127.0.0.1:${basePort}/sources/incomes-register/income`,
      headers: async () => () => ({ authorization: `DPoP ${token}` }),
    },
    gateway_mtls: {
      url: `https://127.0.0.1:${gwTlsPort}/sources/incomes-register/income`,
      headers: async () => () => ({ authorization: `Bearer ${b2b}` }),
      tls: { ca: readFileSync(certs.ca), cert: readFileSync(b2bCert.cert), key: readFileSync(b2bCert.key) },
    },
    ...(nginxBin
      ? {
          nginx_auth_request: {
            url: `${nginxOrigin}/sources/incomes-register/income`,
            headers: () => withProofs(PROOFS, `${nginxOrigin}/sources/incomes-register/income`),
          },
        }
      : {}),
  };
  const rps: Record<string, number> = {};
  for (const [name, t] of Object.entries(targets)) {
    log(`warming up ${name}…`);
    const tls = 'tls' in t ? t.tls : undefined;
    await run(t.url, await t.headers(), 1, tls).catch(() => undefined);
    log(`measuring ${name} (${DURATION_S} s, ${CONNECTIONS} connections)…`);
    const headers = await t.headers();
    const profiled =
      process.env.BENCH_PROFILE && name === process.env.BENCH_PROFILE_TARGET ? roles.get(process.env.BENCH_PROFILE) : undefined;
    if (profiled) await ask(profiled, { profile: 'start' }, 'profiling');
    const before = await cpuByRole();
    const r = await run(t.url, headers, DURATION_S, tls);
    const after = await cpuByRole();
    if (profiled)
      log(
        `  profile written to ${String(await ask(profiled, { profile: 'stop', file: `${process.env.BENCH_PROFILE}-${name}.cpuprofile` }, 'profiled'))}`,
      );
    rps[name] = r.rps;
    if (process.env.BENCH_THREADS) {
      const { readdirSync, readFileSync } = await import('node:fs');
      const pid = roles.get('gateway')!.pid;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const comm = /\((.*)\)/.exec(stat)![1];
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(f[11]) + Number(f[12]);
        if (ticks > 10) log(`    thread ${comm}: ${ticks} ticks`);
      }
    }
    const requests = r.rps * DURATION_S;
    log(
      `  CPU µs per request: ${Object.keys(after)
        .map((k) => `${k} ${(((after[k]! - (before[k] ?? 0)) * 1000) / requests).toFixed(0)}`)
        .join(', ')}`,
    );
  }
  log(`measuring added latency with one connection (${LATENCY_SAMPLES} sequential requests each)…`);
  const direct = await latency(targets.direct.url, () => ({ 'x-api-key': 'demo' }));
  const gw = await latency(gwUrl, async () => ({ authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', gwUrl, token) }));

  log('measuring the access log write path (Merkle log vs the hash chain it replaced, in process)…');
  const logCost = await logBench();
  log('measuring what power-loss durability costs (SQLite synchronous=FULL vs NORMAL, wall clock)…');
  const durability = await durabilityBench();
  const summary = {
    ...logCost,
    ...durability,
    direct_rps: Math.round(rps.direct!),
    bare_proxy_rps: Math.round(rps.bare_proxy!),
    gateway_rps: Math.round(rps.gateway!),
    introspection_rps: Math.round(rps.introspection!),
    ratio_gateway_bare_proxy: Number((rps.gateway! / rps.bare_proxy!).toFixed(3)),
    ratio_gateway_direct: Number((rps.gateway! / rps.direct!).toFixed(3)),
    ratio_gateway_introspection: Number((rps.gateway! / rps.introspection!).toFixed(3)),
    p50_added_ms: Number((gw.p50 - direct.p50).toFixed(3)),
    p99_added_ms: Number((gw.p99 - direct.p99).toFixed(3)),
    gateway_mtls_rps: Math.round(rps.gateway_mtls!),
    ratio_gateway_mtls_bare_proxy: Number((rps.gateway_mtls! / rps.bare_proxy!).toFixed(3)),
    ...(rps.nginx_auth_request
      ? {
          nginx_auth_request_rps: Math.round(rps.nginx_auth_request),
          ratio_gateway_nginx_auth_request: Number((rps.gateway! / rps.nginx_auth_request).toFixed(3)),
        }
      : {}),
  };
  const rows = [
    ['direct to the source', summary.direct_rps, '1.00'],
    ['bare proxy (no checks)', summary.bare_proxy_rps, (rps.bare_proxy! / rps.direct!).toFixed(2)],
    ['Portti gateway (all checks)', summary.gateway_rps, summary.ratio_gateway_direct.toFixed(2)],
    ['per-request introspection', summary.introspection_rps, (rps.introspection! / rps.direct!).toFixed(2)],
    ['Portti gateway, mTLS-bound token (TLS)', summary.gateway_mtls_rps, (rps.gateway_mtls! / rps.direct!).toFixed(2)],
  ];
  if (rps.nginx_auth_request)
    rows.push([
      'nginx + auth_request checker (same checks; no filter, no audit)',
      Math.round(rps.nginx_auth_request),
      (rps.nginx_auth_request / rps.direct!).toFixed(2),
    ]);
  else rows.push(['nginx + auth_request checker', 'skipped: nginx not installed', '']);
  console.log('\n| path | requests/s | vs direct |\n|---|---:|---:|');
  for (const [name, r, ratio] of rows) console.log(`| ${name} | ${r} | ${ratio} |`);
  console.log(
    `\ngateway / bare proxy: ${summary.ratio_gateway_bare_proxy} (target ≥ 0.5); gateway / introspection: ${summary.ratio_gateway_introspection} (target ≥ 2)`,
  );
  console.log(
    `added latency, one connection: p50 ${summary.p50_added_ms} ms, p99 ${summary.p99_added_ms} ms (target p99 ≤ 2 ms); direct p50 ${direct.p50.toFixed(3)} ms, gateway p50 ${gw.p50.toFixed(3)} ms`,
  );
  console.log(
    `access log CPU per record: ${logCost.log_us_per_record_32} µs at 32 concurrent appends (hash chain ${logCost.chain_us_per_record_32} µs, ratio ${logCost.ratio_log_chain_32}), ${logCost.log_us_per_record_1} µs alone (chain ${logCost.chain_us_per_record_1} µs, ratio ${logCost.ratio_log_chain_1}); one checkpoint ${logCost.checkpoint_us} µs, signed at most once a second`,
  );
  console.log(
    `durability (wall clock per write): a lone commit ${durability.commit_us_power_loss} µs with power_loss (default) vs ${durability.commit_us_process_crash} µs with process_crash; access-log append ${durability.log_append_us_32_power_loss} vs ${durability.log_append_us_32_process_crash} µs at 32 concurrent (ratio ${durability.ratio_log_append_32_power_loss}), ${durability.log_append_us_1_power_loss} vs ${durability.log_append_us_1_process_crash} µs alone`,
  );
  if (json) console.log(JSON.stringify(summary));
}

// `npm run bench -- --scale`: the scale bench (seeded stores, citizen views, replica, RSS) instead
const entry = process.argv.includes('--scale') ? import('./scale-bench.ts').then(() => undefined) : main();
entry
  .catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.stack}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
