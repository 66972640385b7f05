/**
 * Valid consent and no dead ends, in Chromium, in Finnish, Swedish and English: a parent grants
 * a shared request with only the required items (nothing optional is ticked in the HTML) after
 * seeing every term (controller and contact, privacy notice, recipients, purpose, lawful basis,
 * each item with its source, retention in words, the validity that will apply, the other
 * parent by name), in two clicks; withdraws in as many; the card then shows the date the
 * request promised and no validity once ended. The interactive prompt of a service shows the
 * same terms. Every page is checked with axe-core (no violation of any impact) and shot at
 * 375 px and 1280 px.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, signIn as citizenSignIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { humanDuration } from '../../src/operator/citizen/pages/format.ts';
import { t } from '../../src/web/i18n.ts';
import { CHROMIUM, launchChromium, signInPage } from '../helpers/browser.ts';
import { check, daycareService, LANGUAGES, Steps } from '../helpers/consent-browser.ts';
import { createTestService, fileRequest, PEOPLE, startWorld, type TestService, type World } from '../helpers/world.ts';

describe.skipIf(!existsSync(CHROMIUM))('valid consent in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;
  let mikko: Citizen;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    service = await createTestService('daycare-fees');
    await world.operators.a.registry.putService(daycareService(service));
    // the other parent has used this operator before: the request can name him
    mikko = await citizenSignIn(world.issuers.a, 'demo', PEOPLE.mikko.key);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    console.log('steps measured', JSON.stringify(measured));
  });

  const card = (page: Page, recordId: string) =>
    page.locator('article').filter({ has: page.locator(`[id="h-${encodeURIComponent(recordId)}"]`) });

  for (const { locale, accept, browser: tag } of LANGUAGES) {
    it(`${locale}: grants with only the required items in 2 clicks after every term, withdraws in 2, dates kept`, async () => {
      const record = await fileRequest(
        service,
        world.issuers.a,
        [PEOPLE.aino.personal_identity_code, PEOPLE.mikko.personal_identity_code],
        'all_activators_activate',
      );
      const context: BrowserContext = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      await signInPage(page, world.issuers.a, PEOPLE.aino.name);

      const grant = new Steps();
      await grant.click(page.locator('nav.main').getByRole('link', { name: t(locale, 'nav_requests'), exact: true }));
      const request = card(page, record.record_id);
      // valid consent: no optional item is ticked in the HTML the server sent
      const html = await page.content();
      expect(html).toContain('name="choices"');
      expect([...html.matchAll(/<input[^>]*name="choices"[^>]*>/g)].map((m) => m[0]).filter((i) => /\bchecked\b/.test(i))).toEqual([]);
      await expect(request.locator('input[name="choices"]:checked').count()).resolves.toBe(0);
      const text = (await request.textContent())!.replace(/\s+/g, ' ');
      const serviceName = { fi: 'Asiakasmaksuyksikkö', sv: 'Klientavgiftsenheten', en: 'Customer Fee Unit' }[locale];
      for (const words of [
        'City of Helsinki',
        t(locale, 'lawful_basis_consent'),
        t(locale, 'withdraw_any_time'),
        t(locale, 'recipients_none', { service: serviceName }),
        t(locale, 'retention_words', { duration: humanDuration('P1Y', locale), service: serviceName }),
        { fi: 'Vuositulot – Tulorekisteri', sv: 'Årsinkomst – Inkomstregistret', en: 'Annual income – Incomes Register' }[locale],
        { fi: 'Työnantaja – Tulorekisteri', sv: 'Arbetsgivare – Inkomstregistret', en: 'Employer – Incomes Register' }[locale],
        'Mikko Virtanen',
      ])
        expect(text).toContain(words);
      await expect(request.getByRole('link', { name: 'asiakasmaksut@hel.fi' }).getAttribute('href')).resolves.toBe(
        'mailto:asiakasmaksut@hel.fi',
      );
      await expect(request.getByRole('link', { name: t(locale, 'privacy_notice_read') }).getAttribute('href')).resolves.toBe(
        'https://www.hel.fi/privacy',
      );
      await expect(request.getByRole('link', { name: t(locale, 'data_agreement') }).getAttribute('href')).resolves.toBe(
        `${world.issuers.a}/services/daycare-fees/agreement`,
      );
      await expect(request.locator('.notice').textContent()).resolves.toContain('Mikko Virtanen');
      const promised = await request.locator('dd.validity').getAttribute('data-until');
      expect(promised).toMatch(/^\d{4}-\d\d-\d\dT/);
      await expect(request.locator('dd.validity').textContent()).resolves.toContain(humanDuration('P1Y', locale));
      await check(page, `request-${locale}`);

      await grant.click(request.getByRole('button', { name: t(locale, 'approve') }));
      await page.waitForURL(/\/dashboard\/consents$/);
      measured[`grant_${locale}`] = grant.count;
      expect(grant.count).toBe(2);

      // the other parent approves: the record takes effect, and the card shows the date the request promised
      const party = record.parties.find((p) => p.identifier === PEOPLE.mikko.personal_identity_code)!;
      expect((await decide(mikko, record.record_id, { approve: true, party_id: party.party_id })).status).toBe(200);
      await page.reload();
      const consent = card(page, record.record_id);
      await expect(consent.locator('.status').textContent()).resolves.toBe(t(locale, 'status_active'));
      const until = await consent.locator('dd.validity').getAttribute('data-until');
      expect(until!.slice(0, 10)).toBe(promised!.slice(0, 10));
      await check(page, `consents-${locale}`);

      const withdraw = new Steps();
      await page.goto(`${world.issuers.a}/dashboard`);
      await withdraw.click(page.locator('nav.main').getByRole('link', { name: t(locale, 'nav_consents'), exact: true }));
      await withdraw.click(card(page, record.record_id).getByRole('button', { name: t(locale, 'withdraw') }));
      await page.waitForURL(/\/dashboard\/consents$/);
      const ended = card(page, record.record_id);
      await expect(ended.locator('.status').textContent()).resolves.toBe(t(locale, 'status_withdrawn'));
      // an ended record shows when it ended, and no validity
      await expect(ended.locator('dd.validity').count()).resolves.toBe(0);
      await expect(ended.getByText(t(locale, 'ended'), { exact: true }).isVisible()).resolves.toBe(true);
      measured[`withdraw_${locale}`] = withdraw.count;
      expect(withdraw.count).toBe(grant.count);
      await context.close();
    }, 90_000);
  }
});
