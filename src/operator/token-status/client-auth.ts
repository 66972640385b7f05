/**
 * OAuth client authentication outside oidc-provider's own endpoints (RFC 7662 introspection and
 * RFC 7009 revocation are Portti's routes, because oidc-provider introspects only the tokens it
 * stores, not JWT access tokens): `private_key_jwt` as RFC 7523 §3 and RFC 7521 §4.2 say, with
 * the client's registered keys. jose verifies the signature; this module applies the rules.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Registry } from '../registry/registry.ts';

/** The JWS algs accepted for `private_key_jwt`, at the token endpoint and here (RFC 8414 `*_auth_signing_alg_values_supported`). */
export const CLIENT_AUTH_ALGS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'];

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An OAuth error answer (RFC 6749 §5.2 shape): `invalid_client` is 401, the rest 400. */
export class OAuthEndpointError extends Error {
  readonly error: string;
  readonly status: number;
  constructor(error: 'invalid_client' | 'invalid_request', description: string) {
    super(description);
    this.error = error;
    this.status = error === 'invalid_client' ? 401 : 400;
  }

  /** The JSON body of the answer. */
  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

/** The client-authentication parameters of a form body. */
export interface ClientAuthParams {
  client_id?: string | undefined;
  client_assertion?: string | undefined;
  client_assertion_type?: string | undefined;
}

/** What the authenticator needs: the registry (active clients and their keys) and a replay check of assertion `jti`s. */
export interface ClientAuthOptions {
  issuer: string;
  registry: Pick<Registry, 'clientMetadata'>;
  /** True the first time (client, jti) is seen before `expiresAt` (s); oidc-provider's ReplayDetection in the operator. */
  unique: (clientId: string, jti: string, expiresAt: number) => Promise<boolean>;
  /** Audiences accepted besides the issuer (the endpoint's URLs, the token endpoint). */
  audiences: string[];
  clockToleranceS?: number;
}

const failed = (description: string) => new OAuthEndpointError('invalid_client', description);

/** Authenticates clients by `private_key_jwt` (RFC 7523) against their registered keys. */
export class ClientAuthenticator {
  private readonly o: ClientAuthOptions;
  private readonly remote = new Map<string, JWTVerifyGetKey>();

  constructor(options: ClientAuthOptions) {
    this.o = options;
  }

  /**
   * Returns the authenticated client id, or throws an {@link OAuthEndpointError}.
   *
   * @example const clientId = await clients.authenticate(request.body);
   */
  async authenticate(params: ClientAuthParams): Promise<string> {
    const assertion = params.client_assertion;
    if (!assertion) throw failed('client authentication (private_key_jwt) is required');
    if (params.client_assertion_type !== ASSERTION_TYPE)
      throw new OAuthEndpointError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    let claims;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw failed('client_assertion is not a JWT');
    }
    const clientId = claims.sub;
    if (typeof clientId !== 'string' || claims.iss !== clientId) throw failed('client_assertion iss and sub must be the client_id');
    if (params.client_id !== undefined && params.client_id !== clientId)
      throw new OAuthEndpointError('invalid_request', 'client_id mismatch');
    const client = await this.o.registry.clientMetadata(clientId);
    if (!client) throw failed('client not found');
    const keys = this.keysOf(client as { jwks?: JSONWebKeySet; jwks_uri?: string });
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, keys, {
        issuer: clientId,
        subject: clientId,
        audience: [this.o.issuer, ...this.o.audiences],
        algorithms: CLIENT_AUTH_ALGS,
        clockTolerance: this.o.clockToleranceS ?? 30,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (err) {
      throw failed(`client_assertion invalid: ${(err as Error).message}`);
    }
    if (!(await this.o.unique(clientId, String(payload.jti), payload.exp! + (this.o.clockToleranceS ?? 30))))
      throw failed('client assertion tokens must only be used once');
    return clientId;
  }

  /** The client's keys: inline, or one cached remote set per registered jwks_uri. */
  private keysOf(client: { jwks?: JSONWebKeySet; jwks_uri?: string }): JWTVerifyGetKey {
    if (client.jwks) return createLocalJWKSet(client.jwks);
    const uri = client.jwks_uri ?? '';
    let set = this.remote.get(uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 5000, cacheMaxAge: 10 * 60 * 1000 });
      this.remote.set(uri, set);
    }
    return set;
  }
}
