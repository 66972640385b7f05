/**
 * `private_key_jwt` at the operator's introspection and revocation endpoints (RFC 7523 §3):
 * the assertion's issuer and subject are the client, its audience the issuer or the endpoint,
 * it is signed by a registered key with an advertised alg, unexpired, and used once; an unknown
 * or suspended client is refused. Every refusal is an OAuth `invalid_client` (or `invalid_request`).
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_AUTH_ALGS, ClientAuthenticator, OAuthEndpointError } from '../../src/operator/token-status/client-auth.ts';

const ISSUER = 'https://operator.example';
const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('ClientAuthenticator (private_key_jwt)', () => {
  let key: CryptoKey;
  let jwk: JWK;
  let other: CryptoKey;
  const seen = new Set<string>();
  const clients = new ClientAuthenticator({
    issuer: ISSUER,
    registry: { clientMetadata: async (id: string) => (id === 'svc' ? { client_id: 'svc', jwks: { keys: [jwk] } } : undefined) },
    unique: async (clientId, jti) => !seen.has(`${clientId}:${jti}`) && !!seen.add(`${clientId}:${jti}`),
    audiences: [`${ISSUER}/api/introspect`],
  });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1' };
    other = (await generateKeyPair('ES256')).privateKey;
  });

  async function assertion(
    o: { iss?: string; sub?: string; aud?: string | string[]; exp?: string; signer?: CryptoKey; jti?: string } = {},
  ) {
    return new SignJWT({ jti: o.jti ?? randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(o.iss ?? 'svc')
      .setSubject(o.sub ?? 'svc')
      .setAudience(o.aud ?? ISSUER)
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '60s')
      .sign(o.signer ?? key);
  }

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof OAuthEndpointError ? { error: e.error, status: e.status } : e),
    );

  it('accepts an assertion for the issuer or the endpoint, once', async () => {
    expect(await clients.authenticate({ client_assertion: await assertion(), client_assertion_type: TYPE })).toBe('svc');
    const forEndpoint = await assertion({ aud: [`${ISSUER}/api/introspect`] });
    expect(await clients.authenticate({ client_id: 'svc', client_assertion: forEndpoint, client_assertion_type: TYPE })).toBe('svc');
    expect(await refusal(clients.authenticate({ client_assertion: forEndpoint, client_assertion_type: TYPE }))).toEqual({
      error: 'invalid_client',
      status: 401,
    });
  });

  it('refuses a wrong audience, another key, an expired assertion, iss ≠ sub, an unknown client', async () => {
    const bad = [
      await assertion({ aud: 'https://elsewhere.example' }),
      await assertion({ signer: other }),
      await assertion({ exp: '-120s' }),
      await assertion({ iss: 'someone-else' }),
      await assertion({ iss: 'nobody', sub: 'nobody' }),
    ];
    for (const client_assertion of bad)
      expect(await refusal(clients.authenticate({ client_assertion, client_assertion_type: TYPE }))).toEqual({
        error: 'invalid_client',
        status: 401,
      });
  });

  it('refuses no assertion, a wrong assertion type and a mismatched client_id', async () => {
    expect(await refusal(clients.authenticate({ client_id: 'svc' }))).toEqual({ error: 'invalid_client', status: 401 });
    expect(await refusal(clients.authenticate({ client_assertion: await assertion(), client_assertion_type: 'jwt' }))).toEqual({
      error: 'invalid_request',
      status: 400,
    });
    expect(
      await refusal(clients.authenticate({ client_id: 'x', client_assertion: await assertion(), client_assertion_type: TYPE })),
    ).toEqual({ error: 'invalid_request', status: 400 });
  });

  it('accepts only the advertised asymmetric algs', () => {
    expect(CLIENT_AUTH_ALGS).toEqual(['ES256', 'PS256', 'EdDSA', 'Ed25519']);
    expect(CLIENT_AUTH_ALGS.some((alg) => alg.startsWith('HS') || alg === 'none')).toBe(false);
  });
});
