/**
 * The operator's OAuth 2.0 authorization server, built on oidc-provider: PAR, PKCE S256,
 * private_key_jwt, DPoP-bound RFC 9068 JWT access tokens (≤ 300 s) for RFC 8707
 * resources, RFC 9396 `personal_data_access` details tied to live consent records, and
 * the FAPI 2.0 security profile. Token policy asks the consent service; it never issues
 * more than the live record allows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { resourceIndicatorsPolicy, richAuthorizationRequestsPolicy } from './authorization-details.ts';
import type { SigningKey } from '../../store/keys.ts';
import { peerCertificate } from '../../shared/oauth/mtls.ts';
import { isStoreUnavailable } from '../../shared/errors.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import { CLIENT_AUTH_ALGS } from '../token-status/client-auth.ts';

export type { PersonalDataAccessDetail } from './authorization-details.ts';

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
  /** The RFC 7591 registration endpoint, published only where registration works (a trust group is configured). */
  registrationEndpoint?: string | undefined;
  /** Base URL of the mutual-TLS listener, published as RFC 8705 mtls_endpoint_aliases. */
  mtlsUrl?: string;
  /** The pairwise subject a client sees for an account (see Accounts.pairwiseSubject). */
  pairwiseSubject: (accountId: string, clientId: string) => Promise<string>;
  /** The witness's verifier key (C2SP vkey), published as `witness_key`. */
  witnessKey?: string;
  /** The HTML page of an error the browser cannot be sent back to the client with (e.g. an expired request_uri). */
  errorPage?: (acceptLanguage: string | undefined, out: { error: string; error_description?: string }) => string;
  /** Told about OAuth errors (for the log; the client gets the OAuth error response). */
  onError?: (event: string, err: Error & { error_description?: string; cause?: Error }) => void;
}

/** The scopes of the operator's own API tokens (resource `<issuer>/api`), with what each is for. */
export const API_SCOPES = {
  consent_request: 'file consent requests and read their records (services)',
  consent_feed: 'follow the consent feed (gateways)',
  access_report: 'report access records and checkpoints (gateways)',
};

/** Builds the oidc-provider configuration with Portti's policies. */
export function authorizationServerConfiguration(o: AuthorizationServerOptions): Configuration {
  const apiResource = `${o.issuer}/api`;

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
    // no `openid`: services get access tokens, never ID tokens (userinfo is off), so OIDC is not offered to them
    scopes: Object.keys(API_SCOPES),
    clientAuthMethods: ['private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: CLIENT_AUTH_ALGS,
      dPoPSigningAlgValues: CLIENT_AUTH_ALGS,
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
    ttl: lifetimes(o),
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
    discovery: discovery(o),
    features: features(o, apiResource),
    ...(o.errorPage
      ? {
          renderError: async (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) => {
            ctx.type = 'html';
            ctx.set('content-security-policy', "default-src 'self'; frame-ancestors 'none'");
            ctx.body = o.errorPage!(ctx.get('accept-language') || undefined, out);
          },
        }
      : {}),
  } as Configuration;
}

/** Token and session lifetimes; access tokens live as long as their resource server says (≤ 300 s). */
function lifetimes(o: AuthorizationServerOptions): Configuration['ttl'] {
  const accessTokenTtl = (_ctx: unknown, token: unknown) =>
    (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? o.accessTokenTtlS;
  return {
    AccessToken: accessTokenTtl,
    ClientCredentials: accessTokenTtl,
    AuthorizationCode: 60,
    Interaction: 900,
    Session: 3600,
    Grant: 3600,
    IdToken: 300,
    PushedAuthorizationRequest: 60,
  };
}

/**
 * Portti's additions to the RFC 8414 metadata (feed, reports, consent requests, introspection and
 * revocation with their client authentication, the mTLS aliases when there is a listener).
 */
function discovery(o: AuthorizationServerOptions): Configuration['discovery'] {
  return {
    consent_feed_endpoint: `${o.issuer}/api/consent-feed`,
    access_report_endpoint: `${o.issuer}/api/access-reports`,
    access_proof_endpoint: `${o.issuer}/api/access-proofs`,
    witness_add_checkpoint_endpoint: `${o.issuer}/api/witness/add-checkpoint`,
    witness_checkpoints_endpoint: `${o.issuer}/witness/checkpoints`,
    ...(o.witnessKey ? { witness_key: o.witnessKey } : {}),
    consent_request_endpoint: `${o.issuer}/api/consent-requests`,
    introspection_endpoint: `${o.issuer}/api/introspect`,
    introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: CLIENT_AUTH_ALGS,
    revocation_endpoint: `${o.issuer}/api/revoke`,
    revocation_endpoint_auth_methods_supported: ['private_key_jwt'],
    revocation_endpoint_auth_signing_alg_values_supported: CLIENT_AUTH_ALGS,
    service_documentation: `${o.issuer}/docs`,
    ...(o.registrationEndpoint ? { registration_endpoint: o.registrationEndpoint } : {}),
    ...(o.mtlsUrl
      ? {
          mtls_endpoint_aliases: {
            token_endpoint: `${o.mtlsUrl}/oauth/token`,
            introspection_endpoint: `${o.mtlsUrl}/api/introspect`,
            revocation_endpoint: `${o.mtlsUrl}/api/revoke`,
            consent_request_endpoint: `${o.mtlsUrl}/api/consent-requests`,
          },
        }
      : {}),
  };
}

/** oidc-provider features: PAR required, DPoP, RFC 8705 mTLS, client credentials, FAPI 2.0, RFC 8707, RFC 9396. */
function features(o: AuthorizationServerOptions, apiResource: string): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    userinfo: { enabled: false },
    rpInitiatedLogout: { enabled: false },
    introspection: { enabled: false },
    revocation: { enabled: false },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    dPoP: { enabled: true },
    // RFC 8705: clients registered with tls_client_certificate_bound_access_tokens get tokens bound to
    // the certificate of their TLS connection to the mutual-TLS listener; none without a listener
    mTLS: {
      enabled: o.mtlsUrl !== undefined,
      certificateBoundAccessTokens: true,
      getCertificate: (ctx: KoaContextWithOIDC) => peerCertificate(ctx.req),
    },
    clientCredentials: { enabled: true },
    fapi: { enabled: true, profile: '2.0' },
    resourceIndicators: resourceIndicatorsPolicy(o, apiResource),
    richAuthorizationRequests: richAuthorizationRequestsPolicy(o, apiResource),
  } as Configuration['features'];
}

/**
 * oidc-provider always knows the `openid` scope (its default `claims` define it), but no client
 * here may ask for it (registered scopes leave it out, so it is `invalid_scope`): the metadata
 * does not advertise it.
 */
async function withoutOpenidScope(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.oidc?.route !== 'discovery') return;
  const body = ctx.body as { scopes_supported?: string[] };
  body.scopes_supported = body.scopes_supported?.filter((s) => s !== 'openid');
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
    provider.use(withoutOpenidScope);
    provider.on('server_error', (ctx, err) => {
      // the database unreachable is not a server bug: 503 with Retry-After, like every other route
      if (!isStoreUnavailable(err)) return process.stderr.write(`oidc-provider server_error: ${(err as Error).message}\n`);
      ctx.status = 503;
      ctx.set('retry-after', '5');
      if (typeof ctx.body === 'object' && ctx.body !== null)
        ctx.body = {
          error: 'temporarily_unavailable',
          error_description: 'the database cannot be reached right now; try again in a few seconds',
        };
      return undefined;
    });
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

  /** True the first time a client assertion (client, jti) is seen (oidc-provider's store, shared by every instance). */
  uniqueAssertion(clientId: string, jti: string, expiresAt: number): Promise<boolean> {
    return this.provider.ReplayDetection.unique(clientId, jti, expiresAt);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.handler(req, res);
  }
}
