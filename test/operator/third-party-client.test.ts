/**
 * A third-party client, written with `openid-client` and `oauth4webapi` only (no Portti code on
 * the client side), against a running operator and gateway: `private_key_jwt` with every
 * advertised signing alg, DPoP proofs with every advertised alg (`Ed25519` included) at the
 * operator's token endpoint, its consent-request API and the gateway, RFC 7662 introspection
 * and RFC 7009 revocation with the client's own authentication, and metadata that holds: every
 * advertised endpoint is served, no scope or binding is advertised that a client cannot use.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE, PURPOSE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';

type Metadata = Record<string, unknown> & {
  token_endpoint_auth_signing_alg_values_supported: string[];
  dpop_signing_alg_values_supported: string[];
  scopes_supported: string[];
};

/** The Web Crypto key pair of a JWS alg (`EdDSA` is Ed25519 under its older name). */
const keyPair = (alg: string) => oauth.generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true });

/** A key's JWS header says `alg`: oauth4webapi names Ed25519 keys `Ed25519`, so `EdDSA` is asked for explicitly. */
const asAlg = (alg: string): oauth.ModifyAssertionOptions => ({
  [oauth.modifyAssertion]: (header: { alg?: string }) => {
    header.alg = alg;
  },
});

describe('a standard client (openid-client, oauth4webapi) with every advertised alg', () => {
  let world: World;
  let issuer: string;
  let meta: Metadata;

  /** Registers a service whose private_key_jwt key has `alg`; returns its openid-client configuration. */
  async function registeredClient(clientId: string, alg: string): Promise<client.Configuration> {
    const { privateKey, publicKey } = await keyPair(alg);
    const publicJwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: `${clientId}-key`, alg, use: 'sig' };
    const service = { clientId, publicJwk } as unknown as TestService;
    await world.operators.a.registry.putService(serviceDefinition(service));
    const auth = client.PrivateKeyJwt({ key: privateKey, kid: `${clientId}-key` }, asAlg(alg));
    return client.discovery(new URL(issuer), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  }

  async function dpopHandle(config: client.Configuration, alg: string): Promise<client.DPoPHandle> {
    return client.getDPoPHandle(config, await keyPair(alg), asAlg(alg));
  }

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    meta = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Metadata;
  });
  afterAll(async () => world?.close());

  it('advertises what the running configuration serves', async () => {
    expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256', 'EdDSA']));
    expect(meta.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256', 'EdDSA', 'Ed25519']));
    expect(meta.scopes_supported).not.toContain('openid');
    // no mutual-TLS listener in this world: no certificate-bound tokens, no aliases
    expect(meta.tls_client_certificate_bound_access_tokens).toBeUndefined();
    expect(meta.mtls_endpoint_aliases).toBeUndefined();
    for (const endpoint of ['introspection', 'revocation']) {
      expect(meta[`${endpoint}_endpoint_auth_methods_supported`]).toEqual(['private_key_jwt']);
      expect(meta[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual(meta.token_endpoint_auth_signing_alg_values_supported);
    }
    const docs = await fetch(String(meta.service_documentation));
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    // every endpoint the metadata names is served (by one method or the other; unauthenticated, so 4xx but never 404)
    const endpoints = Object.entries(meta).filter(([k, v]) => k.endsWith('_endpoint') && typeof v === 'string');
    expect(endpoints.length).toBeGreaterThan(8);
    for (const [name, url] of endpoints) {
      const statuses = [];
      for (const method of ['GET', 'POST']) {
        const res = await fetch(url as string, { method, signal: AbortSignal.timeout(2000) });
        statuses.push(res.status);
        await res.body?.cancel();
      }
      expect({ name, served: statuses.some((s) => s !== 404) }).toEqual({ name, served: true });
    }
  });

  it('refuses a scope it does not advertise with invalid_scope, as a client would expect', async () => {
    const config = await registeredClient('scope-probe', 'ES256');
    const err = await client
      .clientCredentialsGrant(config, { scope: 'openid', resource: `${issuer}/api` }, { DPoP: await dpopHandle(config, 'ES256') })
      .catch((e: unknown) => e as client.ResponseBodyError);
    expect(err).toMatchObject({ error: 'invalid_scope' });
  });

  it('authenticates with private_key_jwt under each advertised alg', async () => {
    const algs = meta.token_endpoint_auth_signing_alg_values_supported;
    for (const alg of algs) {
      const config = await registeredClient(`pkjwt-${alg.toLowerCase()}`, alg);
      const token = await client.clientCredentialsGrant(
        config,
        { scope: 'consent_request', resource: `${issuer}/api` },
        { DPoP: await dpopHandle(config, 'ES256') },
      );
      expect({ alg, token_type: token.token_type }).toEqual({ alg, token_type: 'dpop' });
    }
  });

  it('files a consent request, reads the source, introspects and revokes, with DPoP under each advertised alg', async () => {
    for (const alg of meta.dpop_signing_alg_values_supported) {
      const clientId = `dpop-${alg.toLowerCase()}`;
      const config = await registeredClient(clientId, 'ES256');
      const DPoP = await dpopHandle(config, alg);
      const api = await client.clientCredentialsGrant(config, { scope: 'consent_request', resource: `${issuer}/api` }, { DPoP });
      const filed = await client.fetchProtectedResource(
        config,
        api.access_token,
        new URL(String(meta.consent_request_endpoint)),
        'POST',
        JSON.stringify({
          subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
          activation_mode: 'data_subject_activates',
          purpose: PURPOSE,
        }),
        new Headers({ 'content-type': 'application/json' }),
        { DPoP },
      );
      expect({ alg, status: filed.status }).toEqual({ alg, status: 201 });
      const record = (await filed.json()) as { record_id: string; parties: Array<{ party_id: string }> };
      // the citizen approves (the operator's side of the story)
      await world.operators.a.consents.decide(record.record_id, record.parties[0]!.party_id, 'account:test', { approve: true });

      const details = [
        {
          type: 'personal_data_access',
          locations: [world.resource],
          actions: ['read'],
          datatypes: ['annual_income', 'income_year'],
          consent_record_id: record.record_id,
        },
      ];
      const read = await client.clientCredentialsGrant(
        config,
        { resource: world.resource, authorization_details: JSON.stringify(details) },
        { DPoP },
      );
      const url = new URL(`${world.resource}/income`);
      let res = await client.fetchProtectedResource(config, read.access_token, url, 'GET', undefined, undefined, { DPoP });
      for (let i = 0; res.status !== 200 && i < 100; i += 1) {
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 20));
        res = await client.fetchProtectedResource(config, read.access_token, url, 'GET', undefined, undefined, { DPoP });
      }
      expect({ alg, status: res.status }).toEqual({ alg, status: 200 });
      expect(Object.keys((await res.json()) as object).sort()).toEqual(['annual_income', 'income_year']);

      const active = await client.tokenIntrospection(config, read.access_token);
      expect(active).toMatchObject({ active: true, client_id: clientId, token_type: 'DPoP' });
      await client.tokenRevocation(config, read.access_token);
      expect(await client.tokenIntrospection(config, read.access_token)).toEqual({ active: false });
      // the client's API token, never revoked, is still active
      expect((await client.tokenIntrospection(config, api.access_token)).active).toBe(true);
    }
  });

  it("does not let one client introspect or revoke another client's token", async () => {
    const mine = await registeredClient('introspect-mine', 'ES256');
    const other = await registeredClient('introspect-other', 'ES256');
    const token = await client.clientCredentialsGrant(
      mine,
      { scope: 'consent_request', resource: `${issuer}/api` },
      { DPoP: await dpopHandle(mine, 'ES256') },
    );
    expect(await client.tokenIntrospection(other, token.access_token)).toEqual({ active: false });
    await client.tokenRevocation(other, token.access_token);
    expect((await client.tokenIntrospection(mine, token.access_token)).active).toBe(true);
  });

  it('answers a bad client assertion with invalid_client, in OAuth form', async () => {
    const endpoint = String(meta.introspection_endpoint);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'x', client_id: 'nobody' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });
});
