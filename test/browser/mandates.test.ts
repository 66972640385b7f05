/**
 * A mandate in Chromium, in Finnish, Swedish and English: Aino gives Mikko a mandate for the daycare fee service;
 * Mikko, signed in as himself, approves her request within it; Aino sees his name on the
 * record; Mikko is refused (a localized page) for a service outside the mandate; Aino ends the
 * mandate in one click and Mikko is refused again. axe-core: no violation of any impact.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { t } from '../../src/web/i18n.ts';
import { CHROMIUM, launchChromium, signInPage } from '../helpers/browser.ts';
import { check, daycareService, LANGUAGES } from '../helpers/consent-browser.ts';
import { createTestService, fileRequest, PEOPLE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';

/** Posts a delegate's decision form for a record as if the page had offered it (the page offers only records within the mandate). */
async function postAct(page: Page, mandateId: string, recordId: string): Promise<number> {
  const action = `/dashboard/mandates/${encodeURIComponent(mandateId)}/records/${encodeURIComponent(recordId)}`;
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action);
  await page.evaluate((path) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = path;
    const csrf = document.querySelector<HTMLInputElement>('input[name="_csrf"]')!.value;
    for (const [name, value] of [
      ['_csrf', csrf],
      ['decision', 'approve'],
    ]) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name!;
      input.value = value!;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, action);
  const status = (await answered).status();
  await page.waitForURL((url) => url.pathname === action);
  await page.waitForLoadState('load');
  return status;
}

describe.skipIf(!existsSync(CHROMIUM))('a mandate in Chromium', () => {
  let browser: Browser;
  let world: World;
  let fees: TestService;
  let other: TestService;

  beforeAll(async () => {
    fees = await createTestService('daycare-fees');
    other = await createTestService('other-service');
    browser = await launchChromium();
  }, 60_000);
  // a fresh operator for each language: no mandate or request of an earlier run on the pages
  beforeEach(async () => {
    world = await startWorld({ admitted: ['a'] });
    await world.operators.a.registry.putService(daycareService(fees));
    await world.operators.a.registry.putService(serviceDefinition(other));
  }, 60_000);
  afterEach(async () => world?.close());
  afterAll(async () => browser?.close());

  for (const { locale, accept, browser: tag } of LANGUAGES)
    it(`${locale}: a delegate acts within a mandate, is refused outside it, and after it is ended`, async () => {
      const issuer = world.issuers.a;
      const contextOptions = { locale: tag, extraHTTPHeaders: { 'accept-language': accept } };
      const grantor = await (await browser.newContext(contextOptions)).newPage();
      const delegate = await (await browser.newContext(contextOptions)).newPage();
      await signInPage(grantor, issuer, PEOPLE.aino.name);
      await signInPage(delegate, issuer, PEOPLE.mikko.name);

      // the grantor gives the mandate: nothing ticked to begin with
      await grantor.goto(`${issuer}/dashboard/mandates`);
      expect(await grantor.locator('input[name="services"]:checked').count()).toBe(0);
      await check(grantor, `mandates-empty-${locale}`);
      const fill = async () => {
        await grantor.getByLabel(t(locale, 'mandate_delegate_name')).fill('Mikko Virtanen');
        await grantor.getByLabel(t(locale, 'mandate_delegate_code')).fill(PEOPLE.mikko.personal_identity_code);
        const until = new Date(Date.now() + 30 * 24 * 3600_000).toISOString().slice(0, 10);
        await grantor.getByLabel(t(locale, 'mandate_valid_until')).fill(until);
      };
      // no service ticked: the page says so in the person's language
      await fill();
      await grantor.getByRole('button', { name: t(locale, 'mandate_grant') }).click();
      await grantor
        .getByRole('alert')
        .filter({ hasText: t(locale, 'mandate_problem_services') })
        .waitFor();
      await check(grantor, `mandates-problem-${locale}`);
      await fill();
      await grantor.locator(`input[name="services"][value="${fees.clientId}"]`).check();
      await grantor.getByRole('button', { name: t(locale, 'mandate_grant') }).click();
      await grantor.getByRole('heading', { name: 'Mikko Virtanen' }).waitFor();
      await check(grantor, `mandates-given-${locale}`);

      const inScope = await fileRequest(fees, issuer, [PEOPLE.aino.personal_identity_code]);
      const outside = await fileRequest(other, issuer, [PEOPLE.aino.personal_identity_code]);

      // the delegate finds it under "Acting for others" and approves within it
      await delegate.goto(`${issuer}/dashboard/others`);
      await delegate.getByRole('link', { name: t(locale, 'mandates_others_link') }).click();
      await delegate.getByRole('heading', { name: 'Aino Virtanen' }).waitFor();
      expect(await delegate.locator('article').count()).toBe(1);
      await check(delegate, `mandates-received-${locale}`);
      const form = delegate.locator('form[action*="/records/"]');
      const mandateId = decodeURIComponent(/\/dashboard\/mandates\/([^/]+)\//.exec((await form.getAttribute('action'))!)![1]!);
      await delegate.getByRole('button', { name: t(locale, 'approve') }).click();
      // the card stays, now a consent the delegate may withdraw
      await delegate.getByRole('button', { name: t(locale, 'withdraw') }).waitFor();

      // the grantor sees who approved, by name
      await grantor.goto(`${issuer}/dashboard/consents`);
      const notice = t(locale, 'by_delegate', { name: 'Mikko Virtanen' });
      await grantor.getByText(notice).first().waitFor();
      await check(grantor, `mandates-grantor-record-${locale}`);

      // outside the mandate: refused, as a page
      expect(await postAct(delegate, mandateId, outside.record_id)).toBe(403);
      await expect(delegate.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'error_forbidden'));
      await check(delegate, `mandates-refused-${locale}`);

      // the grantor ends it in one click; the delegate is refused within the old scope too
      await grantor.goto(`${issuer}/dashboard/mandates`);
      await grantor.getByRole('button', { name: t(locale, 'mandate_end') }).click();
      await grantor.getByText(t(locale, 'mandate_state_ended')).waitFor();
      const later = await fileRequest(fees, issuer, [PEOPLE.aino.personal_identity_code]);
      await delegate.goto(`${issuer}/dashboard/mandates`);
      await delegate.getByText(t(locale, 'no_mandates_received')).waitFor();
      expect(await postAct(delegate, mandateId, later.record_id)).toBe(403);
      await expect(delegate.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t(locale, 'error_forbidden'));
      expect(inScope.record_id).not.toBe(later.record_id);
    }, 120_000);
});
