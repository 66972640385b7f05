/**
 * Boots a small real world for integration tests: an upstream register, one gateway,
 * two operators with their own keys and stores, and a demo identity provider, all on
 * ephemeral loopback ports with real HTTP between them.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createGateway, type Gateway } from '../../src/gateway/gateway.ts';
import type { OperatorConfig } from '../../src/shared/config.schema.ts';
import type { GatewayConfig, SourceConfig } from '../../src/shared/gateway.schema.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { createDemoIdp, type DemoResident } from '../../src/idp/demo-idp.ts';
import { createOperator, type Operator } from '../../src/operator/operator.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import type { RegistrySource, ServiceDefinition } from '../../src/operator/registry/registry.schema.ts';
import { createDpopKey, createDpopProof, type DpopKey } from '../../src/shared/oauth/dpop.ts';
import { clientCredentialsToken, discover, type AuthorizationServerMetadata } from '../../src/shared/oauth/oauth-client.ts';
import { openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { tempDir } from './stores.ts';
import { freePort } from '../../src/app/free-port.ts';

export { freePort };

export const PEOPLE = {
  aino: {
    key: 'aino',
    name: 'Aino Virtanen',
    given_name: 'Aino',
    family_name: 'Virtanen',
    personal_identity_code: '010188-9028',
    birthdate: '1988-01-01',
  },
  mikko: {
    key: 'mikko',
    name: 'Mikko Virtanen',
    given_name: 'Mikko',
    family_name: 'Virtanen',
    personal_identity_code: '020286-9059',
    birthdate: '1986-02-02',
  },
} satisfies Record<string, DemoResident>;

/** A stand-in register: income data with more attributes than any consent covers. */
export function createStubRegister(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/people/:id/income', async (request, reply) => {
    const { id } = request.params as { id: string };
    const known = Object.values(PEOPLE).find((p) => p.personal_identity_code === id);
    if (!known) return reply.code(404).send({ error: 'unknown person' });
    return {
      person: { personal_identity_code: id, name: known.name },
      income_year: 2025,
      annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 },
      employer: { name: 'Helsingin kaupunki', business_id: '0201256-6' },
      tax_debt_eur: 1200,
      bank_account: { iban: 'FI2112345600000785' },
    };
  });
  return app;
}

export interface TestService {
  clientId: string;
  key: { privateKey: CryptoKey; alg: string; kid: string };
  publicJwk: JWK;
  dpop: DpopKey;
}

/** A data-using service's credentials (private_key_jwt key + DPoP key). */
export async function createTestService(clientId: string): Promise<TestService> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: `${clientId}-1`, alg: 'ES256', use: 'sig' };
  return { clientId, key: { privateKey, alg: 'ES256', kid: `${clientId}-1` }, publicJwk, dpop: await createDpopKey() };
}

export const PURPOSE = 'https://w3id.org/dpv#ServiceProvision';
export const CONSENT_BASIS = 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a';

/** The service definition used by the tests: required income, optional employer. */
export function serviceDefinition(
  service: TestService,
  redirectUris: string[] = [],
  webhook?: string,
  senderConstraint: 'dpop' | 'mtls' = 'dpop',
): ServiceDefinition {
  const label = { fi: 'Asiakasmaksut', sv: 'Klientavgifter', en: 'Customer fees' };
  return {
    client_id: service.clientId,
    name: { fi: 'Asiakasmaksuyksikkö', sv: 'Klientavgiftsenheten', en: 'Customer Fee Unit' },
    kind: 'public_service',
    controller: { name: 'City of Helsinki' },
    privacy_notice: 'https://www.hel.fi/privacy',
    jwks: { keys: [service.publicJwk as Record<string, unknown>] },
    redirect_uris: redirectUris,
    sender_constraint: senderConstraint,
    ...(webhook ? { webhook_url: webhook } : {}),
    purposes: [
      {
        purpose: PURPOSE,
        label,
        lawful_basis: CONSENT_BASIS,
        retention_period: 'P1Y',
        recipients: [],
        attributes: [
          { source: 'incomes', id: 'annual_income', required: true },
          { source: 'incomes', id: 'income_year', required: true },
          { source: 'incomes', id: 'employer', required: false },
        ],
      },
    ],
  };
}

export interface World {
  gateway: Gateway;
  /** The gateway's configuration (to start further instances of it). */
  gatewayConfig: GatewayConfig;
  gatewayUrl: string;
  /** Mutual-TLS URLs of operator A and the gateway (when started with `mtls`). */
  mtlsUrls: { a: string; gateway: string };
  resource: string;
  operators: Record<'a' | 'b', Operator>;
  /** Each operator's configuration (to start further instances of it). */
  operatorConfigs: Record<'a' | 'b', OperatorConfig>;
  issuers: Record<'a' | 'b', string>;
  idpIssuer: string;
  /** Stops operator k and starts it again on the same store, port and configuration (`operators[k]` is the new one). */
  restartOperator(k: 'a' | 'b'): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Store for each component; default a SQLite file per component in a temp dir. */
  location?: (name: string) => StoreLocation;
  feedStaleAfterMs?: number;
  /** Operators the source admits (default both). */
  admitted?: Array<'a' | 'b'>;
  replayCache?: 'memory' | 'store';
  /** Writes a signed trust-group document for the gateway (given its resource and the issuers); returns its files. */
  trustGroup?: (resource: string, issuers: { a: string; b: string }) => Promise<{ file: string; jwks: string }>;
  /** Operator A (`true`) or both operators (`'both'`) follow the same trust-group document too. */
  operatorInGroup?: boolean | 'both';
  /** Give operator A and the gateway mutual-TLS listeners with these certificates. */
  mtls?: { ca: string; cert: string; key: string };
  /** Further sources at the gateway (admitting the same operators), registered at both operators with their resource filled in. */
  extraSources?: Array<{ gateway: Omit<SourceConfig, 'admitted_operators'>; registry: Omit<RegistrySource, 'resource'> }>;
  /** Extra operator configuration (e.g. `personal_data_store`). */
  operatorConfig?: Partial<OperatorConfig>;
  /** The demo IdP offers RP-initiated logout (default true; false: an IdP without an end_session_endpoint). */
  idpLogout?: boolean;
  /** Who decides for a child (the population register's guardianship, as operators are given it). */
  guardiansOf?: (subject: {
    identifier_type: string;
    identifier: string;
  }) => Promise<Array<{ identifier_type: string; identifier: string }>>;
}

/** Starts the world. Call `close()` in afterAll. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = tempDir();
  const location = options.location ?? ((name: string) => ({ kind: 'sqlite' as const, path: join(dir, `${name}.db`) }));
  const [gwPort, aPort, bPort, idpPort, gwMtlsPort, aMtlsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const mtlsFor = (port: number) =>
    options.mtls
      ? {
          mtls: {
            listen: { host: '127.0.0.1', port },
            public_url: `https://127.0.0.1:${port}`,
            cert_file: options.mtls.cert,
            key_file: options.mtls.key,
            client_ca_file: options.mtls.ca,
          },
        }
      : {};
  const upstream = createStubRegister();
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  const upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const issuers = { a: `http://127.0.0.1:${aPort}`, b: `http://127.0.0.1:${bPort}` };
  const idpIssuer = `http://127.0.0.1:${idpPort}`;
  const resource = `${gatewayUrl}/sources/incomes`;
  const idp = await createDemoIdp({
    issuer: idpIssuer,
    label: 'Demo IdP',
    residents: Object.values(PEOPLE),
    clients: (['a', 'b'] as const).map((k) => ({
      client_id: `operator-${k}`,
      client_secret: `secret-${k}-0123456789abcdef`,
      redirect_uris: [`${issuers[k]}/login/callback`],
      post_logout_redirect_uris: [`${issuers[k]}/signed-out`],
    })),
    rpInitiatedLogout: options.idpLogout ?? true,
  });
  await idp.app.listen({ port: idpPort, host: '127.0.0.1' });

  const admitted = (options.admitted ?? ['a', 'b']).map((k) => issuers[k]);
  const trust = options.trustGroup ? await options.trustGroup(resource, issuers) : undefined;
  const gatewayConfig: GatewayConfig = {
    name: 'gateway',
    listen: { host: '127.0.0.1', port: gwPort },
    public_url: gatewayUrl,
    sources: [
      {
        id: 'incomes',
        upstream: { base_url: upstreamUrl, timeout_ms: 2000, max_response_bytes: 1048576 },
        operations: [
          {
            name: 'income',
            method: 'GET',
            path: '/people/{identifier}/income',
            identifier_type: 'fi_hetu',
            attributes: { annual_income: '/annual_income', income_year: '/income_year', employer: '/employer', tax_debt: '/tax_debt_eur' },
          },
        ],
        admitted_operators: admitted,
      },
      ...(options.extraSources ?? []).map((e) => ({ ...e.gateway, admitted_operators: admitted })),
    ],
    operators: [
      { issuer: issuers.a, client_id: 'gateway' },
      { issuer: issuers.b, client_id: 'gateway' },
    ],
    feed_stale_after_ms: options.feedStaleAfterMs ?? 30000,
    checkpoint_interval_ms: 100,
    clock_skew_s: 30,
    dpop_max_age_s: 60,
    report_interval_ms: 100,
    replay_cache: options.replayCache ?? 'memory',
    ...mtlsFor(gwMtlsPort),
    ...(trust ? { trust_group: { file: trust.file, governance_jwks_file: trust.jwks, refresh_ms: 200 } } : {}),
  };
  const gateway = await createGateway({
    store: await openStore<GatewayDatabase>(location('gateway')),
    logLevel: 'silent',
    config: gatewayConfig,
  });
  await gateway.app.listen({ port: gwPort, host: '127.0.0.1' });
  await gateway.listenMtls();

  const operators = {} as Record<'a' | 'b', Operator>;
  const operatorConfigs = {} as Record<'a' | 'b', OperatorConfig>;
  const operatorLocations = {} as Record<'a' | 'b', StoreLocation>;
  const operatorStores = {} as Record<'a' | 'b', Store<OperatorDatabase>>;
  /** Starts operator k on its store (registering the source and the gateway again is idempotent). */
  const startOperator = async (k: 'a' | 'b') => {
    operatorStores[k] = await openStore<OperatorDatabase>(operatorLocations[k]);
    const op = await createOperator({
      store: operatorStores[k],
      logLevel: process.env.PORTTI_TEST_LOG ?? 'silent',
      expiryIntervalMs: 100,
      config: operatorConfigs[k],
      ...(options.guardiansOf ? { guardiansOf: options.guardiansOf } : {}),
    });
    await op.registry.putSource({
      id: 'incomes',
      resource,
      name: { fi: 'Tulorekisteri', sv: 'Inkomstregistret', en: 'Incomes Register' },
      identifier_type: 'fi_hetu',
      attributes: [
        {
          id: 'annual_income',
          label: { fi: 'Vuositulot', sv: 'Årsinkomst', en: 'Annual income' },
          category: 'https://w3id.org/dpv/pd#Income',
          sensitivity: 'financial',
          fields: {
            gross_eur: { fi: 'Bruttotulot (€)', sv: 'Bruttoinkomst (€)', en: 'Gross income (€)' },
            taxable_eur: { fi: 'Verotettava tulo (€)', sv: 'Beskattningsbar inkomst (€)', en: 'Taxable income (€)' },
          },
        },
        {
          id: 'income_year',
          label: { fi: 'Tulovuosi', sv: 'Inkomstår', en: 'Income year' },
          category: 'https://w3id.org/dpv/pd#Income',
          sensitivity: 'normal',
        },
        {
          id: 'employer',
          label: { fi: 'Työnantaja', sv: 'Arbetsgivare', en: 'Employer' },
          category: 'https://w3id.org/dpv/pd#Employer',
          sensitivity: 'normal',
          fields: { name: { fi: 'Nimi', sv: 'Namn', en: 'Name' }, business_id: { fi: 'Y-tunnus', sv: 'FO-nummer', en: 'Business ID' } },
        },
        {
          id: 'tax_debt',
          label: { fi: 'Verovelka', sv: 'Skatteskuld', en: 'Tax debt' },
          category: 'https://w3id.org/dpv/pd#Tax',
          sensitivity: 'financial',
        },
      ],
    });
    for (const e of options.extraSources ?? [])
      await op.registry.putSource({ ...e.registry, resource: `${gatewayUrl}/sources/${e.gateway.id}` });
    const extraIds = (options.extraSources ?? []).map((e) => e.gateway.id);
    await op.registry.putGateway({
      client_id: 'gateway',
      name: 'Gateway',
      jwks_uri: `${gatewayUrl}/.well-known/jwks.json`,
      sources: ['incomes', ...extraIds],
    });
    await op.app.listen({ port: k === 'a' ? aPort : bPort, host: '127.0.0.1' });
    await op.listenMtls();
    op.startBackground();
    operators[k] = op;
  };
  for (const k of ['a', 'b'] as const) {
    operatorLocations[k] = location(`operator-${k}`);
    operatorConfigs[k] = {
      name: `operator-${k}`,
      listen: { host: '127.0.0.1', port: k === 'a' ? aPort : bPort },
      issuer: issuers[k],
      display_name: { fi: `Operaattori ${k.toUpperCase()}`, sv: `Operatör ${k.toUpperCase()}`, en: `Operator ${k.toUpperCase()}` },
      admin_token: `admin-token-${k}-0123456789`,
      cookie_secret: `cookie-secret-${k}-0123456789abcdefghijklmnop`,
      identity_providers: [
        {
          id: 'demo',
          label: { fi: 'Demotunnistus', sv: 'Demoidentifiering', en: 'Demo identity' },
          issuer: idpIssuer,
          client_id: `operator-${k}`,
          client_secret: `secret-${k}-0123456789abcdef`,
          identifier_claim: 'personal_identity_code',
          identifier_type: 'fi_hetu',
        },
      ],
      registry_files: [],
      access_token_ttl_s: 300,
      webhook_max_attempts: 5,
      ...(k === 'a' ? mtlsFor(aMtlsPort) : {}),
      ...((k === 'a' || options.operatorInGroup === 'both') && trust && options.operatorInGroup
        ? { trust_group: { file: trust.file, governance_jwks_file: trust.jwks, refresh_ms: 200 } }
        : {}),
      ...options.operatorConfig,
    };
    await startOperator(k);
  }
  gateway.startBackground();
  return {
    gateway,
    gatewayConfig,
    gatewayUrl,
    mtlsUrls: { a: `https://127.0.0.1:${aMtlsPort}`, gateway: `https://127.0.0.1:${gwMtlsPort}` },
    resource,
    operators,
    operatorConfigs,
    issuers,
    idpIssuer,
    async restartOperator(k) {
      await operators[k].close();
      await operatorStores[k].close();
      await startOperator(k);
    },
    async close() {
      await gateway.close();
      for (const op of Object.values(operators)) await op.close();
      await idp.app.close();
      await upstream.close();
    },
  };
}

const metaCache = new Map<string, AuthorizationServerMetadata>();

/** Operator metadata (cached). */
export async function metadata(issuer: string): Promise<AuthorizationServerMetadata> {
  let m = metaCache.get(issuer);
  if (!m) metaCache.set(issuer, (m = await discover(issuer)));
  return m;
}

/** A token for the operator's own API (consent requests). */
export async function apiToken(service: TestService, issuer: string): Promise<string> {
  const res = await clientCredentialsToken(await metadata(issuer), { clientId: service.clientId, key: service.key }, service.dpop, {
    scope: 'consent_request',
    resource: `${issuer}/api`,
  });
  return res.access_token;
}

/** Calls an operator API with DPoP. */
export async function callApi(service: TestService, issuer: string, method: string, path: string, body?: unknown): Promise<Response> {
  const token = await apiToken(service, issuer);
  const url = `${issuer}${path}`;
  return fetch(url, {
    method,
    headers: {
      authorization: `DPoP ${token}`,
      dpop: await createDpopProof(service.dpop, method, url, token),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A filed consent request as the service API answers it. */
export interface FiledRequest {
  record_id: string;
  status: string;
  parties: Array<{ party_id: string; identifier: string }>;
  sources: Array<{ subjects: Array<{ ref: string }> }>;
}

/** Files a consent request for people named by identity code; throws unless the operator answers 201. */
export async function fileRequest(
  service: TestService,
  issuer: string,
  identityCodes: string[],
  mode = 'data_subject_activates',
): Promise<FiledRequest> {
  const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
    subjects: identityCodes.map((identifier) => ({ identifier_type: 'fi_hetu', identifier })),
    activation_mode: mode,
    purpose: PURPOSE,
  });
  if (res.status !== 201) throw new Error(`consent request answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as FiledRequest;
}

/** A DPoP-bound token for reading a source under a consent record. */
export async function sourceToken(
  service: TestService,
  issuer: string,
  resource: string,
  recordId: string,
  datatypes: string[],
): Promise<string> {
  const res = await clientCredentialsToken(await metadata(issuer), { clientId: service.clientId, key: service.key }, service.dpop, {
    resource,
    authorization_details: JSON.stringify([
      { type: 'personal_data_access', locations: [resource], actions: ['read'], datatypes, consent_record_id: recordId },
    ]),
  });
  return res.access_token;
}

/** Reads through the gateway with a DPoP proof. */
export async function readSource(service: TestService, url: string, token: string, dpop = service.dpop): Promise<Response> {
  return fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', url, token) } });
}
