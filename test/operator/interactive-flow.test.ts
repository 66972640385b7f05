/**
 * The interactive authorization flow driven by a standard relying party (openid-client
 * v6): PAR with RAR `personal_data_access` + resource indicator + PKCE S256 + DPoP, the
 * citizen signs in and unticks the optional attribute on the consent page, the code is
 * exchanged for a DPoP-bound RFC 9068 token that reads only what was consented through
 * the gateway. Also: PAR beyond the agreement and an authorization request without PAR.
 */
import { signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { TestBrowser } from '../helpers/browser.ts';
import { createTestService, freePort, PURPOSE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';
import type { PersonalDataAccessDetail } from '../../src/operator/oauth/authorization-server.ts';

/** Signs a demo resident in at an operator through the demo IdP (shared helper). */
const signIn = (issuer: string, resident: string): Promise<Citizen> => citizenSignIn(issuer, 'demo', resident);

describe('interactive authorization with openid-client (PAR, PKCE, DPoP, RAR)', () => {
  let world: World;
  let service: TestService;
  let config: oidc.Configuration;
  let DPoP: oidc.DPoPHandle;
  let redirectUri: string;
  let issuer: string;
  /** From the main flow: the token, its record and the signed-in citizen. */
  let granted: { token: string; recordId: string; aino: { browser: TestBrowser; csrf: string } };

  const details = (datatypes: string[]) =>
    JSON.stringify([{ type: 'personal_data_access', locations: [world.resource], actions: ['read'], datatypes, purpose: PURPOSE }]);

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    issuer = world.issuers.a;
    service = await createTestService('fee-portal');
    // nothing listens there: the browser stops at that origin and hands the URL over
    redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
    await world.operators.a.registry.putService(serviceDefinition(service, [redirectUri]));
    config = await oidc.discovery(
      new URL(issuer),
      service.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: service.key.privateKey, kid: service.key.kid }),
      { execute: [oidc.allowInsecureRequests] },
    );
    DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
  });
  afterAll(async () => world?.close());

  it('advertises PAR as required, PKCE S256 and DPoP in the metadata', () => {
    const meta = config.serverMetadata();
    expect(meta.require_pushed_authorization_requests).toBe(true);
    expect(meta.pushed_authorization_request_endpoint).toBe(`${issuer}/oauth/par`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.dpop_signing_alg_values_supported).toContain('ES256');
    expect(meta.authorization_details_types_supported).toContain('personal_data_access');
  });

  it('runs PAR → sign-in → consent without the optional attribute → code → DPoP token → gateway read', async () => {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
        resource: world.resource,
        authorization_details: details(['annual_income', 'income_year', 'employer']),
      },
      { DPoP },
    );
    expect(authUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect([...authUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);

    const aino = await signIn(issuer, 'aino');
    const consentPage = await aino.browser.get(authUrl.href);
    expect(consentPage.status).toBe(200);
    expect(new URL(aino.browser.lastUrl).pathname).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
    const html = await consentPage.text();
    const csrf = TestBrowser.field(html, '_csrf');
    expect(csrf).toBe(aino.csrf);
    const optional = [...html.matchAll(/name="choices" value="([^"]+)"/g)].map((m) => m[1]);
    expect(optional).toEqual([`${world.resource}#employer`]);

    const stopAtClient = (u: URL) => u.origin === new URL(redirectUri).origin;
    const done = await aino.browser.postForm(aino.browser.lastUrl, { decision: 'approve', _csrf: csrf }, stopAtClient);
    expect(done.status).toBe(299);
    const finalUrl = new URL(aino.browser.lastUrl);
    expect(finalUrl.origin + finalUrl.pathname).toBe(redirectUri);
    expect(finalUrl.searchParams.get('iss')).toBe(issuer);
    expect(finalUrl.searchParams.get('code')).toBeTruthy();

    const tokens = await oidc.authorizationCodeGrant(config, finalUrl, { pkceCodeVerifier, expectedState: state }, undefined, { DPoP });
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header.typ).toBe('at+jwt');
    const claims = decodeJwt(tokens.access_token) as ReturnType<typeof decodeJwt> & {
      cnf?: { jkt?: string };
      client_id?: string;
      authorization_details?: PersonalDataAccessDetail[];
    };
    expect(claims.iss).toBe(issuer);
    expect(claims.client_id).toBe(service.clientId);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(claims.aud).toBe(world.resource);
    expect(claims.cnf?.jkt).toEqual(expect.any(String));
    const detail = claims.authorization_details?.[0];
    expect(detail?.type).toBe('personal_data_access');
    expect(detail?.consent_record_id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(detail?.datatypes).toEqual(['annual_income', 'income_year']);
    expect(detail?.locations).toEqual([world.resource]);

    // the citizen sees the record the approval created, without the employer
    const records = (await (await aino.browser.get(`${issuer}/citizen/api/consents`)).json()) as Array<{
      record_id: string;
      status: string;
      my_parties: Array<{ choices: string[] }>;
    }>;
    const record = records.find((r) => r.record_id === detail?.consent_record_id);
    expect(record?.status).toBe('active');
    expect(record?.my_parties[0]?.choices).toEqual([]);

    // the gateway learns the record from the feed; allow it a moment
    let res: Response | undefined;
    for (let i = 0; i < 40; i += 1) {
      res = await oidc.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(`${world.resource}/income`),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      if (res.status !== 403) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(res?.status).toBe(200);
    const body = (await res!.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['annual_income', 'income_year']);
    expect(body.income_year).toBe(2025);
    granted = { token: tokens.access_token, recordId: detail!.consent_record_id!, aino };

    // the token is useless with any other DPoP key
    const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const stolen = await oidc
      .fetchProtectedResource(config, tokens.access_token, new URL(`${world.resource}/income`), 'GET', undefined, undefined, {
        DPoP: otherKey,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(stolen).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    const challenge = stolen as oidc.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]?.scheme).toBe('dpop');
    expect(challenge.cause[0]?.parameters.error).toBe('invalid_token');
    expect(((await challenge.response.json()) as { code: string }).code).toBe('invalid_token');
  });

  it('stops the token once the citizen withdraws the consent given in the flow', async () => {
    const { token, recordId, aino } = granted;
    const res = await aino.browser.request(`${issuer}/citizen/api/consents/${encodeURIComponent(recordId)}/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('withdrawn');
    let read: Response | undefined;
    for (let i = 0; i < 40; i += 1) {
      read = await oidc.fetchProtectedResource(config, token, new URL(`${world.resource}/income`), 'GET', undefined, undefined, { DPoP });
      if (read.status !== 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(read?.status).toBe(403);
    const problem = (await read!.json()) as { code: string; consent_status: string };
    expect(problem.code).toBe('consent_not_active');
    expect(problem.consent_status).toBe('withdrawn');
  });

  it('sends a citizen who is not signed in to sign in first, back to the consent page, and keeps a ticked optional attribute', async () => {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
        resource: world.resource,
        authorization_details: details(['annual_income', 'income_year', 'employer']),
      },
      { DPoP },
    );
    const browser = new TestBrowser();
    const signinPage = await browser.get(authUrl.href);
    expect(signinPage.status).toBe(200);
    const signinUrl = new URL(browser.lastUrl);
    expect(signinUrl.pathname).toBe('/signin');
    const returnTo = signinUrl.searchParams.get('return_to')!;
    expect(returnTo).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
    const loginHref = /href="(\/login\/demo\?return_to=[^"]+)"/.exec(await signinPage.text())?.[1];
    expect(loginHref).toBe(`/login/demo?return_to=${encodeURIComponent(returnTo)}`);

    const idpPage = await browser.get(`${issuer}${loginHref}`);
    expect(idpPage.status).toBe(200);
    const idpUid = /action="\/interaction\/([^"]+)"/.exec(await idpPage.text())?.[1];
    const consentPage = await browser.postForm(`${new URL(browser.lastUrl).origin}/interaction/${idpUid}`, { resident: 'aino' });
    expect(consentPage.status).toBe(200);
    // the login step is done; oidc-provider opens a new interaction for the consent step
    expect(new URL(browser.lastUrl).pathname).toMatch(/^\/interaction\/[A-Za-z0-9_-]+$/);
    const html = await consentPage.text();
    const done = await browser.postForm(
      browser.lastUrl,
      { decision: 'approve', _csrf: TestBrowser.field(html, '_csrf'), choices: [`${world.resource}#employer`] },
      (u) => u.origin === new URL(redirectUri).origin,
    );
    expect(done.status).toBe(299);
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(browser.lastUrl),
      { pkceCodeVerifier, expectedState: state },
      undefined,
      { DPoP },
    );
    const claims = decodeJwt(tokens.access_token) as { authorization_details?: PersonalDataAccessDetail[] };
    expect(claims.authorization_details?.[0]?.datatypes).toEqual(['annual_income', 'income_year', 'employer']);
    let res: Response | undefined;
    for (let i = 0; i < 40; i += 1) {
      res = await oidc.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(`${world.resource}/income`),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      if (res.status !== 403) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(res?.status).toBe(200);
    expect(Object.keys((await res!.json()) as object).sort()).toEqual(['annual_income', 'employer', 'income_year']);
  });

  it("refuses the code at the token endpoint with a DPoP key other than the PAR's", async () => {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
        resource: world.resource,
        authorization_details: details(['annual_income', 'income_year']),
      },
      { DPoP },
    );
    const aino = await signIn(issuer, 'aino');
    const page = await aino.browser.get(authUrl.href);
    expect(page.status).toBe(200);
    const csrf = TestBrowser.field(await page.text(), '_csrf');
    await aino.browser.postForm(
      aino.browser.lastUrl,
      { decision: 'approve', _csrf: csrf },
      (u) => u.origin === new URL(redirectUri).origin,
    );
    const finalUrl = new URL(aino.browser.lastUrl);

    const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const wrongKey = await oidc
      .authorizationCodeGrant(config, finalUrl, { pkceCodeVerifier, expectedState: state }, undefined, { DPoP: otherKey })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(wrongKey).toBeInstanceOf(oidc.ResponseBodyError);
    expect((wrongKey as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('sends the person back with access_denied and creates no record when they decline', async () => {
    const mikko = await signIn(issuer, 'mikko');
    const before = ((await (await mikko.browser.get(`${issuer}/citizen/api/consents`)).json()) as unknown[]).length;
    const state = oidc.randomState();
    const authUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state,
        resource: world.resource,
        authorization_details: details(['annual_income', 'income_year']),
      },
      { DPoP },
    );
    const page = await mikko.browser.get(authUrl.href);
    expect(page.status).toBe(200);
    const csrf = TestBrowser.field(await page.text(), '_csrf');
    const done = await mikko.browser.postForm(
      mikko.browser.lastUrl,
      { decision: 'decline', _csrf: csrf },
      (u) => u.origin === new URL(redirectUri).origin,
    );
    expect(done.status).toBe(299);
    const back = new URL(mikko.browser.lastUrl);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toBeNull();
    const after = ((await (await mikko.browser.get(`${issuer}/citizen/api/consents`)).json()) as unknown[]).length;
    expect(after).toBe(before);
  });

  it("refuses the consent form without the session's CSRF token", async () => {
    const aino = await signIn(issuer, 'aino');
    const authUrl = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: oidc.randomState(),
        resource: world.resource,
        authorization_details: details(['annual_income', 'income_year']),
      },
      { DPoP },
    );
    expect((await aino.browser.get(authUrl.href)).status).toBe(200);
    const res = await aino.browser.postForm(
      aino.browser.lastUrl,
      { decision: 'approve', _csrf: 'forged' },
      (u) => u.origin === new URL(redirectUri).origin,
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('csrf_failed');
  });

  it("refuses a PAR that asks for an attribute outside the service's agreement", async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const err = await oidc
      .buildAuthorizationUrlWithPAR(
        config,
        {
          redirect_uri: redirectUri,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state: oidc.randomState(),
          resource: world.resource,
          authorization_details: details(['annual_income', 'income_year', 'tax_debt']),
        },
        { DPoP },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(oidc.ResponseBodyError);
    const e = err as oidc.ResponseBodyError;
    expect(e.status).toBe(400);
    expect(e.error).toBe('invalid_authorization_details');
    expect(e.error_description).toMatch(/tax_debt/);
  });

  it('refuses a PAR that leaves out a required attribute or names no purpose', async () => {
    for (const authorization_details of [
      details(['annual_income']),
      JSON.stringify([
        { type: 'personal_data_access', locations: [world.resource], actions: ['read'], datatypes: ['annual_income', 'income_year'] },
      ]),
    ]) {
      const err = await oidc
        .buildAuthorizationUrlWithPAR(
          config,
          {
            redirect_uri: redirectUri,
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
            state: oidc.randomState(),
            resource: world.resource,
            authorization_details,
          },
          { DPoP },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(oidc.ResponseBodyError);
      expect((err as oidc.ResponseBodyError).error).toBe('invalid_authorization_details');
    }
  });

  it('refuses an authorization request that was not pushed (PAR required)', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
      resource: world.resource,
      authorization_details: details(['annual_income', 'income_year']),
    });
    expect(url.pathname).toBe('/oauth/authorize');
    const aino = await signIn(issuer, 'aino');
    const res = await aino.browser.get(url.href, (u) => u.origin === new URL(redirectUri).origin);
    // the error goes back to the registered redirect_uri (RFC 6749 §4.1.2.1), never a code
    expect(res.status).toBe(299);
    const back = new URL(aino.browser.lastUrl);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/Pushed Authorization Request must be used/);
    expect(back.searchParams.get('iss')).toBe(issuer);
  });
});
