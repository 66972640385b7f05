/**
 * Notifications in Chromium: a parent adds her address on the Notifications page (nothing ticked
 * to begin with), opens the confirmation link from the mail the SMTP server received and
 * confirms; then the mails of a new request and of a consent ending in 14 days (time moved by
 * passing `now`) arrive at the SMTP server and both show on the page, new ones marked. Every page
 * is checked with axe-core (no violation of any impact) in Finnish, Swedish and English and shot
 * at 375 px and 1280 px.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, signIn as citizenSignIn } from '../../src/demo/citizen-client.ts';
import { startMailSink, type MailSink, type ReceivedMail } from '../../src/demo/mail-sink/mail-sink.ts';
import { t } from '../../src/web/i18n.ts';
import { CHROMIUM, launchChromium, signInPage } from '../helpers/browser.ts';
import { check, daycareService, LANGUAGES } from '../helpers/consent-browser.ts';
import { createTestService, fileRequest, PEOPLE, startWorld, type TestService, type World } from '../helpers/world.ts';

const DAY = 24 * 3600 * 1000;

describe.skipIf(!existsSync(CHROMIUM))('notifications in Chromium', () => {
  let browser: Browser;
  let world: World;
  let sink: MailSink;
  let service: TestService;
  const to = (subject: string) => (m: ReceivedMail) => m.envelope_to.includes('aino@example.fi') && m.subject === subject;

  beforeAll(async () => {
    sink = await startMailSink();
    const from = { address: 'notifications@operator-a.example', name: 'Operator A' };
    const smtp = { host: '127.0.0.1', port: sink.port, secure: false, require_tls: false, from, max_attempts: 5, retry_base_ms: 100 };
    world = await startWorld({ admitted: ['a'], operatorConfig: { smtp } });
    service = await createTestService('daycare-fees');
    await world.operators.a.registry.putService(daycareService(service));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await sink?.close();
  });

  const open = async (locale: string, accept: string, tag: string, who: string): Promise<Page> => {
    const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
    const page = await context.newPage();
    await signInPage(page, world.issuers.a, who);
    await page
      .locator('nav.main')
      .getByRole('link', { name: t(locale as 'en', 'nav_notifications'), exact: true })
      .click();
    return page;
  };

  it('en: confirms an address, then the mails of a request and of an expiry arrive and show on the page', async () => {
    const page = await open('en', 'en-GB,en;q=0.9', 'en-GB', PEOPLE.aino.name);
    await expect(page.locator('input[type="checkbox"]:checked').count()).resolves.toBe(0);
    await page.getByLabel('E-mail address').fill('aino@example.fi');
    await page.getByLabel('I get a new consent request').check();
    await page.getByLabel('a consent ends in 14 days').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('A confirmation mail went to aino@example.fi');
    await check(page, 'notifications-unconfirmed-en');

    const confirmation = await sink.waitFor(to('Confirm your e-mail address'));
    await page.goto(/(http:\/\/\S+\/dashboard\/notifications\/confirm\?\S+)/.exec(confirmation.text)![1]!);
    await page.getByRole('button', { name: 'Confirm the address' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('your address is confirmed');
    await check(page, 'notifications-confirmed-en');

    const record = await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code]);
    const request = await sink.waitFor(to('New consent request: Customer Fee Unit'));
    expect(request.text).toContain(`${world.issuers.a}/dashboard/requests?lang=en`);
    const aino = await citizenSignIn(world.issuers.a, 'demo', PEOPLE.aino.key);
    expect((await decide(aino, record.record_id, { approve: true })).status).toBe(200);
    const { expires_at } = await world.operators.a.consents.get(record.record_id);
    await world.operators.a.notifications.jobs.ending(expires_at! - 13 * DAY);
    const ending = await sink.waitFor(to('A consent ends soon: Customer Fee Unit'));
    expect(ending.text).toContain('Your consent to Customer Fee Unit ends on');

    await page.goto(`${world.issuers.a}/dashboard/notifications`);
    const items = page.locator('li.card');
    await expect(items.count()).resolves.toBe(2);
    await expect(items.nth(0).textContent()).resolves.toMatch(/new\s+A consent ends soon: Customer Fee Unit/);
    await expect(items.nth(1).textContent()).resolves.toContain('New consent request: Customer Fee Unit');
    await expect(page.locator('input[type="checkbox"]:checked').count()).resolves.toBe(2);
    await check(page, 'notifications-en');
  }, 60_000);

  for (const { locale, accept, browser: tag } of LANGUAGES.filter((l) => l.locale !== 'en')) {
    it(`${locale}: the page reads in the language, nothing ticked, no axe violation`, async () => {
      const page = await open(locale, accept, tag, PEOPLE.mikko.name);
      await expect(page.locator('h1').textContent()).resolves.toContain(t(locale, 'nav_notifications'));
      await expect(page.getByText(t(locale, 'notifications_kinds_legend')).count()).resolves.toBe(1);
      await expect(page.locator('input[type="checkbox"]:checked').count()).resolves.toBe(0);
      await check(page, `notifications-${locale}`);
    });
  }
});
