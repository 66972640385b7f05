/**
 * Part of the scale bench (forked by bench/scale-bench.ts with the replica size as argument):
 * the demo register, an operator and the gateway as separate processes (bench-servers.ts roles),
 * the gateway's replica seeded with N consent entries beforehand; the gateway then serves reads
 * with autocannon (10 connections, 10 s) while its RSS is sampled from /proc every 100 ms.
 * Sends `{ result: { rss_idle_mb, rss_max_mb, rps, replica_entries } }` over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair } from 'jose';
import { gatewayMigrations, type GatewayDatabase } from '../src/gateway/gateway.tables.ts';
import { DEMO_RESIDENTS } from '../src/demo/population/population.ts';
import { createDpopProof } from '../src/shared/oauth/dpop.ts';
import { migrateToLatest, openStore } from '../src/store/database.ts';
import { tempDir } from '../test/helpers/stores.ts';
import { freePort } from '../test/helpers/world.ts';
import { seedReplica } from './scale-seed.ts';
import { benchConsent } from './bench-consent.ts';

const entries = Number(process.argv[2] ?? 100_000);
const SECONDS = 10;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const children: ChildProcess[] = [];

function start(role: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./bench-servers.ts', import.meta.url).pathname, [role, String(port)], {
      env: { ...process.env, BENCH_ENV: JSON.stringify(env) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    child.once('message', (m: { ready?: string }) => (m.ready ? resolve(child) : reject(new Error(`${role} failed`))));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main() {
  const dir = tempDir('portti-scale-gw-');
  const [upPort, opPort, gwPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const issuer = `http://127.0.0.1:${opPort}`;
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const resource = `${gatewayUrl}/sources/incomes-register`;
  const service = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(service.publicKey)), kid: 'svc-1', alg: 'ES256', use: 'sig' };
  writeFileSync(
    join(dir, 'registry.json'),
    JSON.stringify({
      sources: [
        {
          id: 'incomes-register',
          resource,
          name: { fi: 'T', sv: 'I', en: 'I' },
          identifier_type: 'fi_hetu',
          attributes: ['annual_income', 'income_year'].map((id) => ({
            id,
            label: { fi: id, sv: id, en: id },
            category: 'https://w3id.org/dpv/pd#Income',
          })),
        },
      ],
      services: [
        {
          client_id: 'scale-service',
          name: { fi: 's', sv: 's', en: 's' },
          controller: { name: 'Bench' },
          privacy_notice: 'https://example.org/p',
          jwks: { keys: [jwk] },
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
        },
      ],
      gateways: [{ client_id: 'gateway', name: 'gw', jwks_uri: `${gatewayUrl}/.well-known/jwks.json`, sources: ['incomes-register'] }],
    }),
  );
  log(`  seeding the gateway's SQLite replica with ${entries.toLocaleString('en')} entries…`);
  const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(dir, 'gateway.db') });
  await migrateToLatest(store, gatewayMigrations);
  await seedReplica(store.db, 'sqlite', entries, log, issuer, resource);
  await store.close();

  const upstream = `http://127.0.0.1:${upPort}`;
  await start('upstream', upPort, {});
  await start('operator', opPort, { dir, issuer, registry: join(dir, 'registry.json') });
  const gatewayConfig = {
    name: 'gateway',
    listen: { host: '127.0.0.1', port: gwPort },
    public_url: gatewayUrl,
    sources: [
      {
        id: 'incomes-register',
        upstream: { base_url: upstream, timeout_ms: 5000, max_response_bytes: 1048576 },
        operations: [
          {
            name: 'income',
            method: 'GET',
            path: '/people/{identifier}/income',
            identifier_type: 'fi_hetu',
            attributes: { annual_income: '/annual_income', income_year: '/income_year' },
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
  };
  const gateway = await start('gateway', gwPort, { dir, gatewayConfig: JSON.stringify(gatewayConfig) });
  const pid = gateway.pid!;

  const { dpop, token } = await benchConsent({
    issuer,
    clientId: 'scale-service',
    privateKey: service.privateKey,
    person: DEMO_RESIDENTS.aino.personal_identity_code,
    resource,
  });
  const url = `${resource}/income`;
  for (let i = 0; i < 100; i += 1) {
    const res = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', url, token) } });
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const proofs: string[] = [];
  for (let i = 0; i < SECONDS * 4000; i += 1) proofs.push(await createDpopProof(dpop, 'GET', url, token));
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  let n = 0;
  const result = await autocannon({
    url,
    connections: 10,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: `DPoP ${token}`, dpop: proofs[n++ % proofs.length]! },
        }),
      },
    ],
  });
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  const ok = result['2xx'];
  if (ok < (result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']) * 0.99)
    throw new Error(`only ${ok} reads answered 2xx`);
  process.send!({
    result: {
      rss_idle_mb: Math.round(idle),
      rss_max_mb: Math.round(peak),
      rps: Math.round(ok / result.duration),
      replica_entries: entries,
    },
  });
}

main()
  .catch((err: Error) => {
    process.send?.({ error: err.stack });
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
