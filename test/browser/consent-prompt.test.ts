/**
 * The consent prompt of a service's interactive authorization, in Chromium, in Finnish, Swedish
 * and English: the terms in plain words before the decision, no optional item ticked, approval
 * with only the required items in one click (the citizen arrives from the service), and the
 * validity the prompt names is the one the consent card shows. Another person's authorization
 * server session left in the browser is ended before a new citizen's consent is asked.
 */
import { existsSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/operator/citizen/pages/format.ts';
import { t } from '../../src/web/i18n.ts';
import { CHROMIUM, launchChromium, signInPage } from '../helpers/browser.ts';
import { check, daycareService, LANGUAGES, Steps } from '../helpers/consent-browser.ts';
import { createTestService, freePort, PEOPLE, PURPOSE, startWorld, type TestService, type World } from '../helpers/world.ts';

describe.skipIf(!existsSync(CHROMIUM))('the consent prompt of an authorization in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;
  let config: oidc.Configuration;
  let DPoP: oidc.DPoPHandle;
  let redirectUri: string;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    service = await createTestService('daycare-portal');
    redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
    await world.operators.a.registry.putService(daycareService(service, [redirectUri]));
    config = await oidc.discovery(
      new URL(world.issuers.a),
      service.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: service.key.privateKey, kid: service.key.kid }),
      { execute: [oidc.allowInsecureRequests] },
    );
    DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    console.log('steps measured', JSON.stringify(measured));
  });

  /** The service sends the browser to authorize (PAR); the service's own page answers the redirect. */
  async function authorize(page: Page) {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
        resource: world.resource,
        authorization_details: JSON.stringify([
          {
            type: 'personal_data_access',
            locations: [world.resource],
            actions: ['read'],
            datatypes: ['annual_income', 'income_year', 'employer'],
            purpose: PURPOSE,
          },
        ]),
      },
      { DPoP },
    );
    await page.route(`${new URL(redirectUri).origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>service</title>' }),
    );
    await page.goto(url.href);
    await page.waitForURL(/\/interaction\/[\w-]+/);
    return { pkceCodeVerifier, state };
  }

  for (const { locale, accept, browser: tag } of LANGUAGES) {
    it(`${locale}: shows every term, ticks nothing optional, grants the required items in one click`, async () => {
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      await signInPage(page, world.issuers.a, PEOPLE.aino.name);
      await authorize(page);
      const html = await page.content();
      expect([...html.matchAll(/<input[^>]*name="choices"[^>]*>/g)].map((m) => m[0])).toHaveLength(1);
      expect([...html.matchAll(/<input[^>]*name="choices"[^>]*>/g)].filter((m) => /\bchecked\b/.test(m[0]))).toEqual([]);
      const text = (await page.locator('main').textContent())!.replace(/\s+/g, ' ');
      const serviceName = { fi: 'Asiakasmaksuyksikkö', sv: 'Klientavgiftsenheten', en: 'Customer Fee Unit' }[locale];
      for (const words of [
        t(locale, 'consent_request_title', { service: serviceName }),
        'City of Helsinki',
        t(locale, 'withdraw_any_time'),
        t(locale, 'recipients_none', { service: serviceName }),
        t(locale, 'retention_words', { duration: humanDuration('P1Y', locale), service: serviceName }),
        { fi: 'Vuositulot – Tulorekisteri', sv: 'Årsinkomst – Inkomstregistret', en: 'Annual income – Incomes Register' }[locale],
      ])
        expect(text).toContain(words);
      await expect(page.getByRole('link', { name: 'asiakasmaksut@hel.fi' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('link', { name: t(locale, 'privacy_notice_read') }).isVisible()).resolves.toBe(true);
      const promised = await page.locator('dd.validity').getAttribute('data-until');
      await check(page, `prompt-${locale}`);

      const steps = new Steps();
      await steps.click(page.getByRole('button', { name: t(locale, 'approve') }));
      await page.waitForURL((u) => u.href.startsWith(redirectUri) && u.searchParams.has('code'));
      measured[`prompt_grant_${locale}`] = steps.count;
      expect(steps.count).toBe(1);
      await page.goto(`${world.issuers.a}/dashboard/consents`);
      const newest = page.locator('article').first();
      await expect(newest.locator('.status').textContent()).resolves.toBe(t(locale, 'status_active'));
      const until = await newest.locator('dd.validity').getAttribute('data-until');
      // the same date and time, later only by the time the person took to decide
      const late = Date.parse(until!) - Date.parse(promised!);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(90_000);
      await context.close();
    }, 90_000);
  }

  it("ends another person's authorization-server session before asking the signed-in citizen", async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signInPage(page, world.issuers.a, PEOPLE.aino.name);
    await authorize(page);
    await page.getByRole('button', { name: 'Give consent' }).click();
    await page.waitForURL((u) => u.href.startsWith(redirectUri));
    // Mikko signs in on the same browser without Aino signing out (the identity provider forgot her)
    await context.clearCookies({ name: 'demo_idp_session' });
    await page.goto(`${world.issuers.a}/login/demo?return_to=/dashboard`);
    await page.getByRole('button', { name: PEOPLE.mikko.name }).click();
    await page.waitForURL(`${world.issuers.a}/dashboard`);
    const { pkceCodeVerifier, state } = await authorize(page);
    await page.getByRole('button', { name: 'Give consent' }).click();
    await page.waitForURL((u) => u.href.startsWith(redirectUri) && u.searchParams.has('code'));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier, expectedState: state }, undefined, {
      DPoP,
    });
    const recordId = (tokens.authorization_details as Array<{ consent_record_id: string }> | undefined)?.[0]?.consent_record_id;
    const record = await world.operators.a.consents.get(recordId!);
    expect(record.parties.map((p) => p.identifier)).toEqual([PEOPLE.mikko.personal_identity_code]);
    await context.close();
  }, 90_000);
});
