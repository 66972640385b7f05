/**
 * Several instances of every gateway and operator on one PostgreSQL (`portti start --instances N`).
 * Each instance is its own process (`portti gateway|operator --name X --port P --instance I`)
 * on an ephemeral port; a balancer takes each component's configured address, so issuers,
 * resource URIs and registered JWKS URLs stay those of the configuration: the built-in one
 * (`balancer.ts`, a development convenience) or HAProxy with `deploy/haproxy.cfg`, the
 * production configuration (`haproxy.ts`). The demo registers and identity providers, when
 * configured, run in this process.
 *
 * The first instance of a component starts alone (it migrates the schema and creates the
 * signing keys), then the others. Operators start before gateways, whose consent feeds and
 * access reports then go through the operators' balancers to any instance: changes reach
 * every instance through PostgreSQL LISTEN/NOTIFY, access reports land in the shared table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PorttiConfig } from '../shared/config.schema.ts';
import type { DemoWorld } from '../demo/demo-world.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { startHaproxy } from './haproxy.ts';
import type { RunningSystem } from './system.ts';
import { freePort } from './free-port.ts';

const PORTTI_BIN = fileURLToPath(new URL('../../bin/portti.js', import.meta.url));

/** One running instance process. */
export interface InstanceProcess {
  kind: 'gateway' | 'operator';
  component: string;
  instance: number;
  url: string;
  child: ChildProcess;
}

/** Which balancer takes each component's address: the built-in one (development) or HAProxy (deploy/haproxy.cfg). */
export type BalancerKind = 'builtin' | 'haproxy';

/** Options of `runInstances`. */
export interface InstancesOptions {
  /** Default `builtin`. */
  balancer?: BalancerKind;
  env?: NodeJS.ProcessEnv;
}

/** The instance processes, their balancers and the in-process demo world, with one `close`. */
export interface RunningInstances extends Pick<RunningSystem, 'urls' | 'close'> {
  instances: InstanceProcess[];
  balancers: Balancer[];
  demo?: DemoWorld;
}

/** Spawns `portti <kind> --name <component> --port <port>` and waits for its banner. */
async function spawnInstance(
  configFile: string,
  kind: 'gateway' | 'operator',
  component: string,
  instance: number,
  env: NodeJS.ProcessEnv,
): Promise<InstanceProcess> {
  const port = await freePort();
  const args = [PORTTI_BIN, kind, '--config', configFile, '--name', component, '--port', String(port), '--instance', String(instance)];
  if (instance > 1) args.push('--no-mtls');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    if (out.length < 20_000) out += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', (d: Buffer) => {
    collect(d);
    process.stderr.write(d);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${kind} ${component} instance ${instance} did not start within 60 s:\n${out}`)),
      60_000,
    );
    const check = () => {
      if (out.includes('Portti is running')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} ${component} instance ${instance} exited with ${code}:\n${out}`));
    });
  });
  return { kind, component, instance, url: `http://127.0.0.1:${port}`, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `count` instances of every gateway and operator of `config` (loaded from
 * `configFile`), each component behind a balancer on its configured address.
 *
 * @example await runInstances(config, 'portti.yaml', 2, { balancer: 'haproxy' })
 */
export async function runInstances(
  config: PorttiConfig,
  configFile: string,
  count: number,
  options: InstancesOptions = {},
): Promise<RunningInstances> {
  const env = options.env ?? process.env;
  if (!config.database_url) throw new Error('several instances share one PostgreSQL database: set DATABASE_URL (or database_url)');
  const running: RunningInstances = {
    instances: [],
    balancers: [],
    urls: [],
    async close() {
      for (const b of running.balancers) await b.close().catch(() => undefined);
      await Promise.all(running.instances.map((i) => stop(i.child)));
      await running.demo?.close();
    },
  };
  const childEnv = { ...env, DATABASE_URL: config.database_url };
  for (const g of config.gateways.filter((x) => x.replay_cache !== 'store')) {
    process.stderr.write(
      `warning: gateway ${g.name} keeps DPoP proof ids in memory (replay_cache: memory): ` +
        'a proof used at one instance is not a replay at another; set replay_cache: store\n',
    );
  }
  try {
    if (config.demo) {
      // the demo world is loaded only when the configuration has one
      const { startDemo } = await import('../demo/demo-world.ts');
      running.demo = await startDemo(config);
      running.urls.push(...running.demo.urls);
    }
    const components = [
      ...config.operators.map((o) => ({ kind: 'operator' as const, name: o.name, listen: o.listen })),
      ...config.gateways.map((g) => ({ kind: 'gateway' as const, name: g.name, listen: g.listen })),
    ];
    for (const c of components) {
      const first = await spawnInstance(configFile, c.kind, c.name, 1, childEnv);
      const rest = await Promise.all(
        Array.from({ length: count - 1 }, (_, i) => spawnInstance(configFile, c.kind, c.name, i + 2, childEnv)),
      );
      const mine = [first, ...rest];
      running.instances.push(...mine);
      const ports = mine.map((i) => Number(new URL(i.url).port));
      const balancer =
        options.balancer === 'haproxy'
          ? await startHaproxy({ kind: c.kind, component: c.name, host: c.listen.host, port: c.listen.port, backends: ports, env })
          : await startBalancer(c.listen.host, c.listen.port, ports);
      running.balancers.push(balancer);
      const label = options.balancer === 'haproxy' ? 'HAProxy' : 'built-in balancer';
      running.urls.push({ name: `${c.kind} ${c.name} (${label})`, url: balancer.url });
      for (const i of mine) running.urls.push({ name: `  ${c.kind} ${c.name} instance ${i.instance} (pid ${i.child.pid})`, url: i.url });
    }
    return running;
  } catch (err) {
    await running.close();
    throw err;
  }
}
