/**
 * Composition of one Access Gateway: store, keys, operator directory, consent replica
 * and feeds, access log and reporter, and the HTTP routes. The one place where the
 * gateway's parts are wired together.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { AccessLog } from '../audit/access-log.ts';
import type { GatewayConfig } from '../shared/config.schema.ts';
import { createHttpServer } from '../shared/http-server.ts';
import { createDpopKey, createDpopProof } from '../shared/oauth/dpop.ts';
import { MemoryReplayCache, type ReplayCache } from '../shared/oauth/replay-cache.ts';
import { migrateToLatest, ping, type Store } from '../store/database.ts';
import { loadSigningKeys, publicJwks, type SigningKey } from '../store/keys.ts';
import { createAccessHandler } from './access-handler.ts';
import { AccessReporter } from './reports/access-reporter.ts';
import { ConsentFeedClient } from './consent/consent-feed-client.ts';
import { ConsentReplica } from './consent/consent-replica.ts';
import { gatewayMigrations, type GatewayDatabase } from './gateway.tables.ts';
import { OperatorDirectory } from './operators/operator-directory.ts';
import { compileSources } from './source-registry.ts';
import { AccessTokenVerifier } from './token/token-verifier.ts';
import { StoreReplayCache } from './token/store-replay-cache.ts';
import { mtlsListener } from '../shared/mtls.ts';
import { TrustGroupWatcher } from './trust-group-watcher.ts';
import { registerGatewayMetadataRoutes } from './metadata.routes.ts';

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
    name: `portti-gateway (${config.name})`,
    description: 'Portti Access Gateway: consented, attribute-filtered access to unchanged data sources.',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    bodyLimit: 16 * 1024,
  });
  app.addReadinessCheck('store', () => ping(store));

  const dpopKey = await createDpopKey();
  const directory = new OperatorDirectory(config.operators, dpopKey, (clientId) => ({
    clientId,
    key: { privateKey: signingKey().privateKey, alg: signingKey().alg, kid: signingKey().kid },
  }));
  const replica = new ConsentReplica(store.db, config.feed_stale_after_ms);
  await replica.load();
  const accessLog = new AccessLog({
    db: store.db,
    chain: `${config.name}/${options.instance ?? 'main'}`,
    checkpointEvery: config.checkpoint_every,
    signingKey,
  });
  await accessLog.open();
  const reporter = new AccessReporter({
    db: store.db,
    chain: accessLog.chain,
    directory,
    intervalMs: config.report_interval_ms,
    log: app.log,
  });
  accessLog.onAppend = () => reporter.poke();

  const sources = compileSources(config.public_url, config.sources);
  const feeds = new Map<string, ConsentFeedClient>();
  const trustGroup = config.trust_group
    ? new TrustGroupWatcher(
        config.trust_group,
        sources,
        config.operators.map((o) => o.issuer),
        app.log,
      )
    : undefined;
  if (trustGroup) await trustGroup.reload();
  let background = false;
  /** (Re)creates the feed of every operator admitted somewhere; stops the others. */
  const syncFeeds = () => {
    for (const op of config.operators) {
      const served = [...sources.values()].filter((s) => s.admitted.has(op.issuer)).map((s) => s.resource);
      const existing = feeds.get(op.issuer);
      const same = existing && existing.sources.join() === served.join();
      if (same) continue;
      if (existing) void existing.stop();
      feeds.delete(op.issuer);
      if (served.length === 0 && trustGroup) continue;
      const feed = new ConsentFeedClient({
        issuer: op.issuer,
        sources: served,
        directory,
        replica,
        staleAfterMs: config.feed_stale_after_ms,
        log: app.log,
      });
      feeds.set(op.issuer, feed);
      if (background) feed.start();
    }
  };
  syncFeeds();
  if (trustGroup) trustGroup.onChange = () => syncFeeds();

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
      for (const [iss, f] of feeds) this.set({ issuer: iss }, f.isFresh() ? 1 : 0);
    },
  });

  /** RFC 7662 at the operator, authenticated with the gateway's own DPoP-bound API token. */
  const introspect = async (iss: string, token: string): Promise<boolean> => {
    const { metadata } = await directory.resolve(iss);
    if (!metadata.introspection_endpoint) return false;
    const apiToken = await directory.gatewayToken(iss);
    const res = await fetch(metadata.introspection_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `DPoP ${apiToken}`,
        dpop: await createDpopProof(dpopKey, 'POST', metadata.introspection_endpoint, apiToken),
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { active?: boolean };
    return body.active === true;
  };

  const mtls = mtlsListener(app, config.mtls);
  const replay = options.replay ?? (config.replay_cache === 'store' ? new StoreReplayCache(store.db) : new MemoryReplayCache());
  const handler = createAccessHandler({
    publicOrigin: new URL(config.public_url).origin,
    sources,
    verifier: new AccessTokenVerifier(directory, { clockSkewS: config.clock_skew_s, maxLifetimeS: 300 }),
    replica,
    isFresh: (iss) => feeds.get(iss)?.isFresh() ?? false,
    introspect: async (iss, token) => {
      try {
        return await introspect(iss, token);
      } catch {
        return false;
      }
    },
    accessLog,
    replay,
    dpopMaxAgeS: config.dpop_max_age_s,
    clockSkewS: config.clock_skew_s,
    onDecision: (outcome, code) => decisions.inc({ outcome, code }),
  });

  app.get(
    '/sources/:source/*',
    {
      schema: {
        summary: "Read a person's consented attributes from a source",
        description:
          "Requires `Authorization: DPoP <RFC 9068 token>` and a `DPoP` proof. The response is the source's JSON filtered to the consented attributes.",
        tags: ['access'],
        params: {
          type: 'object',
          properties: { source: { type: 'string', maxLength: 64 }, '*': { type: 'string', maxLength: 128 } },
          required: ['source', '*'],
        },
        querystring: {
          type: 'object',
          properties: {
            subject: { type: 'string', maxLength: 128, description: 'party reference when the record has several data subjects' },
            attributes: { type: 'string', maxLength: 1024, description: 'comma-separated subset of attributes' },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', additionalProperties: true },
          401: { $ref: 'Problem#' },
          403: { $ref: 'Problem#' },
        },
      },
    },
    handler,
  );

  registerGatewayMetadataRoutes(app, { config, sources, jwks: () => publicJwks(keys) });
  app.get('/status/feeds', { schema: { hide: true } }, async () => [...feeds.values()].map((f) => f.status()));

  return {
    app,
    trustGroup,
    store,
    replica,
    accessLog,
    reporter,
    directory,
    feeds,
    keys: () => keys,
    startBackground() {
      background = true;
      for (const f of feeds.values()) f.start();
      reporter.start();
      trustGroup?.start();
    },
    listenMtls: () => mtls.listen(),
    async close() {
      trustGroup?.stop();
      await mtls.close();
      for (const f of feeds.values()) await f.stop();
      await reporter.stop();
      await app.close();
      await accessLog.flush();
      for (const s of sources.values()) await s.upstream.close();
      if (replay instanceof StoreReplayCache) replay.close();
      keys = [];
    },
  };
}
