/**
 * A Solid pod behind the gateway: a real Community Solid Server (child process, in-memory),
 * a citizen's pod whose `portti/` container only its owner and the gateway's WebID may read,
 * and the real gateway and operator. The gateway reads as a Solid-OIDC client (client
 * credentials, DPoP-bound token); Turtle and JSON-LD resources become attribute documents and
 * only the consented attributes leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide as citizenDecide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { SolidOidcSession } from '../../src/shared/oauth/solid-oidc-session.ts';
import type { ServiceDefinition } from '../../src/operator/registry/registry.schema.ts';
import { startSolidServer, type SolidAccount, type SolidServer } from '../helpers/solid-server.ts';
import {
  callApi,
  CONSENT_BASIS,
  createTestService,
  PURPOSE,
  readSource,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const FOAF = 'http://xmlns.com/foaf/0.1/';
const VCARD = 'http://www.w3.org/2006/vcard/ns#';
const label = (en: string) => ({ fi: en, sv: en, en });

const CONTACT = `@prefix foaf: <${FOAF}>.
@prefix vcard: <${VCARD}>.
<#me> foaf:givenName "Aino"; foaf:familyName "Virtanen";
  vcard:hasEmail <mailto:aino@example.org>; vcard:hasTelephone <tel:+358401234567>;
  vcard:hasAddress [ vcard:street-address "Mannerheimintie 1"; vcard:postal-code "00100"; vcard:locality "Helsinki" ];
  <https://example.org/health#bloodType> "A+".
`;

const HOME = {
  '@context': { vcard: VCARD, foaf: FOAF },
  '@id': '#me',
  'vcard:locality': 'Helsinki',
  'vcard:postal-code': '00100',
  'foaf:age': { '@value': '38', '@type': 'http://www.w3.org/2001/XMLSchema#integer' },
};

function acl(owner: string, gateway: string): string {
  return `@prefix acl: <http://www.w3.org/ns/auth/acl#>.
<#owner> a acl:Authorization; acl:agent <${owner}>; acl:accessTo <./>; acl:default <./>; acl:mode acl:Read, acl:Write, acl:Control.
<#portti-gateway> a acl:Authorization; acl:agent <${gateway}>; acl:accessTo <./>; acl:default <./>; acl:mode acl:Read.
`;
}

function podService(service: TestService): ServiceDefinition {
  return {
    client_id: service.clientId,
    name: label('Library card service'),
    kind: 'public_service',
    controller: { name: 'City of Helsinki' },
    privacy_notice: 'https://www.hel.fi/privacy',
    jwks: { keys: [service.publicJwk as Record<string, unknown>] },
    redirect_uris: [],
    sender_constraint: 'dpop',
    purposes: [
      {
        purpose: PURPOSE,
        label: label('Library card'),
        lawful_basis: CONSENT_BASIS,
        retention_period: 'P1Y',
        recipients: [],
        attributes: [
          { source: 'pod', id: 'given_name', required: true },
          { source: 'pod', id: 'family_name', required: true },
          { source: 'pod', id: 'email', required: false },
          { source: 'pod', id: 'address', required: false },
          { source: 'pod', id: 'locality', required: false },
          { source: 'pod', id: 'age', required: false },
        ],
      },
    ],
  };
}

describe('a Solid pod behind the gateway', () => {
  let css: SolidServer;
  let owner: SolidAccount;
  let gatewayAccount: SolidAccount;
  let world: World;
  let service: TestService;
  let resource: string;
  let record: string;
  let aino: Citizen;

  beforeAll(async () => {
    const started = performance.now();
    css = await startSolidServer();
    console.log(`Community Solid Server up in ${(performance.now() - started).toFixed(0)} ms`);
    owner = await css.createAccount('aino');
    gatewayAccount = await css.createAccount('portti-gateway');
    // the pod owner writes her data and lets the gateway's WebID read the portti/ container
    const session = new SolidOidcSession({
      issuer: css.baseUrl,
      client_id: owner.clientId,
      client_secret: owner.clientSecret,
      timeoutMs: 10_000,
    });
    const put = async (path: string, contentType: string, body: string) => {
      const url = `${owner.pod}${path}`;
      const { authorization, dpop } = await session.headers('PUT', url);
      const res = await fetch(url, { method: 'PUT', headers: { authorization, dpop, 'content-type': contentType }, body });
      expect(res.status, `PUT ${path}`).toBeLessThan(300);
    };
    await put('portti/contact', 'text/turtle', CONTACT);
    await put('portti/home', 'application/ld+json', JSON.stringify(HOME));
    await put('portti/notes', 'text/plain', 'this is not RDF { at all');
    await put('portti/.acl', 'text/turtle', acl(owner.webId, gatewayAccount.webId));

    world = await startWorld({
      admitted: ['a'],
      extraSources: [
        {
          gateway: {
            id: 'pod',
            upstream: {
              base_url: css.baseUrl,
              auth: {
                type: 'solid-oidc',
                issuer: css.baseUrl,
                client_id: gatewayAccount.clientId,
                client_secret: gatewayAccount.clientSecret,
              },
              timeout_ms: 5000,
              max_response_bytes: 1048576,
            },
            operations: [
              {
                name: 'contact',
                method: 'GET',
                path: '/{identifier}/portti/contact',
                identifier_type: 'solid_pod',
                format: 'turtle',
                attributes: {
                  given_name: `${FOAF}givenName`,
                  family_name: `${FOAF}familyName`,
                  email: `${VCARD}hasEmail`,
                  address: `${VCARD}hasAddress`,
                },
              },
              {
                name: 'home',
                method: 'GET',
                path: '/{identifier}/portti/home',
                identifier_type: 'solid_pod',
                format: 'turtle',
                attributes: { locality: `${VCARD}locality`, age: `${FOAF}age` },
              },
              {
                name: 'notes',
                method: 'GET',
                path: '/{identifier}/portti/notes',
                identifier_type: 'solid_pod',
                format: 'turtle',
                attributes: { given_name: `${FOAF}givenName` },
              },
            ],
          },
          registry: {
            id: 'pod',
            name: label("Citizen's Solid pod"),
            identifier_type: 'solid_pod',
            attributes: [
              { id: 'given_name', label: label('Given name'), category: 'https://w3id.org/dpv/pd#Name', sensitivity: 'normal' },
              { id: 'family_name', label: label('Family name'), category: 'https://w3id.org/dpv/pd#Name', sensitivity: 'normal' },
              { id: 'email', label: label('E-mail'), category: 'https://w3id.org/dpv/pd#EmailAddress', sensitivity: 'normal' },
              { id: 'address', label: label('Address'), category: 'https://w3id.org/dpv/pd#PostalAddress', sensitivity: 'normal' },
              { id: 'locality', label: label('Home town'), category: 'https://w3id.org/dpv/pd#Location', sensitivity: 'normal' },
              { id: 'age', label: label('Age'), category: 'https://w3id.org/dpv/pd#Age', sensitivity: 'normal' },
            ],
          },
        },
      ],
    });
    resource = `${world.gatewayUrl}/sources/pod`;
    service = await createTestService('library-service');
    await world.operators.a.registry.putService(podService(service));
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    await css?.close();
  });

  it('keeps the pod private: no read without credentials, and the gateway reads as its own WebID', async () => {
    const url = `${owner.pod}portti/contact`;
    const anonymous = await fetch(url, { headers: { accept: 'text/turtle' } });
    expect([401, 403]).toContain(anonymous.status);
    const stranger = await css.createAccount('stranger');
    const strangerSession = new SolidOidcSession({
      issuer: css.baseUrl,
      client_id: stranger.clientId,
      client_secret: stranger.clientSecret,
      timeoutMs: 10_000,
    });
    const asStranger = await fetch(url, { headers: { accept: 'text/turtle', ...(await strangerSession.headers('GET', url)) } });
    expect(asStranger.status).toBe(403);
    const gatewaySession = new SolidOidcSession({
      issuer: css.baseUrl,
      client_id: gatewayAccount.clientId,
      client_secret: gatewayAccount.clientSecret,
      timeoutMs: 10_000,
    });
    const { authorization, dpop } = await gatewaySession.headers('GET', url);
    const asGateway = await fetch(url, { headers: { accept: 'text/turtle', authorization, dpop } });
    expect(asGateway.status).toBe(200);
    expect(await asGateway.text()).toContain('Mannerheimintie 1');
  });

  it('Aino consents at her operator to her name and address but not her e-mail', async () => {
    const res = await callApi(service, world.issuers.a, 'POST', '/api/consent-requests', {
      subjects: [{ identifier_type: 'solid_pod', identifier: 'aino' }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    expect(res.status).toBe(201);
    record = ((await res.json()) as { record_id: string }).record_id;
    aino = await citizenSignIn(world.issuers.a, 'demo', 'aino');
    // her keychain also holds her Solid identity (as after signing in with her pod's identity provider)
    const { account_id } = (await (await aino.browser.get(`${world.issuers.a}/citizen/api/me`)).json()) as { account_id: string };
    await world.operators.a.accounts.signIn(
      { idp: 'solid', iss: css.baseUrl, sub: owner.webId, identifier: { type: 'solid_pod', value: 'aino' } },
      account_id,
    );
    const decided = await citizenDecide(aino, record, {
      approve: true,
      choices: [`${resource}#address`, `${resource}#locality`, `${resource}#age`],
    });
    expect(decided.status).toBe(200);
    expect(((await decided.json()) as { status: string }).status).toBe('active');
    await expect(sourceToken(service, world.issuers.a, resource, record, ['given_name', 'email'])).rejects.toThrow(/beyond the consent/);
  });

  it('reads only the consented attributes of a Turtle resource through the gateway', async () => {
    const token = await sourceToken(service, world.issuers.a, resource, record, ['given_name', 'family_name', 'address']);
    const res = await readSource(service, `${resource}/contact`, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      given_name: 'Aino',
      family_name: 'Virtanen',
      address: { [`${VCARD}locality`]: 'Helsinki', [`${VCARD}postal-code`]: '00100', [`${VCARD}street-address`]: 'Mannerheimintie 1' },
    });
    const narrowed = await readSource(service, `${resource}/contact?attributes=given_name`, token);
    expect(await narrowed.json()).toEqual({ given_name: 'Aino' });
    const refused = await readSource(service, `${resource}/contact?attributes=email`, token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('attribute_not_consented');
  });

  it('reads a JSON-LD resource too (the pod serves it as Turtle), with typed literals', async () => {
    const token = await sourceToken(service, world.issuers.a, resource, record, ['locality', 'age']);
    const res = await readSource(service, `${resource}/home`, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ locality: 'Helsinki', age: 38 });
  });

  it('answers 502 when the pod holds something that is not RDF', async () => {
    const token = await sourceToken(service, world.issuers.a, resource, record, ['given_name']);
    const res = await readSource(service, `${resource}/notes`, token);
    expect(res.status).toBe(502);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('upstream_error');
    expect(problem.detail).not.toContain('RDF {');
  });

  it('answers 503 when the pod cannot be reached', async () => {
    const token = await sourceToken(service, world.issuers.a, resource, record, ['given_name']);
    await css.close();
    const res = await readSource(service, `${resource}/contact`, token);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { code: string }).code).toBe('upstream_unavailable');
  });

  it('refuses the next read after Aino withdraws, before asking the pod', async () => {
    const token = await sourceToken(service, world.issuers.a, resource, record, ['given_name']);
    const applied = new Promise<void>((resolve) => {
      const off = world.gateway.replica.onApply((e) => {
        if (e.record_id === record && e.status === 'withdrawn') {
          off();
          resolve();
        }
      });
    });
    const res = await aino.browser.request(`${world.issuers.a}/citizen/api/consents/${encodeURIComponent(record)}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: '{}',
    });
    expect(res.status).toBe(200);
    await applied;
    const after = await readSource(service, `${resource}/contact`, token);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { code: string }).code).toBe('consent_not_active');
  });
});
