/**
 * Composition of one Access Gateway: store, keys, operator directory and client, consent
 * replica and feeds, access log and reporter, and the HTTP routes. The one place where the
 * gateway's parts are wired together.
 */
import { apiErrorPage } from '../web/api-error-page.ts';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { AccessLog } from '../audit/access-log.ts';
import { chainId, logOrigin } from '../audit/log-origin.ts';
import type { AccessOutcome } from '../audit/access-record.ts';
import type { GatewayConfig } from '../shared/gateway.schema.ts';
import { createHttpServer } from '../shared/http-server.ts';
import { mtlsListener } from '../shared/oauth/mtls.ts';
import { createDpopKey } from '../shared/oauth/dpop.ts';
import { MemoryReplayCache, type ReplayCache } from '../shared/oauth/replay-cache.ts';
import { migrateToLatest, ping, type Store } from '../store/database.ts';
import { loadSigningKeys, publicJwks, type SigningKey } from '../store/keys.ts';
import { ResidueEraser } from '../store/residue.ts';
import { createAccessHandler } from './access-handler.ts';
import { registerAccessRoute } from './access.routes.ts';
import { documentSources } from './access.openapi.ts';
import type { ConsentFeedClient } from './consent/consent-feed-client.ts';
import { ConsentFeeds } from './consent/consent-feeds.ts';
import { ConsentReplica } from './consent/consent-replica.ts';
import { gatewayMigrations, type GatewayDatabase } from './gateway.tables.ts';
import { registerGatewayMetadataRoutes } from './metadata.routes.ts';
import { OperatorClient } from './operators/operator-client.ts';
import { OperatorDirectory } from './operators/operator-directory.ts';
import { AccessReporter } from './reports/access-reporter.ts';
import { compileSources, type CompiledSource } from './source-registry.ts';
import { isTokenActive } from './token/introspection.ts';
import { RevocationList } from './token/revocation-list.ts';
import { StoreReplayCache } from './token/store-replay-cache.ts';
import { AccessTokenVerifier } from './token/token-verifier.ts';
import { TrustGroupWatcher } from './trust-group-watcher.ts';

/** What a gateway is built from. */
export interface GatewayOptions {
  config: GatewayConfig;
  store: Store<GatewayDatabase>;
  logLevel?: string;
  /** Chain id of this instance's access log (one writer per chain). */
  instance?: string;
  replay?: ReplayCache;
}

/** A running gateway's handles, for the CLI, tests and benchmarks. */
export interface Gateway {
  app: FastifyInstance;
  /** The trust-group watcher, when the gateway is configured with a trust group. */
  trustGroup: TrustGroupWatcher | undefined;
  store: Store<GatewayDatabase>;
  replica: ConsentReplica;
  /** Tokens the operators revoked, from their feeds. */
  revocations: RevocationList;
  accessLog: AccessLog;
  reporter: AccessReporter;
  directory: OperatorDirectory;
  feeds: Map<string, ConsentFeedClient>;
  keys: () => SigningKey[];
  /** Starts feeds and the reporter (after the operators can be reached). */
  startBackground(): void;
  /** Starts the mutual-TLS listener when configured; returns its URL. */
  listenMtls(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Builds a gateway; call `app.listen` and then `startBackground()`. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, store } = options;
  await migrateToLatest(store, gatewayMigrations);
  let keys = await loadSigningKeys(store.db);
  const signingKey = () => keys[0] as SigningKey;
  const app = await createHttpServer({
    ...{ name: `portti-gateway (${config.name})`, errorPage: apiErrorPage('Portti access gateway') },
    description: 'Portti Access Gateway: consented, attribute-filtered access to unchanged data sources.',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    bodyLimit: 16 * 1024,
    openapi: {
      finish: (document) =>
        documentSources(
          sources,
          config.operators.map((o) => o.issuer),
        )(document),
    },
  });
  app.addReadinessCheck('store', () => ping(store));

  const directory = new OperatorDirectory(config.operators, await createDpopKey(), (clientId) => ({
    clientId,
    key: { privateKey: signingKey().privateKey, alg: signingKey().alg, kid: signingKey().kid },
  }));
  const operators = new OperatorClient(directory);
  const residue = new ResidueEraser(store, app.log);
  const replica = new ConsentReplica(store.db, config.feed_stale_after_ms, () => residue.request());
  await replica.load();
  const revocations = new RevocationList(store.db, config.clock_skew_s);
  await revocations.load();
  const { accessLog, reporter } = await openAccessLog(options, operators, signingKey, app.log);
  const sources = compileSources(config.public_url, config.sources);
  const trustGroup = await watchTrustGroup(config, sources, app.log);
  const feeds = new ConsentFeeds({
    issuers: config.operators.map((o) => o.issuer),
    sources,
    operators,
    replica,
    revocations,
    staleAfterMs: config.feed_stale_after_ms,
    dropUnadmitted: trustGroup !== undefined,
    log: app.log,
  });
  if (trustGroup) trustGroup.onChange = () => feeds.sync();

  const mtls = mtlsListener(app, config.mtls);
  const replay = options.replay ?? (config.replay_cache === 'store' ? new StoreReplayCache(store.db) : new MemoryReplayCache());
  const handler = createAccessHandler({
    publicOrigin: new URL(config.public_url).origin,
    sources,
    verifier: new AccessTokenVerifier(directory, { clockSkewS: config.clock_skew_s, maxLifetimeS: 300, revocations }),
    replica,
    isFresh: (iss) => feeds.isFresh(iss),
    introspect: (iss, token) => isTokenActive(operators, iss, token),
    accessLog,
    replay,
    dpopMaxAgeS: config.dpop_max_age_s,
    clockSkewS: config.clock_skew_s,
    onDecision: registerMetrics(app, feeds),
  });
  registerAccessRoute(app, handler);
  registerGatewayMetadataRoutes(app, { config, sources, jwks: () => publicJwks(keys) });
  app.get('/status/feeds', { schema: { hide: true } }, async () => [...feeds.byIssuer.values()].map((f) => f.status()));

  let closing: Promise<void> | undefined;
  return {
    app,
    trustGroup,
    store,
    replica,
    revocations,
    accessLog,
    reporter,
    directory,
    feeds: feeds.byIssuer,
    keys: () => keys,
    startBackground() {
      feeds.start();
      reporter.start();
      accessLog.startCheckpoints();
      trustGroup?.start();
    },
    listenMtls: () => mtls.listen(),
    close() {
      // idempotent: a second call waits for the first
      closing ??= (async () => {
        trustGroup?.stop();
        await mtls.close();
        await feeds.stop();
        await app.close();
        await accessLog.flush();
        await reporter.stop();
        await closeSources(sources);
        if (replay instanceof StoreReplayCache) replay.close();
        await residue.stop();
        keys = [];
      })();
      return closing;
    },
  };
}

/** This instance's access log, and the reporter it wakes after every record. */
async function openAccessLog(
  options: GatewayOptions,
  operators: OperatorClient,
  signingKey: () => SigningKey,
  log: FastifyBaseLogger,
): Promise<{ accessLog: AccessLog; reporter: AccessReporter }> {
  const { config, store } = options;
  const chain = chainId(config.name, options.instance ?? 'main');
  const accessLog = new AccessLog({
    db: store.db,
    chain,
    origin: logOrigin(config.public_url, chain),
    checkpointIntervalMs: config.checkpoint_interval_ms,
    signingKey,
  });
  await accessLog.open();
  const reporter = new AccessReporter({ db: store.db, accessLog, operators, intervalMs: config.report_interval_ms, log });
  accessLog.onAppend = () => reporter.poke();
  accessLog.onCheckpoint = () => reporter.poke();
  return { accessLog, reporter };
}

/** The trust-group watcher, loaded once, when the gateway is configured with a trust group. */
async function watchTrustGroup(
  config: GatewayConfig,
  sources: Map<string, CompiledSource>,
  log: FastifyBaseLogger,
): Promise<TrustGroupWatcher | undefined> {
  if (!config.trust_group) return undefined;
  const watcher = new TrustGroupWatcher(
    config.trust_group,
    sources,
    config.operators.map((o) => o.issuer),
    log,
  );
  await watcher.reload();
  return watcher;
}

/** The gateway's Prometheus metrics; returns the decision counter's recorder. */
function registerMetrics(app: FastifyInstance, feeds: ConsentFeeds): (outcome: AccessOutcome, code: string) => void {
  const decisions = new Counter({
    name: 'portti_gateway_decisions_total',
    help: 'Access decisions by outcome and problem code',
    labelNames: ['outcome', 'code'],
    registers: [app.metrics],
  });
  new Gauge({
    name: 'portti_gateway_feed_fresh',
    help: '1 when the consent feed of an operator is connected and fresh',
    labelNames: ['issuer'],
    registers: [app.metrics],
    collect() {
      for (const [iss, f] of feeds.byIssuer) this.set({ issuer: iss }, f.isFresh() ? 1 : 0);
    },
  });
  return (outcome, code) => decisions.inc({ outcome, code });
}

async function closeSources(sources: Map<string, CompiledSource>): Promise<void> {
  for (const s of sources.values()) await s.upstream.close();
}
