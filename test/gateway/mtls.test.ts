/**
 * RFC 8705 mutual-TLS-bound tokens as the second sender constraint: a server-to-server
 * service gets tokens bound to its TLS client certificate at the operator's mutual-TLS
 * token endpoint and reads through the gateway's mutual-TLS listener with `Bearer`; the
 * binding is checked per connection, and the same token fails with another certificate
 * or without TLS.
 */
import { hash, X509Certificate } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAssertion, discover } from '../../src/shared/oauth/oauth-client.ts';
import { makeCertificates, text } from '../helpers/certs.ts';
import { createTestService, PEOPLE, PURPOSE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';

describe('mutual-TLS-bound tokens (RFC 8705)', () => {
  let world: World;
  let service: TestService;
  let agent: Agent;
  let other: Agent;
  let certThumbprint: string;
  const certs = makeCertificates();

  const tlsAgent = (name: string) => {
    const c = certs.client(name);
    return { agent: new Agent({ connect: { ca: text(certs.ca), cert: text(c.cert), key: text(c.key) } }), cert: c.cert };
  };

  /** Client credentials at the operator's mutual-TLS token endpoint. */
  async function token(extra: Record<string, string>, via = agent): Promise<string> {
    const meta = await discover(world.issuers.a);
    const aliases = meta.mtls_endpoint_aliases as { token_endpoint: string };
    const res = await undiciFetch(aliases.token_endpoint, {
      dispatcher: via,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: service.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion({ clientId: service.clientId, key: service.key }, meta.issuer),
        ...extra,
      }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!body.access_token) throw new Error(`${body.error}: ${body.error_description}`);
    return body.access_token;
  }

  beforeAll(async () => {
    const server = { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey };
    world = await startWorld({ mtls: server });
    service = await createTestService('b2b-service');
    await world.operators.a.registry.putService(serviceDefinition(service, [], undefined, 'mtls'));
    const mine = tlsAgent('b2b-service');
    agent = mine.agent;
    certThumbprint = hash('sha256', new X509Certificate(text(mine.cert)).raw, 'base64url');
    other = tlsAgent('someone-else').agent;
  }, 60_000);
  afterAll(async () => {
    await agent?.close();
    await other?.close();
    await world?.close();
  });

  it('publishes the mutual-TLS endpoints and the gateway accepts certificate-bound tokens', async () => {
    const meta = await discover(world.issuers.a);
    expect(meta.mtls_endpoint_aliases).toMatchObject({ token_endpoint: `${world.mtlsUrls.a}/oauth/token` });
    // the operator has a mutual-TLS listener here, so it says it binds tokens to certificates (RFC 8705 §3.3)
    expect(meta.tls_client_certificate_bound_access_tokens).toBe(true);
    const prm = (await (await fetch(`${world.gatewayUrl}/.well-known/oauth-protected-resource/sources/incomes`)).json()) as Record<
      string,
      unknown
    >;
    expect(prm).toMatchObject({ tls_client_certificate_bound_access_tokens: true, dpop_bound_access_tokens_required: false });
  });

  it('binds tokens to the certificate and serves only that certificate, per connection', async () => {
    // the service files its request over mutual TLS with a certificate-bound API token
    const apiToken = await token({ scope: 'consent_request', resource: `${world.issuers.a}/api` });
    expect(decodeJwt(apiToken).cnf).toEqual({ 'x5t#S256': certThumbprint });
    const filed = await undiciFetch(`${world.mtlsUrls.a}/api/consent-requests`, {
      dispatcher: agent,
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
        activation_mode: 'data_subject_activates',
        purpose: PURPOSE,
      }),
    });
    expect(filed.status).toBe(201);
    const record = (await filed.json()) as { record_id: string; parties: Array<{ party_id: string }> };
    await world.operators.a.consents.decide(record.record_id, record.parties[0]!.party_id, 'account:test', { approve: true, choices: [] });

    const read = await token({
      resource: world.resource,
      authorization_details: JSON.stringify([
        {
          type: 'personal_data_access',
          locations: [world.resource],
          actions: ['read'],
          datatypes: ['annual_income', 'income_year'],
          consent_record_id: record.record_id,
        },
      ]),
    });
    const claims = decodeJwt(read);
    expect(claims.cnf).toEqual({ 'x5t#S256': certThumbprint });
    const url = `${world.mtlsUrls.gateway}/sources/incomes/income`;
    let res = await undiciFetch(url, { dispatcher: agent, headers: { authorization: `Bearer ${read}` } });
    for (let i = 0; i < 40 && res.status === 403; i += 1) {
      await new Promise((r) => setTimeout(r, 50)); // the replica learns the approval from the feed
      res = await undiciFetch(url, { dispatcher: agent, headers: { authorization: `Bearer ${read}` } });
    }
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 }, income_year: 2025 });
    // a second request on the same connection reuses the connection's verified thumbprint
    expect((await undiciFetch(url, { dispatcher: agent, headers: { authorization: `Bearer ${read}` } })).status).toBe(200);

    const stolen = await undiciFetch(url, { dispatcher: other, headers: { authorization: `Bearer ${read}` } });
    expect(stolen.status).toBe(401);
    expect(((await stolen.json()) as { code: string }).code).toBe('invalid_token');
    const plain = await fetch(`${world.resource}/income`, { headers: { authorization: `Bearer ${read}` } });
    expect(plain.status).toBe(401);
    const dpopScheme = await undiciFetch(url, { dispatcher: agent, headers: { authorization: `DPoP ${read}` } });
    expect(dpopScheme.status).toBe(401);
  });

  it('refuses a TLS client without a certificate from the configured CA', async () => {
    const noCert = new Agent({ connect: { ca: text(certs.ca) } });
    await expect(undiciFetch(`${world.mtlsUrls.gateway}/healthz`, { dispatcher: noCert })).rejects.toThrow();
    await noCert.close();
  });
});
