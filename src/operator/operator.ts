/**
 * Composition of one operator: store, keys, registry, consent service, authorization
 * server, APIs for services, gateways, citizens and admins, the dashboard pages, and the
 * background jobs (webhooks, expiry). The one place where the operator is wired.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { parseConfigText } from '../shared/config-loader.ts';
import type { OperatorConfig } from '../shared/config.schema.ts';
import { createHttpServer } from '../shared/http-server.ts';
import { MemoryReplayCache } from '../shared/oauth/replay-cache.ts';
import { migrateToLatest, ping, type Store } from '../store/database.ts';
import { loadSigningKeys, publicJwks, rotateSigningKey, type SigningKey } from '../store/keys.ts';
import { Accounts } from './accounts/accounts.ts';
import { Arrangements } from './arrangements/arrangements.ts';
import { registerArrangementRoutes } from './arrangements/arrangements.routes.ts';
import { Portability } from './portability/portability.ts';
import { registerPortabilityRoutes } from './portability/portability.routes.ts';
import { registerAdminRoutes } from './registry/admin.routes.ts';
import { ApiAuthenticator } from './oauth/api-auth.ts';
import { AuthorizationServer } from './oauth/authorization-server.ts';
import { registerCitizenApiRoutes } from './citizen/citizen-api.routes.ts';
import { CitizenService } from './citizen/citizen.service.ts';
import { ConsentService, type SubjectRef } from './consent/consent.service.ts';
import { registerFeedRoutes } from './consent/feed.routes.ts';
import { registerInteractionRoutes } from './oauth/interaction.routes.ts';
import { registerLoginRoutes } from './accounts/login.routes.ts';
import { createOidcAdapter, sweepOidcStore } from './oauth/oidc-adapter.ts';
import { operatorMigrations, type OperatorDatabase } from './operator.tables.ts';
import { registerDashboardRoutes } from './citizen/dashboard.routes.ts';
import { registerDatastoreRoutes } from './datastore/datastore.routes.ts';
import { PdsClient } from './datastore/pds-client.ts';
import { Insight } from './citizen/insight.ts';
import { Registry } from './registry/registry.ts';
import { RegistryFileSchema } from './registry/registry.schema.ts';
import { registerServiceApiRoutes } from './consent/service-api.routes.ts';
import { Sessions } from './accounts/sessions.ts';
import { createWebContext } from './citizen/web-context.ts';
import { WebhookSender } from './consent/webhooks.ts';
import { mtlsListener } from '../shared/mtls.ts';
import { TrustGroupLoader } from '../trust/trust-group-loader.ts';

export interface OperatorOptions {
  config: OperatorConfig;
  store: Store<OperatorDatabase>;
  logLevel?: string;
  /** Resolves guardians of a person (the demo reads the population register). */
  guardiansOf?: (subject: SubjectRef) => Promise<SubjectRef[]>;
  /** Environment for `${VAR}` references in registry files (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Intervals of background jobs (tests shorten them). */
  expiryIntervalMs?: number;
}

export interface Operator {
  app: FastifyInstance;
  registry: Registry;
  consents: ConsentService;
  accounts: Accounts;
  arrangements: Arrangements;
  portability: Portability;
  /** What a signed-in citizen sees (the scale bench times it directly). */
  citizens: CitizenService;
  keys: () => SigningKey[];
  webhooks: WebhookSender;
  startBackground(): void;
  /** Starts the mutual-TLS listener when configured; returns its URL. */
  listenMtls(): Promise<string | undefined>;
  close(): Promise<void>;
}

const CONSENT_CHANNEL = 'portti_consent_events';

/** LISTENs for consent changes committed by other instances and replays them on the local emitter. */
async function listenForConsentEvents(pool: import('pg').Pool, consents: ConsentService, log: import('fastify').FastifyBaseLogger) {
  const client = await pool.connect();
  client.on('notification', (msg) => {
    if (msg.channel === CONSENT_CHANNEL) consents.emit('event', Number(msg.payload));
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'consent notification listener failed; feeds fall back to their 2 s re-read'));
  await client.query(`LISTEN ${CONSENT_CHANNEL}`);
  return {
    async close() {
      await client.query(`UNLISTEN ${CONSENT_CHANNEL}`).catch(() => undefined);
      client.release();
    },
  };
}

/** Loads a registry file (YAML/JSON) with file/line errors; `${ENV}` references expand from `env`. */
export function loadRegistryFile(file: string, env: NodeJS.ProcessEnv = process.env) {
  return parseConfigText(file, readFileSync(file, 'utf8'), RegistryFileSchema, env);
}

/** Builds an operator; call `app.listen` and then `startBackground()`. */
export async function createOperator(options: OperatorOptions): Promise<Operator> {
  const { config, store } = options;
  const issuer = config.issuer.replace(/\/$/, '');
  await migrateToLatest(store, operatorMigrations);
  let keys = await loadSigningKeys(store.db);
  const signingKey = () => keys[0] as SigningKey;
  const jwks = () => publicJwks(keys);

  const registry = new Registry(store.db, issuer);
  await registry.refreshJwksUris();
  for (const file of config.registry_files) await registry.apply(loadRegistryFile(resolve(file), options.env));
  // a trust group, when configured, bounds the sources this operator issues tokens and feeds for
  let trustGroup: TrustGroupLoader | undefined;
  const inGroup = (resource: string) => !trustGroup || trustGroup.admits(issuer, resource);
  const trustGroupsFor = (resources: string[]) =>
    trustGroup?.current && resources.length > 0 && resources.every((r) => trustGroup!.admits(issuer, r))
      ? [trustGroup.current.group_id]
      : [];
  const arrangements = new Arrangements({ db: store.db, registry, trustGroupsFor });
  const consents = new ConsentService({
    db: store.db,
    registry,
    issuer,
    operatorName: config.display_name.en,
    signingKey,
    dialect: store.dialect,
    arrangements,
    ...(options.guardiansOf ? { guardiansOf: options.guardiansOf } : {}),
  });
  const accounts = new Accounts(store.db);
  const app = await createHttpServer({
    name: `portti-operator (${config.name})`,
    description: 'Portti MyData operator: authorization server, consent records, consent feed, citizen API.',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  app.addReadinessCheck('store', () => ping(store));
  if (config.trust_group) {
    trustGroup = new TrustGroupLoader(config.trust_group, app.log);
    await trustGroup.reload();
  }
  const as = new AuthorizationServer({
    issuer,
    registry,
    consents,
    keys: () => keys,
    cookieKeys: [config.cookie_secret],
    accessTokenTtlS: config.access_token_ttl_s,
    adapter: createOidcAdapter(store.db, (id) => registry.clientMetadata(id)) as never,
    interactionUrl: (uid) => `/interaction/${uid}`,
    trustedFetch: (url) => registry.isRegisteredJwksUri(url),
    inGroup,
    ...(config.mtls ? { mtlsUrl: config.mtls.public_url.replace(/\/$/, '') } : {}),
    pairwiseSubject: (accountId, clientId) => accounts.pairwiseSubject(accountId, clientId, `pairwise|${config.cookie_secret}`),
    onError: (event, err) =>
      app.log.info(
        {
          event,
          error: err.message,
          detail: err.error_description,
          cause: err.cause?.message,
          cause_detail: (err.cause as { error_description?: string } | undefined)?.error_description,
        },
        'oauth request refused',
      ),
  });

  // oidc-provider owns /oauth/* and the discovery documents; it reads the raw body itself.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    const handoff = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      reply.hijack();
      as.handle(request.raw, reply.raw);
    };
    scope.all('/oauth/*', { schema: { hide: true } }, handoff);
    scope.get('/.well-known/openid-configuration', { schema: { hide: true } }, handoff);
    scope.get(
      '/.well-known/oauth-authorization-server',
      { schema: { summary: 'RFC 8414 authorization server metadata', tags: ['metadata'] } },
      handoff,
    );
  });

  const replay = new MemoryReplayCache();
  const auth = new ApiAuthenticator(issuer, jwks, replay, config.mtls?.public_url);
  const sessions = new Sessions(store.db, issuer.startsWith('https://'));
  const web = createWebContext(config.display_name);
  const citizens = new CitizenService(store.db, accounts, consents, store.dialect);
  const portability = new Portability({
    db: store.db,
    issuer,
    signingKey,
    accounts,
    consents,
    registry,
    arrangements,
    trustGroup: () => trustGroup?.current,
    log: app.log,
  });
  const webhooks = new WebhookSender({ db: store.db, issuer, signingKey, maxAttempts: config.webhook_max_attempts, log: app.log });

  await app.register(async (scope) => {
    await scope.register(cookie, { secret: config.cookie_secret });
    await scope.register(formbody);
    await scope.register(fastifyStatic, {
      root: resolve(import.meta.dirname, '../../web/assets'),
      prefix: '/assets/',
      decorateReply: false,
      cacheControl: true,
      maxAge: 3600_000,
    });
    registerFeedRoutes(scope, { db: store.db, auth, registry, consents, inGroup });
    registerServiceApiRoutes(scope, { db: store.db, auth, consents, issuer, jwks });
    registerAdminRoutes(scope, {
      db: store.db,
      registry,
      consents,
      adminToken: config.admin_token,
      rotateKeys: async () => {
        const kid = await rotateSigningKey(store.db);
        keys = await loadSigningKeys(store.db);
        as.reload();
        return kid;
      },
    });
    registerLoginRoutes(scope, { issuer, providers: config.identity_providers, accounts, sessions });
    registerInteractionRoutes(scope, { as, sessions, accounts, consents, registry, web });
    registerCitizenApiRoutes(scope, { sessions, accounts, citizens });
    registerArrangementRoutes(scope, { sessions, arrangements, registry, web, trustGroupId: () => trustGroup?.current?.group_id });
    await scope.register(async (inner) =>
      registerPortabilityRoutes(inner, {
        sessions,
        portability,
        web,
        issuer,
        peers: () =>
          (trustGroup?.current?.members ?? []).filter((m) => m.issuer !== issuer).map((m) => ({ issuer: m.issuer, name: m.name })),
      }),
    );
    const insight = new Insight({ issuer, registry, consents, keys: () => keys });
    registerDashboardRoutes(scope, { sessions, accounts, citizens, registry, web, providers: config.identity_providers, insight });
    const pds = config.personal_data_store ? new PdsClient({ url: config.personal_data_store.url, issuer, keys: () => keys }) : undefined;
    registerDatastoreRoutes(scope, { sessions, accounts, web, ...(pds ? { pds } : {}) });
  });

  // several operator instances on one PostgreSQL: every instance's feed hears every change
  const listener = store.pool ? await listenForConsentEvents(store.pool, consents, app.log) : undefined;
  if (store.pool)
    consents.on(
      'committed',
      (seq: number) => void sql`select pg_notify(${CONSENT_CHANNEL}, ${String(seq)})`.execute(store.db).catch(() => undefined),
    );

  let expiryTimer: NodeJS.Timeout | undefined;
  const mtls = mtlsListener(app, config.mtls);
  return {
    app,
    registry,
    consents,
    accounts,
    arrangements,
    portability,
    citizens,
    keys: () => keys,
    webhooks,
    startBackground() {
      webhooks.start();
      portability.start();
      trustGroup?.start();
      expiryTimer = setInterval(() => {
        consents.expireDue().catch((err: Error) => app.log.warn({ err: err.message }, 'expiry run failed'));
        sweepOidcStore(store.db).catch(() => undefined);
        store.db
          .deleteFrom('web_sessions')
          .where('expires_at', '<', Date.now())
          .execute()
          .catch(() => undefined);
      }, options.expiryIntervalMs ?? 1000);
    },
    listenMtls: () => mtls.listen(),
    async close() {
      trustGroup?.stop();
      await mtls.close();
      clearInterval(expiryTimer);
      await webhooks.stop();
      await portability.stop();
      await app.close();
      await listener?.close();
    },
  };
}
