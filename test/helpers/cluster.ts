/**
 * A small Portti cluster for fault tests: one operator (`operator-a`) and one gateway
 * (`gateway`) as separate `portti operator|gateway --instance N` processes, `instances` of each
 * (several only on PostgreSQL), each component behind a balancer on its public address
 * (HAProxy with deploy/haproxy.cfg, or the built-in development one), and the demo Incomes Register and identity provider in this process. Instances can
 * be SIGKILLed and restarted on their own port, as a service manager would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBalancer, type Balancer } from '../../src/app/balancer.ts';
import { startHaproxy } from '../../src/app/haproxy.ts';
import { startDemo, type DemoWorld } from '../../src/demo/demo-world.ts';
import { loadPorttiConfig } from '../../src/shared/config.ts';
import { CuttableProxy } from './tcp-proxy.ts';
import { freePort, PURPOSE, type TestService } from './world.ts';

/** One instance process of a component. */
export interface Member {
  kind: 'operator' | 'gateway';
  instance: number;
  port: number;
  url: string;
  child: ChildProcess;
}

export interface ClusterOptions {
  dir: string;
  service: TestService;
  /** PostgreSQL URL of an empty database; SQLite files under `dir` when absent. */
  databaseUrl?: string;
  /** Instances of each component (more than one needs PostgreSQL). */
  instances: number;
  /** HAProxy with deploy/haproxy.cfg, or the built-in development balancer (the default). */
  balancer?: 'haproxy' | 'builtin';
  /** Put a cuttable TCP proxy between the gateway and the Incomes Register (an upstream outage). */
  upstreamProxy?: boolean;
}

export interface Cluster {
  config: string;
  issuer: string;
  /** The source's resource URI (behind the gateway balancer). */
  resource: string;
  operators: Member[];
  gateways: Member[];
  demo: DemoWorld;
  /** The cuttable proxy in front of the Incomes Register, when asked for. */
  upstream?: CuttableProxy;
  kill(member: Member): Promise<void>;
  restart(member: Member): Promise<void>;
  /** `portti audit verify` over every log: its exit code and output. */
  auditVerify(): Promise<{ code: number | null; out: string }>;
  close(): Promise<void>;
}

/** The cluster's configuration file (also what `portti start --instances` is given in the instances test). */
export function writeClusterConfig(
  o: Pick<ClusterOptions, 'dir' | 'service' | 'databaseUrl'>,
  ports: { gw: number; op: number; reg: number; idp: number; upstream?: number },
): string {
  const issuer = `http://127.0.0.1:${ports.op}`;
  const attributes = ['annual_income', 'income_year'];
  const registry = {
    sources: [
      {
        id: 'incomes-register',
        resource: `http://127.0.0.1:${ports.gw}/sources/incomes-register`,
        name: { fi: 'Tulorekisteri', sv: 'Inkomstregistret', en: 'Incomes Register' },
        identifier_type: 'fi_hetu',
        attributes: attributes.map((id) => ({ id, label: { fi: id, sv: id, en: id }, category: 'https://w3id.org/dpv/pd#Income' })),
      },
    ],
    services: [
      {
        client_id: o.service.clientId,
        name: { fi: 'S', sv: 'S', en: 'S' },
        controller: { name: 'City' },
        privacy_notice: 'https://example.org/p',
        jwks: { keys: [o.service.publicJwk] },
        purposes: [
          {
            purpose: PURPOSE,
            label: { fi: 'x', sv: 'x', en: 'x' },
            lawful_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a',
            retention_period: 'P1Y',
            attributes: attributes.map((id) => ({ source: 'incomes-register', id })),
          },
        ],
      },
    ],
    gateways: [
      { client_id: 'gateway', name: 'gw', jwks_uri: `http://127.0.0.1:${ports.gw}/.well-known/jwks.json`, sources: ['incomes-register'] },
    ],
  };
  writeFileSync(join(o.dir, 'registry.json'), JSON.stringify(registry));
  const idp = `http://127.0.0.1:${ports.idp}`;
  const config = {
    data_dir: join(o.dir, 'data'),
    ...(o.databaseUrl ? { database_url: o.databaseUrl } : {}),
    log_level: 'warn',
    demo: {
      people: 50,
      seed: 1,
      incomes_register: { host: '127.0.0.1', port: ports.reg },
      identity_providers: [{ label: 'Demo', issuer: idp, listen: { host: '127.0.0.1', port: ports.idp } }],
    },
    gateways: [
      {
        name: 'gateway',
        listen: { host: '127.0.0.1', port: ports.gw },
        public_url: `http://127.0.0.1:${ports.gw}`,
        report_interval_ms: 200,
        replay_cache: o.databaseUrl ? 'store' : 'memory',
        operators: [{ issuer, client_id: 'gateway' }],
        sources: [
          {
            id: 'incomes-register',
            upstream: {
              base_url: `http://127.0.0.1:${ports.reg}`,
              auth: { type: 'header', name: 'x-api-key', value: 'demo-register-key' },
            },
            admitted_operators: [issuer],
            operations: [
              {
                name: 'income',
                path: '/people/{identifier}/income',
                identifier_type: 'fi_hetu',
                attributes: { annual_income: '/annual_income', income_year: '/income_year' },
              },
            ],
          },
        ],
      },
    ],
    operators: [
      {
        name: 'operator-a',
        listen: { host: '127.0.0.1', port: ports.op },
        issuer,
        display_name: { fi: 'A', sv: 'A', en: 'A' },
        admin_token: 'admin-token-0123456789',
        cookie_secret: 'cookie-secret-0123456789abcdefghijklmn',
        registry_files: [join(o.dir, 'registry.json')],
        identity_providers: [
          {
            id: 'demo',
            label: { fi: 'Demo', sv: 'Demo', en: 'Demo' },
            issuer: idp,
            client_id: 'operator-a',
            client_secret: 'demo-idp-secret-0123456789',
          },
        ],
      },
    ],
  };
  const file = join(o.dir, 'portti.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Spawns one instance on `port` and waits for its banner; a port not yet released by a killed process is retried. */
async function spawnMember(config: string, kind: Member['kind'], instance: number, port: number, databaseUrl = ''): Promise<Member> {
  for (let attempt = 1; ; attempt += 1) {
    const name = kind === 'operator' ? 'operator-a' : 'gateway';
    const args = [
      'bin/portti.js',
      kind,
      '--config',
      config,
      '--name',
      name,
      '--port',
      String(port),
      '--instance',
      String(instance),
      '--no-mtls',
    ];
    const child = spawn(process.execPath, args, { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (d: Buffer) => {
      if (out.length < 200_000) out += d.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    for (let i = 0; i < 600 && !out.includes('Portti is running') && child.exitCode === null; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (out.includes('Portti is running')) {
      // the listeners stay: they keep draining the pipes, so a chatty process never blocks on a full one
      return { kind, instance, port, url: `http://127.0.0.1:${port}`, child };
    }
    child.kill('SIGKILL');
    if (attempt >= 20 || !/EADDRINUSE/.test(out))
      throw new Error(`portti ${kind} instance ${instance} did not start:\n${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts the cluster; operators first (the first instance alone: it migrates), then gateways. */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const [gw, op, reg, idp, proxied] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const config = writeClusterConfig(o, { gw, op, reg, idp, upstream: o.upstreamProxy ? proxied : reg });
  const demo = await startDemo(loadPorttiConfig(config, { ...process.env, DATABASE_URL: o.databaseUrl ?? '' }));
  const upstream = o.upstreamProxy ? new CuttableProxy(proxied, { host: '127.0.0.1', port: reg }) : undefined;
  await upstream?.open();
  const balancers: Balancer[] = [];
  const members = async (kind: Member['kind'], publicPort: number): Promise<Member[]> => {
    const ports = await Promise.all(Array.from({ length: o.instances }, () => freePort()));
    const first = await spawnMember(config, kind, 1, ports[0]!, o.databaseUrl);
    const rest = await Promise.all(ports.slice(1).map((p, i) => spawnMember(config, kind, i + 2, p, o.databaseUrl)));
    balancers.push(
      o.balancer === 'haproxy'
        ? await startHaproxy({
            kind,
            component: first.kind === 'operator' ? 'operator-a' : 'gateway',
            host: '127.0.0.1',
            port: publicPort,
            backends: ports,
          })
        : await startBalancer('127.0.0.1', publicPort, ports),
    );
    return [first, ...rest];
  };
  const operators = await members('operator', op);
  const gateways = await members('gateway', gw);
  const cluster: Cluster = {
    config,
    issuer: `http://127.0.0.1:${op}`,
    resource: `http://127.0.0.1:${gw}/sources/incomes-register`,
    operators,
    gateways,
    demo,
    ...(upstream ? { upstream } : {}),
    async kill(member) {
      if (member.child.exitCode !== null || member.child.signalCode !== null) return;
      const exited = new Promise((r) => member.child.once('exit', r));
      member.child.kill('SIGKILL');
      await exited;
    },
    async restart(member) {
      await cluster.kill(member);
      member.child = (await spawnMember(config, member.kind, member.instance, member.port, o.databaseUrl)).child;
    },
    async auditVerify() {
      // asynchronously: the balancers in this process must keep answering the command's requests
      const child = spawn(process.execPath, ['bin/portti.js', 'audit', 'verify', '--config', config], {
        env: { ...process.env, DATABASE_URL: o.databaseUrl ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      return { code, out };
    },
    async close() {
      for (const b of balancers) await b.close().catch(() => undefined);
      await Promise.all(
        [...gateways, ...operators].map(async (m) => {
          if (m.child.exitCode !== null || m.child.signalCode !== null) return;
          const exited = new Promise((r) => m.child.once('exit', r));
          m.child.kill('SIGTERM');
          const timer = setTimeout(() => m.child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      await upstream?.cut();
      await demo.close();
    },
  };
  return cluster;
}
