/**
 * No dead ends, in Chromium, in Finnish, Swedish and English: unknown pages, a missing session
 * and a stale form give pages in the person's language with a way on (APIs keep problem+json);
 * a withdrawal or a decision whose session ended is finished after signing in again, with the
 * form's choices kept and CSRF still enforced; and signing out ends the identity provider's
 * session too, so the next "Sign in" asks who you are (RP-initiated logout, or `prompt=login`
 * with an identity provider that offers no logout). axe-core: no violation of any impact.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, signIn as citizenSignIn } from '../../src/demo/citizen-client.ts';
import { t, type Locale } from '../../src/web/i18n.ts';
import { CHROMIUM, launchChromium, signInPage } from '../helpers/browser.ts';
import { check, daycareService, LANGUAGES, Steps } from '../helpers/consent-browser.ts';
import { createTestService, fileRequest, PEOPLE, startWorld, type TestService, type World } from '../helpers/world.ts';

const IDP_LABEL = { fi: 'Demotunnistus', sv: 'Demoidentifiering', en: 'Demo identity' };
const signInWith = (page: Page, locale: Locale) => page.getByRole('link', { name: t(locale, 'sign_in_with', { name: IDP_LABEL[locale] }) });
const card = (page: Page, recordId: string) =>
  page.locator('article').filter({ has: page.locator(`[id="h-${encodeURIComponent(recordId)}"]`) });

/** An active consent of Aino's (filed, approved through the citizen API). */
async function activeConsent(world: World, service: TestService): Promise<string> {
  const record = await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code]);
  const aino = await citizenSignIn(world.issuers.a, 'demo', PEOPLE.aino.key);
  expect((await decide(aino, record.record_id, { approve: true })).status).toBe(200);
  return record.record_id;
}

describe.skipIf(!existsSync(CHROMIUM))('no dead ends in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    service = await createTestService('daycare-fees');
    await world.operators.a.registry.putService(daycareService(service));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    console.log('steps measured', JSON.stringify(measured));
  });

  for (const { locale, accept, browser: tag } of LANGUAGES) {
    it(`${locale}: unknown pages, missing sessions, stale forms and authorization errors are pages with a way on`, async () => {
      const issuer = world.issuers.a;
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      const missing = await page.goto(`${issuer}/dashboard/no-such-page`);
      expect(missing?.status()).toBe(404);
      expect(missing?.headers()['content-type']).toMatch(/^text\/html/);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(locale);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'error_not_found'));
      await expect(page.getByRole('link', { name: t(locale, 'error_go_home') }).isVisible()).resolves.toBe(true);
      await check(page, `error-404-${locale}`);
      // APIs and fetch keep problem+json
      for (const headers of [{}, { accept: 'application/json' }, { accept: '*/*' }] as Array<Record<string, string>>) {
        const res = await fetch(`${issuer}/dashboard/no-such-page`, { headers });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }

      const receipt = await page.goto(`${issuer}/dashboard/consents/urn%3Auuid%3Ax/receipt`);
      expect(receipt?.status()).toBe(401);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'error_session'));
      await expect(page.getByRole('link', { name: t(locale, 'error_sign_in_again') }).getAttribute('href')).resolves.toBe(
        `/signin?return_to=${encodeURIComponent('/dashboard/consents/urn%3Auuid%3Ax/receipt')}`,
      );
      await check(page, `error-401-${locale}`);

      const oauth = await page.goto(`${issuer}/oauth/authorize?client_id=nobody&request_uri=urn:ietf:params:oauth:request_uri:x`);
      expect(oauth?.status()).toBe(400);
      await expect(page.getByText(t(locale, 'error_oauth_text')).isVisible()).resolves.toBe(true);
      await check(page, `error-oauth-${locale}`);

      await signInPage(page, issuer, PEOPLE.aino.name);
      await page.goto(`${issuer}/dashboard/export`);
      await page.locator('input[name="_csrf"]').evaluateAll((inputs) => inputs.forEach((i) => ((i as HTMLInputElement).value = 'stale')));
      await page.getByLabel(t(locale, 'erase_confirm')).check();
      await page.getByRole('button', { name: t(locale, 'erase_button') }).click();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'error_csrf'));
      await expect(page.getByRole('link', { name: t(locale, 'error_open_again') }).getAttribute('href')).resolves.toBe('/dashboard/export');
      await check(page, `error-403-${locale}`);
      await page.getByRole('link', { name: t(locale, 'error_open_again') }).click();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'nav_export'));
      await context.close();
    }, 90_000);

    it(`${locale}: a withdrawal and a decision after the session ended are finished after signing in, choices kept`, async () => {
      const issuer = world.issuers.a;
      const recordId = await activeConsent(world, service);
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      await signInPage(page, issuer, PEOPLE.aino.name);
      await page.goto(`${issuer}/dashboard/consents`);
      await context.clearCookies({ name: 'portti_session' }); // the session ended while the page was open
      const steps = new Steps();
      await steps.click(card(page, recordId).getByRole('button', { name: t(locale, 'withdraw') }));
      await page.waitForURL(/\/signin\?/);
      await expect(page.getByRole('status').textContent()).resolves.toBe(t(locale, 'signin_session_ended'));
      await check(page, `signin-again-${locale}`);
      await steps.click(signInWith(page, locale));
      await page.waitForURL(/\/withdraw\?/);
      const serviceName = { fi: 'Asiakasmaksuyksikkö', sv: 'Klientavgiftsenheten', en: 'Customer Fee Unit' }[locale];
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        t(locale, 'confirm_withdraw_title', { service: serviceName }),
      );
      await check(page, `withdraw-again-${locale}`);
      await steps.click(card(page, recordId).getByRole('button', { name: t(locale, 'withdraw') }));
      await page.waitForURL(/\/dashboard\/consents$/);
      await expect(card(page, recordId).locator('.status').textContent()).resolves.toBe(t(locale, 'status_withdrawn'));
      measured[`withdraw_after_session_end_${locale}`] = steps.count;

      // a stale form: asked again with a fresh token, nothing done before
      const second = await activeConsent(world, service);
      await page.reload();
      await card(page, second)
        .locator('input[name="_csrf"]')
        .evaluate((i) => ((i as HTMLInputElement).value = 'stale'));
      await card(page, second)
        .getByRole('button', { name: t(locale, 'withdraw') })
        .click();
      await expect(page.getByRole('status').textContent()).resolves.toBe(t(locale, 'stale_form_notice'));
      await expect(card(page, second).locator('.status').textContent()).resolves.toBe(t(locale, 'status_active'));
      await card(page, second)
        .getByRole('button', { name: t(locale, 'withdraw') })
        .click();
      await expect(card(page, second).locator('.status').textContent()).resolves.toBe(t(locale, 'status_withdrawn'));

      // a decision: the optional item ticked before the session ended is still ticked
      const request = await fileRequest(service, issuer, [PEOPLE.aino.personal_identity_code]);
      await page.goto(`${issuer}/dashboard/requests`);
      await card(page, request.record_id).locator('input[name="choices"]').check();
      await context.clearCookies({ name: 'portti_session' });
      await card(page, request.record_id)
        .getByRole('button', { name: t(locale, 'approve') })
        .click();
      await signInWith(page, locale).click();
      await page.waitForURL(/\/dashboard\/requests\/.+again=signed_in/);
      await expect(card(page, request.record_id).locator('input[name="choices"]').isChecked()).resolves.toBe(true);
      await check(page, `decide-again-${locale}`);
      await card(page, request.record_id)
        .getByRole('button', { name: t(locale, 'approve') })
        .click();
      await page.waitForURL(/\/dashboard\/consents$/);
      const done = card(page, request.record_id);
      await expect(done.locator('.status').textContent()).resolves.toBe(t(locale, 'status_active'));
      await expect(
        done.getByText({ fi: 'Työnantaja', sv: 'Arbetsgivare', en: 'Employer' }[locale], { exact: false }).count(),
      ).resolves.toBe(1);
      await context.close();
    }, 90_000);

    it(`${locale}: sign-out ends the identity provider's session; the next sign-in asks who you are`, async () => {
      const issuer = world.issuers.a;
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      const visited: string[] = [];
      page.on('request', (r) => visited.push(r.url()));
      await signInPage(page, issuer, PEOPLE.aino.name);
      await page.getByRole('button', { name: t(locale, 'sign_out') }).click();
      await page.waitForURL(/\/signed-out/);
      expect(visited.some((u) => u.startsWith(`${world.idpIssuer}/session/end`) && u.includes('id_token_hint='))).toBe(true);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'signed_out_title'));
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(locale);
      await check(page, `signed-out-${locale}`);
      // without the operator's own reminder too: the identity provider itself has forgotten Aino
      await context.clearCookies({ name: 'portti_reauth' });
      await page.getByRole('link', { name: t(locale, 'sign_in'), exact: true }).click();
      await signInWith(page, locale).click();
      await page.waitForURL(new RegExp(`^${world.idpIssuer}/interaction/`));
      await expect(page.getByRole('button', { name: PEOPLE.mikko.name }).isVisible()).resolves.toBe(true);
      await page.getByRole('button', { name: PEOPLE.mikko.name }).click();
      await page.waitForURL(`${issuer}/dashboard`);
      await expect(page.locator('main').textContent()).resolves.toContain(PEOPLE.mikko.name);
      await context.close();
    }, 60_000);
  }
});

describe.skipIf(!existsSync(CHROMIUM))('sign-out with an identity provider that offers no logout', () => {
  let browser: Browser;
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'], idpLogout: false });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('asks who you are at the next sign-in (prompt=login), though the identity provider still knows Aino', async () => {
    const issuer = world.issuers.a;
    const context = await browser.newContext({ locale: 'fi-FI', extraHTTPHeaders: { 'accept-language': 'fi-FI,fi;q=0.9' } });
    const page = await context.newPage();
    const authorizations: URL[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${world.idpIssuer}/auth?`)) authorizations.push(new URL(r.url()));
    });
    await signInPage(page, issuer, PEOPLE.aino.name);
    await page.getByRole('button', { name: t('fi', 'sign_out') }).click();
    await page.waitForURL(/\/signed-out\?.*idp=kept/);
    await expect(page.getByText(t('fi', 'signed_out_idp_kept', { operator: 'Operaattori A' })).isVisible()).resolves.toBe(true);
    await check(page, 'signed-out-idp-kept-fi');
    await page.getByRole('link', { name: t('fi', 'sign_in'), exact: true }).click();
    await signInWith(page, 'fi').click();
    await page.waitForURL(new RegExp(`^${world.idpIssuer}/interaction/`));
    expect(authorizations.at(-1)?.searchParams.get('prompt')).toBe('login');
    await page.getByRole('button', { name: PEOPLE.mikko.name }).click();
    await page.waitForURL(`${issuer}/dashboard`);
    await expect(page.locator('main').textContent()).resolves.toContain(PEOPLE.mikko.name);
    // once signed in again, the reminder is gone: the identity provider's own session signs in at once
    await page.getByRole('button', { name: t('fi', 'sign_out') }).click();
    await context.clearCookies({ name: 'portti_reauth' });
    await page.goto(`${issuer}/signin`);
    await signInWith(page, 'fi').click();
    await page.waitForURL(`${issuer}/dashboard`);
    await context.close();
  }, 60_000);
});
