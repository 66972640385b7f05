/**
 * Runs the components a configuration describes in one process: demo registers and
 * identity providers (loaded only when the configuration has a `demo` block), personal data
 * stores, gateways, operators. Used by `portti start` (everything) and by
 * `portti gateway` / `portti operator` (one component).
 */
import type { FastifyInstance } from 'fastify';
import { storeLocationFor } from '../shared/config.ts';
import type { OperatorConfig, PersonalDataStoreConfig, PorttiConfig } from '../shared/config.schema.ts';
import type { GatewayConfig } from '../shared/gateway.schema.ts';
import { durabilityShortfall, openStore, type Store } from '../store/database.ts';
import { createGateway, type Gateway } from '../gateway/gateway.ts';
import type { GatewayDatabase } from '../gateway/gateway.tables.ts';
import { createOperator, type Operator } from '../operator/operator.ts';
import type { OperatorDatabase } from '../operator/operator.tables.ts';
import { populationRegisterGuardians } from '../operator/guardianship/population-register.ts';
import type { DemoWorld } from '../demo/demo-world.ts';
import { createPersonalDataStore, type PersonalDataStore } from '../pds/pds.ts';
import type { PdsDatabase } from '../pds/pds.tables.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../trust/trust-group.ts';

/** Everything `runSystem` started, with one `close` that stops it in order. */
export interface RunningSystem {
  gateways: Gateway[];
  operators: Operator[];
  personalDataStores: PersonalDataStore[];
  demo?: DemoWorld;
  /** Base URLs of everything that listens, for the start banner. */
  urls: Array<{ name: string; url: string }>;
  close(): Promise<void>;
}

/** What to run and how (the CLI's flags). */
export interface RunOptions {
  /** Only this component (by name); default everything. */
  only?: { kind: 'gateway' | 'operator' | 'pds'; name: string };
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

/** Opens a component's store and says on stderr when the database cannot keep the configured durability. */
async function openComponentStore<DB>(config: PorttiConfig, name: string): Promise<Store<DB>> {
  const store = await openStore<DB>(storeLocationFor(config, name));
  const shortfall = await durabilityShortfall(store).catch(() => undefined);
  if (shortfall) process.stderr.write(`warning: ${name}: ${shortfall}\n`);
  return store;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
}

/** A system being started: what it runs, and how to stop what already started. */
interface Starting {
  config: PorttiConfig;
  options: RunOptions;
  logLevel: string;
  system: RunningSystem;
  /** Closed last, newest first. */
  closers: Array<() => Promise<void>>;
  /** Closed first: gateways stop before operators, so their consent feeds end quietly instead of seeing operators vanish. */
  gatewayClosers: Array<() => Promise<void>>;
}

/** Starts the configured components; resolves when all listen. */
export async function runSystem(config: PorttiConfig, options: RunOptions = {}): Promise<RunningSystem> {
  const wants = (kind: 'gateway' | 'operator' | 'pds', name: string) =>
    !options.only || (options.only.kind === kind && options.only.name === name);
  const closers: Starting['closers'] = [];
  const gatewayClosers: Starting['gatewayClosers'] = [];
  const system: RunningSystem = {
    gateways: [],
    operators: [],
    personalDataStores: [],
    urls: [],
    async close() {
      for (const c of [...gatewayClosers.reverse(), ...closers.reverse()]) await c().catch(() => undefined);
    },
  };
  const run: Starting = { config, options, logLevel: options.logLevel ?? config.log_level, system, closers, gatewayClosers };
  try {
    // the demo world is loaded only when the configuration has one
    if (config.demo && !options.only) await startDemoWorld(run);
    for (const p of config.personal_data_stores.filter((x) => wants('pds', x.name))) await startPersonalDataStore(run, p);
    for (const g of config.gateways.filter((x) => wants('gateway', x.name))) await startGateway(run, g);
    const demoGroup = config.demo?.trust_group && !options.only ? await writeDemoTrustGroup(config) : undefined;
    for (const o of config.operators.filter((x) => wants('operator', x.name))) {
      await startOperator(run, demoGroup && !o.trust_group ? { ...o, trust_group: demoGroup } : o);
    }
    for (const op of system.operators) op.startBackground();
    for (const gw of system.gateways) gw.startBackground();
    return system;
  } catch (err) {
    await system.close();
    throw err;
  }
}

/** The demo registers and identity providers (the demo module is imported only here). */
async function startDemoWorld(run: Starting): Promise<void> {
  const { startDemo } = await import('../demo/demo-world.ts');
  const demo = await startDemo(run.config);
  run.system.demo = demo;
  run.closers.push(() => demo.close());
  run.system.urls.push(...demo.urls);
}

async function startPersonalDataStore(run: Starting, p: PersonalDataStoreConfig): Promise<void> {
  const pdsStore = await openComponentStore<PdsDatabase>(run.config, p.name);
  run.closers.push(() => pdsStore.close());
  const pds = await createPersonalDataStore({ config: p, store: pdsStore, logLevel: run.logLevel });
  run.closers.push(() => pds.close());
  run.system.urls.push({ name: `personal data store ${p.name}`, url: await listen(pds.app, p.listen.host, p.listen.port) });
  run.system.personalDataStores.push(pds);
  const depositor = run.config.demo?.pds_depositor;
  if (run.system.demo && depositor?.store === p.name) await depositDemo(run.config, run.system.demo, p, pds);
}

/** Fills a personal data store with the demo depositor's signed documents. */
async function depositDemo(config: PorttiConfig, demo: DemoWorld, p: PersonalDataStoreConfig, pds: PersonalDataStore): Promise<void> {
  const { demoResidents } = await import('../demo/demo-world.ts');
  const { depositDemoDocuments } = await import('../demo/demo-depositor.ts');
  const depositor = config.demo!.pds_depositor!;
  await depositDemoDocuments({
    pdsUrl: p.public_url,
    pds: pds.service,
    depositorId: depositor.depositor_id,
    jwksFile: depositor.jwks_file,
    category: depositor.category,
    people: demo.people,
    families: demo.families,
    seed: config.demo!.seed,
    optIn: depositor.opt_in,
    residents: demoResidents(demo.people).map((r) => r.personal_identity_code),
  });
}

async function startGateway(run: Starting, g: GatewayConfig): Promise<void> {
  const { options } = run;
  const gatewayStore = await openComponentStore<GatewayDatabase>(run.config, g.name);
  run.gatewayClosers.push(() => gatewayStore.close());
  const gateway = await createGateway({
    config: g,
    store: gatewayStore,
    logLevel: run.logLevel,
    instance: options.instance ?? process.env.PORTTI_INSTANCE ?? 'main',
  });
  run.gatewayClosers.push(() => gateway.close());
  run.system.urls.push({ name: `gateway ${g.name}`, url: await listen(gateway.app, g.listen.host, options.port ?? g.listen.port) });
  const mtlsUrl = options.mtls === false ? undefined : await gateway.listenMtls();
  if (mtlsUrl) run.system.urls.push({ name: `gateway ${g.name} (mutual TLS)`, url: mtlsUrl });
  run.system.gateways.push(gateway);
}

async function startOperator(run: Starting, o: OperatorConfig): Promise<void> {
  const { options } = run;
  const operatorStore = await openComponentStore<OperatorDatabase>(run.config, o.name);
  run.closers.push(() => operatorStore.close());
  const operator = await createOperator({
    config: o,
    store: operatorStore,
    logLevel: run.logLevel,
    ...guardianship(o),
    ...(options.env ? { env: options.env } : {}),
  });
  run.closers.push(() => operator.close());
  run.system.urls.push({ name: `operator ${o.name}`, url: await listen(operator.app, o.listen.host, options.port ?? o.listen.port) });
  const mtlsUrl = options.mtls === false ? undefined : await operator.listenMtls();
  if (mtlsUrl) run.system.urls.push({ name: `operator ${o.name} (mutual TLS)`, url: mtlsUrl });
  run.system.operators.push(operator);
}

/**
 * The demo's trust group: every configured operator is a member and every gateway source admits
 * the operators it lists. A governance key is made once under the data directory and the document
 * re-signed at every start (valid 30 days), so moving between the demo operators works.
 */
async function writeDemoTrustGroup(config: PorttiConfig) {
  const dir = join(config.data_dir, 'trust-group');
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'governance-private.jwk.json');
  const jwksFile = join(dir, 'governance.jwks.json');
  if (!existsSync(keyFile)) {
    const key = await generateGovernanceKey('demo-governance-1');
    writeFileSync(keyFile, JSON.stringify(key.privateJwk), { mode: 0o600 });
    writeFileSync(jwksFile, JSON.stringify(key.jwks));
  }
  const now = Date.now();
  const doc = {
    group_id: 'urn:portti:trust-group:demo',
    name: 'Portti demo group',
    display_name: { fi: 'Portin demoryhmä', sv: 'Porttis demogrupp', en: 'Portti demo group' },
    rulebook: { version: '1.0', url: 'https://portti.dev/rulebook/demo', moved_consents: 'carry_over' as const },
    members: config.operators.map((o) => ({
      issuer: o.issuer.replace(/\/$/, ''),
      name: o.display_name.en,
      display_name: o.display_name,
      metadata_url: `${o.issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`,
    })),
    sources: config.gateways.flatMap((g) =>
      g.sources.map((src) => ({
        resource: `${g.public_url.replace(/\/$/, '')}/sources/${src.id}`,
        admitted: src.admitted_operators.map((i) => i.replace(/\/$/, '')),
      })),
    ),
    issued_at: new Date(now - 60_000).toISOString(),
    expires_at: new Date(now + 30 * 86400_000).toISOString(),
  };
  const file = join(dir, 'group.jws');
  writeFileSync(file, await signTrustGroup(doc, await importGovernanceKey(JSON.parse(readFileSync(keyFile, 'utf8')) as JWK)));
  return { file, governance_jwks_file: jwksFile, refresh_ms: 60_000 };
}

function guardianship(o: OperatorConfig) {
  return o.guardianship_source
    ? { guardiansOf: populationRegisterGuardians(o.guardianship_source, process.env.PORTTI_REGISTER_API_KEY ?? 'demo-register-key') }
    : {};
}
