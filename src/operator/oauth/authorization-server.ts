/**
 * The operator's OAuth 2.0 authorization server, built on oidc-provider: PAR, PKCE S256,
 * private_key_jwt, DPoP-bound RFC 9068 JWT access tokens (≤ 300 s) for RFC 8707
 * resources, RFC 9396 `personal_data_access` details tied to live consent records, and
 * the FAPI 2.0 security profile. Token policy asks the consent service; it never issues
 * more than the live record allows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { whyNotLive } from '../../core/consent-rules.ts';
import { subjectsForSource } from '../../core/consent.ts';
import type { SigningKey } from '../../store/keys.ts';
import { peerCertificate } from '../../shared/mtls.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';

/** Fields a `personal_data_access` detail may carry (PROFILE). */
const DETAIL_FIELDS = new Set(['type', 'locations', 'actions', 'datatypes', 'purpose', 'legal_basis', 'consent_record_id']);

export interface PersonalDataAccessDetail {
  type: 'personal_data_access';
  locations: string[];
  actions: string[];
  datatypes: string[];
  purpose?: string;
  legal_basis?: string;
  consent_record_id?: string;
}

export interface AuthorizationServerOptions {
  issuer: string;
  registry: Registry;
  consents: ConsentService;
  keys: () => SigningKey[];
  cookieKeys: string[];
  accessTokenTtlS: number;
  adapter: Configuration['adapter'];
  /** Where interactions (login + consent) are handled. */
  interactionUrl: (uid: string) => string;
  /**
   * URLs the provider may fetch even on private or loopback addresses (registered
   * jwks_uri values of services and gateways). Everything else keeps oidc-provider's
   * SSRF protection.
   */
  trustedFetch?: (url: string) => boolean;
  /** False for a source resource the operator's trust group does not admit it to. */
  inGroup?: (resource: string) => boolean;
  /** Base URL of the mutual-TLS listener, published as RFC 8705 mtls_endpoint_aliases. */
  mtlsUrl?: string;
  /** The pairwise subject a client sees for an account (see Accounts.pairwiseSubject). */
  pairwiseSubject: (accountId: string, clientId: string) => Promise<string>;
  /** Told about OAuth errors (for the log; the client gets the OAuth error response). */
  onError?: (event: string, err: Error & { error_description?: string; cause?: Error }) => void;
}

const bad = (message: string) => new errors.InvalidAuthorizationDetails(message);

function checkShape(detail: Record<string, unknown>): PersonalDataAccessDetail {
  for (const k of Object.keys(detail)) if (!DETAIL_FIELDS.has(k)) throw bad(`unknown field "${k}" in personal_data_access`);
  const strings = (v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length < 256);
  if (!strings(detail.locations) || (detail.locations as string[]).length !== 1)
    throw bad('locations must name exactly one source resource');
  if (detail.actions !== undefined && (!strings(detail.actions) || (detail.actions as string[]).some((a) => a !== 'read'))) {
    throw bad('actions must be ["read"]');
  }
  if (!strings(detail.datatypes)) throw bad('datatypes must be a non-empty array of attribute ids');
  for (const f of ['purpose', 'legal_basis', 'consent_record_id']) {
    if (detail[f] !== undefined && (typeof detail[f] !== 'string' || (detail[f] as string).length === 0))
      throw bad(`${f} must be a non-empty string`);
  }
  return detail as unknown as PersonalDataAccessDetail;
}

/** Builds the oidc-provider configuration with Portti's policies. */
export function authorizationServerConfiguration(o: AuthorizationServerOptions): Configuration {
  const apiResource = `${o.issuer}/api`;

  /** The token endpoint's policy for client credentials: the record must be live and the client's. */
  async function detailsForClientCredentials(ctx: KoaContextWithOIDC, resource: string) {
    const requested = JSON.parse(String(ctx.oidc.params?.authorization_details)) as PersonalDataAccessDetail[];
    return Promise.all(
      requested.map(async (d) => {
        const state = await o.consents.get(d.consent_record_id!).catch(() => undefined);
        if (!state || state.client_id !== ctx.oidc.client?.clientId) throw bad('unknown consent_record_id for this client');
        const notLive = whyNotLive(state, Date.now());
        if (notLive) throw bad(notLive === 'expired' ? 'consent record has expired' : `consent record is ${state.status}`);
        if (d.locations[0] !== resource) throw bad('locations must equal the requested resource');
        const allowed = new Set(subjectsForSource(state, resource).flatMap((s) => s.datatypes));
        if (allowed.size === 0) throw bad('the consent record does not cover this source');
        const beyond = d.datatypes.filter((x) => !allowed.has(x));
        if (beyond.length > 0) throw bad(`datatypes beyond the consent: ${beyond.join(', ')}`);
        return {
          type: 'personal_data_access',
          locations: [resource],
          actions: ['read'],
          datatypes: d.datatypes,
          purpose: state.purposes[0]?.purpose,
          legal_basis: state.purposes[0]?.lawful_basis,
          consent_record_id: state.record_id,
        };
      }),
    );
  }

  return {
    adapter: o.adapter,
    jwks: { keys: o.keys().map((k) => ({ ...k.privateJwk, kid: k.kid, alg: k.alg, use: 'sig' })) as never },
    routes: {
      authorization: '/oauth/authorize',
      pushed_authorization_request: '/oauth/par',
      token: '/oauth/token',
      jwks: '/oauth/jwks',
      userinfo: '/oauth/userinfo',
      end_session: '/oauth/session/end',
      introspection: '/oauth/introspect-unused',
      revocation: '/oauth/revoke-unused',
    },
    fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      if (o.trustedFetch?.(String(url))) delete init.dispatcher;
      return fetch(url, init);
    },
    responseTypes: ['code'],
    scopes: ['openid', 'consent_request', 'consent_feed', 'access_report', 'introspect'],
    clientAuthMethods: ['private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
      dPoPSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
      idTokenSigningAlgValues: ['ES256'],
    },
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
      response_types: [],
    },
    pkce: { required: () => true },
    cookies: { keys: o.cookieKeys, long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    ttl: {
      AccessToken: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? o.accessTokenTtlS,
      ClientCredentials: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? o.accessTokenTtlS,
      AuthorizationCode: 60,
      Interaction: 900,
      Session: 3600,
      Grant: 3600,
      IdToken: 300,
      PushedAuthorizationRequest: 60,
    },
    interactions: { url: (_ctx, interaction) => o.interactionUrl(interaction.uid) },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    // services never see account ids: each gets its own pairwise subject, derived from the
    // identity the citizen chose to show services (keychain), so changing it changes what they see
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) => o.pairwiseSubject(accountId, client.clientId),
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    discovery: {
      consent_feed_endpoint: `${o.issuer}/api/consent-feed`,
      access_report_endpoint: `${o.issuer}/api/access-reports`,
      consent_request_endpoint: `${o.issuer}/api/consent-requests`,
      introspection_endpoint: `${o.issuer}/api/introspect`,
      revocation_endpoint: `${o.issuer}/api/revoke`,
      service_documentation: `${o.issuer}/docs`,
      ...(o.mtlsUrl
        ? {
            mtls_endpoint_aliases: {
              token_endpoint: `${o.mtlsUrl}/oauth/token`,
              introspection_endpoint: `${o.mtlsUrl}/api/introspect`,
              consent_request_endpoint: `${o.mtlsUrl}/api/consent-requests`,
            },
          }
        : {}),
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: { enabled: true },
      // RFC 8705: clients registered with tls_client_certificate_bound_access_tokens get tokens bound to
      // the certificate of their TLS connection to the mutual-TLS listener
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx: KoaContextWithOIDC) => peerCertificate(ctx.req),
      },
      clientCredentials: { enabled: true },
      fapi: { enabled: true, profile: '2.0' },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          const jwt = { sign: { alg: 'ES256' as const } };
          if (resource === apiResource) {
            return {
              scope: 'consent_request consent_feed access_report introspect',
              audience: apiResource,
              accessTokenFormat: 'jwt',
              accessTokenTTL: o.accessTokenTtlS,
              jwt,
            };
          }
          if (o.inGroup && !o.inGroup(resource))
            throw new errors.InvalidTarget(`the trust group does not admit this operator to ${resource}`);
          if (await o.registry.sourceByResource(resource)) {
            return { scope: '', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: o.accessTokenTtlS, jwt };
          }
          throw new errors.InvalidTarget(`unknown resource ${resource}`);
        },
      },
      richAuthorizationRequests: {
        enabled: true,
        types: {
          personal_data_access: {
            async validate(ctx, detail) {
              const d = checkShape(detail as Record<string, unknown>);
              const source = await o.registry.sourceByResource(d.locations[0]!);
              if (!source) throw bad(`no registered source at ${d.locations[0]}`);
              if (ctx.oidc.params?.grant_type === 'client_credentials') {
                if (!d.consent_record_id) throw bad('consent_record_id is required for client_credentials');
                return;
              }
              if (d.consent_record_id) throw bad('consent_record_id is assigned by the operator in interactive flows');
              if (!d.purpose) throw bad('purpose is required');
              const clientId = ctx.oidc.client?.clientId ?? '';
              await o.consents
                .purposesFor(
                  clientId,
                  d.purpose,
                  d.datatypes.map((id) => ({ source: source.id, id })),
                )
                .catch((err: Error) => {
                  throw bad(err.message);
                });
            },
          },
        },
        authorizationDetailsForGrantSource: async (ctx) =>
          ctx.oidc.grant?.rar?.filter((d) => (d as { consent_record_id?: string }).consent_record_id),
        authorizationDetailsForAccessToken: async (ctx, token, source, grantType) => {
          const resource = (token as { resourceServer?: { identifier(): string } }).resourceServer?.identifier() ?? '';
          if (resource === apiResource) {
            if (ctx.oidc.params?.authorization_details !== undefined) throw bad('no authorization_details for the operator API');
            return undefined;
          }
          if (grantType === 'client_credentials') return detailsForClientCredentials(ctx, resource);
          if (ctx.oidc.params?.authorization_details !== undefined) throw bad('authorization_details are not accepted at this grant');
          return (source as { rar?: Array<{ locations?: string[] }> } | undefined)?.rar?.filter((d) => d.locations?.includes(resource));
        },
        authorizationDetailsForIntrospection: async () => undefined,
      },
    },
  } as Configuration;
}

/** The authorization server with a swappable Provider (key rotation without restart). */
export class AuthorizationServer {
  private provider: Provider;
  private handler: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly options: AuthorizationServerOptions;

  constructor(options: AuthorizationServerOptions) {
    this.options = options;
    this.provider = this.build();
    this.handler = this.provider.callback();
  }

  private build(): Provider {
    const provider = new Provider(this.options.issuer, authorizationServerConfiguration(this.options));
    provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${(err as Error).message}\n`));
    for (const event of ['grant.error', 'pushed_authorization_request.error', 'authorization.error']) {
      (provider.on as (e: string, l: (ctx: unknown, err: Error & { error_description?: string; cause?: Error }) => void) => void)(
        event,
        (_ctx, err) => this.options.onError?.(event, err),
      );
    }
    return provider;
  }

  get current(): Provider {
    return this.provider;
  }

  /** Rebuilds the provider with the current keys (after a rotation). */
  reload(): void {
    this.provider = this.build();
    this.handler = this.provider.callback();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.handler(req, res);
  }
}
