/**
 * Composition of one operator: store, keys, registry, consent service, authorization server, APIs for services, gateways,
 * citizens and admins, the dashboard pages, and the background jobs (webhooks, expiry). The one place where the operator is wired.
 */
import { resolve } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { OperatorConfig } from '../shared/config.schema.ts';
import { createHttpServer, type ErrorPage } from '../shared/http-server.ts';
import { mtlsListener } from '../shared/oauth/mtls.ts';
import { eraseResidue, migrateToLatest, ping, type Store } from '../store/database.ts';
import { openKeyRing, type KeyRing, type SigningKey } from '../store/keys.ts';
import { Accounts } from './accounts/accounts.ts';
import { Sessions } from './accounts/sessions.ts';
import { Arrangements } from './arrangements/arrangements.ts';
import { CitizenService } from './citizen/citizen.service.ts';
import { pdsClientOf } from './datastore/pds-client.ts';
import { PersonalDataExport } from './export/personal-data-export.ts';
import { createWebContext } from './citizen/web-context.ts';
import { oauthErrorPage, operatorErrorPage } from './citizen/error-pages.ts';
import { ConsentService, type SubjectRef } from './consent/consent.service.ts';
import { WebhookSender } from './webhooks/webhooks.ts';
import { createNotificationsFeature, type NotificationsFeature } from './notifications/notifications-feature.ts';
import { shareConsentEvents } from './feed/instances.ts';
import { API_SCOPES, AuthorizationServer } from './oauth/authorization-server.ts';
import { mountAuthorizationServer } from './oauth/provider.routes.ts';
import { createOidcAdapter } from './oauth/oidc-adapter.ts';
import { sweepOidcStore } from './oauth/oidc-store.repository.ts';
import { TokenRevocations } from './oauth/token-revocations.ts';
import { operatorMigrations, type OperatorDatabase } from './operator.tables.ts';
import { Portability } from './portability/portability.ts';
import { Registry } from './registry/registry.ts';
import { trustScope, type TrustScope } from './registry/trust-scope.ts';
import { loadRegistryFile } from './registry/registry-file.ts';
import { AccessReports } from './transparency/access-reports.ts';
import { Witness } from './witness/witness.ts';
import { registerOperatorRoutes } from './operator.routes.ts';
import { cosignedCheckpoint } from './witness/witness.repository.ts';

/** What an operator is built from. */
export interface OperatorOptions {
  config: OperatorConfig;
  store: Store<OperatorDatabase>;
  logLevel?: string;
  /** Resolves guardians of a person (the demo reads the population register). */
  guardiansOf?: (subject: SubjectRef) => Promise<SubjectRef[]>;
  /** Environment for `${VAR}` references in registry files (default: process.env). */
  env?: NodeJS.ProcessEnv;
  expiryIntervalMs?: number; // tests shorten it
  /** Options of the notifications (tests inject an SMTP transport or a shorter outbox interval). */
  notifications?: Pick<Parameters<typeof createNotificationsFeature>[0], 'transport' | 'mailIntervalMs'>;
}

/** A built operator: its server, its services (tests and the bench use them directly) and its lifecycle. */
export interface Operator {
  app: FastifyInstance;
  store: Store<OperatorDatabase>;
  registry: Registry;
  consents: ConsentService;
  accounts: Accounts;
  arrangements: Arrangements;
  portability: Portability;
  /** What a signed-in citizen sees (the scale bench times it directly). */
  citizens: CitizenService;
  /** The personal-data export (the scale bench times it directly). */
  exports: PersonalDataExport;
  keys: () => SigningKey[];
  webhooks: WebhookSender;
  notifications: NotificationsFeature;
  startBackground(): void;
  /** Starts the mutual-TLS listener when configured; returns its URL. */
  listenMtls(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** What every feature is built on: the configuration, the store, the keys, the registry and the trust group. */
export interface Base {
  options: OperatorOptions;
  config: OperatorConfig;
  db: Kysely<OperatorDatabase>;
  issuer: string;
  keys: KeyRing;
  registry: Registry;
  trust: TrustScope;
  log: FastifyBaseLogger;
}

/** The operator's features, each on the store, wired to the ones it needs. */
function buildFeatures({ options, config, db, issuer, keys, registry, trust, log }: Base, witness: Witness) {
  const { store } = options;
  const accounts = new Accounts(db);
  const arrangements = new Arrangements({ db, registry, accounts, trustGroupsFor: trust.groupsFor });
  const consents = new ConsentService({
    ...{ db, registry, issuer, operatorName: config.display_name.en, signingKey: keys.current, dialect: store.dialect },
    pairwiseSubject: (party, clientId) => accounts.partySubject(party, clientId, `pairwise|${config.cookie_secret}`),
    arrangements,
    ...(options.guardiansOf ? { guardiansOf: options.guardiansOf } : {}),
  });
  const announce = (seq: number) => (consents.emit('event', seq), consents.emit('committed', seq));
  const { dialect } = store;
  // a suspension covers the longest lifetime any configuration allows (a token issued before a change of the ttl too)
  const revocations = new TokenRevocations({ db, dialect, issuer, signingKey: keys.current, registry, accessTokenTtlS: 300, announce });
  const accessReports = new AccessReports(db, store.dialect, (origin, size) => cosignedCheckpoint(db, origin, size));
  const moving = { db, issuer, signingKey: keys.current, accounts, consents, registry, arrangements, accessReports, witness };
  const identityIssuers = config.identity_providers.map((p) => p.issuer);
  const usesBetween = async (id: string, from: string, to: string) =>
    (await citizens.accessLog(id, { from, to, outcome: 'allowed', limit: 1000 })).length;
  const noteDeps = { db, config, issuer, accounts, registry, consents, usesBetween, log };
  const notes = createNotificationsFeature({ ...noteDeps, ...options.notifications });
  const onMoved = (id: string, moveId: string) => notes.notifications.moveCompleted(id, moveId);
  const portability = new Portability({ ...moving, identityIssuers, trustGroup: trust.current, log, onMoved });
  const citizens: CitizenService = new CitizenService({
    ...{ db, accounts, consents, registry, accessReports, history: (id: string) => portability.history(id) },
    forget: [(id: string) => arrangements.forget(id), (id: string) => portability.forget(id), (id: string) => notes.forget(id)],
    eraseResidue: () => eraseResidue(store),
  });
  const webhooks = new WebhookSender({ db, registry, issuer, signingKey: keys.current, maxAttempts: config.webhook_max_attempts, log });
  const sessions = new Sessions(db, issuer.startsWith('https://'));
  const pds = pdsClientOf(config, issuer, keys);
  const parts = { db, issuer, operatorName: config.display_name.en, accounts, citizens, arrangements, accessReports, pds, witness };
  const movedRecords = (id: string) => portability.movedRecords(id);
  const rights = { revocations, pds, exports: new PersonalDataExport({ ...parts, movedRecords }) };
  const web = createWebContext(config.display_name);
  return { registry, accounts, arrangements, consents, accessReports, citizens, portability, webhooks, sessions, web, notes, ...rights };
}
export type Features = ReturnType<typeof buildFeatures>;

/** The authorization server (oidc-provider) over the registry, the consent service and the store. */
function authorizationServer({ config, issuer, db, keys, trust, log }: Base, f: Features, witness: Witness) {
  return new AuthorizationServer({
    issuer,
    witnessKey: witness.verifierKey,
    registry: f.registry,
    consents: f.consents,
    keys: keys.all,
    cookieKeys: [config.cookie_secret],
    accessTokenTtlS: config.access_token_ttl_s,
    adapter: createOidcAdapter(db, (id) => f.registry.clientMetadata(id)) as never,
    interactionUrl: (uid) => `/interaction/${uid}`,
    trustedFetch: (url) => f.registry.isRegisteredJwksUri(url),
    inGroup: trust.inGroup,
    registrationEndpoint: trust.loader ? `${issuer}/oauth/register` : undefined, // RFC 7591 needs the group's governance keys
    ...(config.mtls ? { mtlsUrl: config.mtls.public_url.replace(/\/$/, '') } : {}),
    errorPage: oauthErrorPage(f.web),
    pairwiseSubject: (accountId, clientId) => f.accounts.pairwiseSubject(accountId, clientId, `pairwise|${config.cookie_secret}`),
    onError: (event, err) => log.info({ event, ...oauthErrorFields(err) }, 'oauth request refused'),
  });
}

/** What the log keeps of a refused OAuth request. */
const oauthErrorFields = (err: Error & { error_description?: string; cause?: Error }) => ({
  error: err.message,
  detail: err.error_description,
  cause: err.cause?.message,
  cause_detail: (err.cause as { error_description?: string } | undefined)?.error_description,
});

/** Builds an operator; call `app.listen` and then `startBackground()`. */
export async function createOperator(options: OperatorOptions): Promise<Operator> {
  const { config, store } = options;
  const issuer = config.issuer.replace(/\/$/, '');
  await migrateToLatest(store, operatorMigrations);
  const keys = await openKeyRing(store.db);
  const registry = new Registry(store.db, issuer);
  await registry.refreshJwksUris();
  for (const file of config.registry_files) await registry.apply(loadRegistryFile(resolve(file), options.env));
  const pages: { error?: ErrorPage } = {};
  const app = await createHttpServer({
    ...{ name: `portti-operator (${config.name})`, openapi: { tokenUrl: `${issuer}/oauth/token`, scopes: API_SCOPES } },
    errorPage: async (request, reply, problem) => pages.error?.(request, reply, problem),
    description: 'Portti MyData operator: authorization server, consent records, consent feed, citizen API.',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  app.addReadinessCheck('store', () => ping(store));
  const trust = await trustScope(config, issuer, app.log);
  const base: Base = { options, config, db: store.db, issuer, keys, registry, trust, log: app.log };
  const witness = await Witness.open({ db: store.db, registry, issuer, app });
  const features = buildFeatures(base, witness);
  pages.error = operatorErrorPage(features.sessions, features.web);
  const as = authorizationServer(base, features, witness);
  await mountAuthorizationServer(app, as);
  await app.register((scope) => registerOperatorRoutes(scope, { ...base, ...features, as, witness }));
  // several operator instances on one PostgreSQL: every instance's feed hears every change
  const listener = await shareConsentEvents(store, features.consents, app.log);
  return operatorHandle(options, app, features, keys, trust, listener);
}

/** The built operator with its background jobs and shutdown. */
function operatorHandle(
  options: OperatorOptions,
  app: FastifyInstance,
  f: Features,
  keys: KeyRing,
  trust: TrustScope,
  listener: { close(): Promise<void> } | undefined,
): Operator {
  let expiryTimer: NodeJS.Timeout | undefined;
  const mtls = mtlsListener(app, options.config.mtls);
  const { registry, consents, accounts, arrangements, portability, citizens, webhooks, sessions, exports } = f;
  return {
    app,
    store: options.store,
    registry,
    consents,
    accounts,
    arrangements,
    portability,
    citizens,
    exports,
    keys: keys.all,
    webhooks,
    notifications: f.notes,
    startBackground() {
      webhooks.start();
      f.notes.start();
      portability.start();
      trust.loader?.start();
      expiryTimer = setInterval(() => {
        consents.expireDue().catch((err: Error) => app.log.warn({ err: err.message }, 'expiry run failed'));
        sweepOidcStore(options.store.db).catch(() => undefined);
        f.revocations.sweep().catch(() => undefined);
        sessions.sweep().catch(() => undefined);
      }, options.expiryIntervalMs ?? 1000);
    },
    listenMtls: () => mtls.listen(),
    async close() {
      trust.loader?.stop();
      await mtls.close();
      clearInterval(expiryTimer);
      await webhooks.stop();
      await f.notes.stop();
      await portability.stop();
      await app.close();
      await listener?.close();
    },
  };
}
