/**
 * Runs the components a configuration describes in one process: demo registers and
 * identity providers, gateways, operators. Used by `portti start` (everything) and by
 * `portti gateway` / `portti operator` (one component).
 */
import type { FastifyInstance } from 'fastify';
import { storeLocationFor } from '../shared/config.ts';
import type { OperatorConfig, PorttiConfig } from '../shared/config.schema.ts';
import { openStore } from '../store/database.ts';
import { createGateway, type Gateway } from '../gateway/gateway.ts';
import type { GatewayDatabase } from '../gateway/gateway.tables.ts';
import { createOperator, type Operator } from '../operator/operator.ts';
import type { OperatorDatabase } from '../operator/operator.tables.ts';
import type { SubjectRef } from '../operator/consent.service.ts';
import { startDemo, type DemoWorld } from '../demo/demo-world.ts';

export interface RunningSystem {
  gateways: Gateway[];
  operators: Operator[];
  demo?: DemoWorld;
  /** Base URLs of everything that listens, for the start banner. */
  urls: Array<{ name: string; url: string }>;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Only this component (by name); default everything. */
  only?: { kind: 'gateway' | 'operator'; name: string };
  logLevel?: string;
  /** Environment the configuration was loaded with (registry files expand from it too). */
  env?: NodeJS.ProcessEnv;
  /** Listen on this port instead of the configured one (one instance of several). */
  port?: number;
  /** Instance id: the gateway's audit chain is `<name>/<instance>` (default PORTTI_INSTANCE or main). */
  instance?: string;
  /** Start the mutual-TLS listeners (default true; only one instance can hold the port). */
  mtls?: boolean;
}

/** Reads guardians from a population register (`GET /people/{id}/guardians`). */
export function populationRegisterGuardians(baseUrl: string, apiKey?: string) {
  return async (subject: SubjectRef): Promise<SubjectRef[]> => {
    if (subject.identifier_type !== 'fi_hetu') return [];
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/people/${encodeURIComponent(subject.identifier)}/guardians`, {
      headers: apiKey ? { 'x-api-key': apiKey } : {},
      signal: AbortSignal.timeout(5000),
    });
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`guardianship source answered ${res.status}`);
    const body = (await res.json()) as { guardians?: Array<{ personal_identity_code: string }> };
    return (body.guardians ?? []).map((g) => ({ identifier_type: 'fi_hetu', identifier: g.personal_identity_code }));
  };
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
}

/** Starts the configured components; resolves when all listen. */
export async function runSystem(config: PorttiConfig, options: RunOptions = {}): Promise<RunningSystem> {
  const logLevel = options.logLevel ?? config.log_level;
  const wants = (kind: 'gateway' | 'operator', name: string) => !options.only || (options.only.kind === kind && options.only.name === name);
  const urls: RunningSystem['urls'] = [];
  const closers: Array<() => Promise<void>> = [];
  const system: RunningSystem = {
    gateways: [],
    operators: [],
    urls,
    async close() {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    },
  };
  try {
    if (config.demo && !options.only) {
      system.demo = await startDemo(config);
      closers.push(() => system.demo!.close());
      urls.push(...system.demo.urls);
    }
    for (const g of config.gateways.filter((x) => wants('gateway', x.name))) {
      const gatewayStore = await openStore<GatewayDatabase>(storeLocationFor(config, g.name));
      closers.push(() => gatewayStore.close());
      const gateway = await createGateway({ config: g, store: gatewayStore, logLevel, instance: options.instance ?? process.env.PORTTI_INSTANCE ?? 'main' });
      closers.push(() => gateway.close());
      urls.push({ name: `gateway ${g.name}`, url: await listen(gateway.app, g.listen.host, options.port ?? g.listen.port) });
      const mtlsUrl = options.mtls === false ? undefined : await gateway.listenMtls();
      if (mtlsUrl) urls.push({ name: `gateway ${g.name} (mutual TLS)`, url: mtlsUrl });
      system.gateways.push(gateway);
    }
    for (const o of config.operators.filter((x) => wants('operator', x.name))) {
      const operatorStore = await openStore<OperatorDatabase>(storeLocationFor(config, o.name));
      closers.push(() => operatorStore.close());
      const operator = await createOperator({ config: o, store: operatorStore, logLevel, ...guardianship(o), ...(options.env ? { env: options.env } : {}) });
      closers.push(() => operator.close());
      urls.push({ name: `operator ${o.name}`, url: await listen(operator.app, o.listen.host, options.port ?? o.listen.port) });
      const mtlsUrl = options.mtls === false ? undefined : await operator.listenMtls();
      if (mtlsUrl) urls.push({ name: `operator ${o.name} (mutual TLS)`, url: mtlsUrl });
      system.operators.push(operator);
    }
    for (const op of system.operators) op.startBackground();
    for (const gw of system.gateways) gw.startBackground();
    return system;
  } catch (err) {
    await system.close();
    throw err;
  }
}

function guardianship(o: OperatorConfig) {
  return o.guardianship_source ? { guardiansOf: populationRegisterGuardians(o.guardianship_source, process.env.PORTTI_REGISTER_API_KEY ?? 'demo-register-key') } : {};
}
