/**
 * HAProxy in front of one component's instances (`portti start --instances N --balancer haproxy`):
 * Debian's `haproxy -f deploy/haproxy.cfg -db` as an unprivileged foreground child, the very
 * configuration file a production deployment uses, its addresses given in the environment
 * (`PORTTI_<KIND>_BIND`, `PORTTI_<KIND>_1..n`). HAProxy health-checks every instance on
 * `GET /readyz` and skips one that refuses connections.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Balancer } from './balancer.ts';

/** The production HAProxy configuration, `deploy/haproxy.cfg`. */
export const HAPROXY_CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

/** What to do when HAProxy is missing, for error messages. */
export const HAPROXY_INSTALL_HINT = 'install it: apt-get install haproxy';

type Kind = 'gateway' | 'operator';

/**
 * The haproxy executable: on PATH, or in the sbin folders Debian installs it to (not on a
 * normal user's PATH); undefined when it is not installed.
 */
export function findHaproxy(path = process.env.PATH ?? ''): string | undefined {
  const dirs = [...path.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const file = join(dir, 'haproxy');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** How many instances of a kind the configuration file has server slots for (`PORTTI_GATEWAY_<n>`). */
export function haproxySlots(kind: Kind, file = HAPROXY_CONFIG): number {
  const re = new RegExp(`^\\s*server\\s+\\S+\\s+"\\$\\{PORTTI_${kind.toUpperCase()}_(\\d+)\\}"`, 'gm');
  const slots = [...readFileSync(file, 'utf8').matchAll(re)].map((m) => Number(m[1]));
  let n = 0;
  while (slots.includes(n + 1)) n += 1;
  return n;
}

/** `host:port` as HAProxy reads an address (an IPv6 host ends at the last colon). */
function address(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * The environment `deploy/haproxy.cfg` reads for one component: its public address and its
 * instances. Variables of the other kind (and stray ones of this kind) are removed from `base`.
 */
export function haproxyEnv(kind: Kind, host: string, port: number, backends: string[], base: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!/^PORTTI_(OPERATOR|GATEWAY)_/.test(k)) env[k] = v;
  const prefix = `PORTTI_${kind.toUpperCase()}`;
  env[`${prefix}_BIND`] = address(host, port);
  backends.forEach((b, i) => (env[`${prefix}_${i + 1}`] = b));
  return env;
}

/** What `startHaproxy` needs: the component, its configured address and its instances' ports on 127.0.0.1. */
export interface HaproxyOptions {
  kind: Kind;
  component: string;
  host: string;
  port: number;
  backends: number[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for HAProxy to answer `GET /readyz` through an instance; default 15 s. */
  readyTimeoutMs?: number;
}

/**
 * Throws when host:port is taken. HAProxy would fail on it too, but only after a probe may
 * already have been answered by whatever holds the address.
 */
async function assertFree(name: string, host: string, port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(`${name} cannot listen on ${address(host, port)}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : err.message}`),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Alert lines of HAProxy's output, for an error message (its notices say nothing useful). */
function alerts(out: string): string {
  const lines = out.split('\n').filter((l) => /\[(ALERT|WARNING)\]/.test(l));
  return (lines.length > 0 ? lines : out.split('\n').slice(-5)).join('\n').trim();
}

/**
 * Starts HAProxy for one component on its configured address and resolves once a request
 * through it reaches a ready instance; `close` stops it (SIGTERM, an immediate stop).
 */
export async function startHaproxy(options: HaproxyOptions): Promise<Balancer> {
  const { kind, component, host, port } = options;
  const name = `the HAProxy balancer of ${kind} ${component}`;
  const bin = findHaproxy(options.env?.PATH);
  if (!bin) throw new Error(`${name} cannot start: haproxy is not installed (${HAPROXY_INSTALL_HINT})`);
  await assertFree(name, host, port);
  const backends = options.backends.map((p) => address('127.0.0.1', p));
  const env = haproxyEnv(kind, host, port, backends, options.env ?? process.env);
  const child = spawn(bin, ['-f', HAPROXY_CONFIG, '-db'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (out.length < 20_000) out += d.toString();
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`${name} could not run ${bin}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`${name} exited with ${signal ?? `code ${code}`}:\n${alerts(out)}`));
  });
  let stopped = false;
  const close = async () => {
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const probe = `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${port}/readyz`;
  const ready = (async () => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
    while (!stopped && Date.now() < deadline) {
      const status = await fetch(probe, { signal: AbortSignal.timeout(2000) }).then(
        async (res) => (await res.arrayBuffer(), res.status),
        () => 0,
      );
      if (status === 200) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    return `${name} did not reach a ready instance at ${probe} within ${(options.readyTimeoutMs ?? 15_000) / 1000} s:\n${alerts(out)}`;
  })();
  const failure = await Promise.race([ready, exited]);
  if (failure !== undefined) {
    await close();
    throw new Error(failure);
  }
  return { url, close };
}
