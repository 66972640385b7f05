/**
 * The demo fee service in Chromium, in Finnish, Swedish and English: a family applies, both
 * parents consent at their operators (Aino at A, Mikko at B), the page shows the fee with both
 * reads listed ("Aino's annual income read from the Incomes Register via … at …", local time
 * with zone); Mikko withdraws and the very next look at the page drops the fee for the maximum
 * fee and says who withdrew and when. The City employee signs in with the demo staff token and
 * the case list shows each status and filters by it. Every page is checked with axe-core (no
 * violation of any impact) and shot at 375 px and 1280 px.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSystem, type RunningSystem } from '../../src/app/system.ts';
import { citizenPost, decide, signIn } from '../../src/demo/citizen-client.ts';
import { endedSentence, readSentence } from '../../src/demo/fee-service/application.view.ts';
import { consentEnd } from '../../src/demo/fee-service/case-status.ts';
import { eur, ft } from '../../src/demo/fee-service/fee-i18n.ts';
import { CASE_STATUS_LABELS } from '../../src/demo/fee-service/fee-messages.data.ts';
import { operatorNames } from '../../src/demo/fee-service/fee-pages.ts';
import type { FeeService } from '../../src/demo/fee-service/fee-service.ts';
import { DEMO_RESIDENTS } from '../../src/demo/population/population.ts';
import { loadPorttiConfig } from '../../src/shared/config.ts';
import type { PorttiConfig } from '../../src/shared/config.schema.ts';
import { CHROMIUM, launchChromium, SHOTS, sidewaysScroll } from '../helpers/browser.ts';
import { check, LANGUAGES } from '../helpers/consent-browser.ts';
import { demoPorts } from '../helpers/demo-ports.ts';
import { tempDir } from '../helpers/stores.ts';

describe.skipIf(!existsSync(CHROMIUM))('the demo fee service in Chromium', () => {
  let browser: Browser;
  let system: RunningSystem;
  let config: PorttiConfig;
  let fee: FeeService;
  let base: string;
  let a: string;
  let b: string;
  const { aino, mikko } = DEMO_RESIDENTS;

  beforeAll(async () => {
    const env = { ...process.env, DATABASE_URL: '', PORTTI_DATA_DIR: join(tempDir(), 'data'), PORTTI_LOG_LEVEL: 'warn' };
    Object.assign(env, (await demoPorts()).env);
    config = loadPorttiConfig('config/demo.yaml', env);
    system = await runSystem(config, { logLevel: 'silent', env });
    fee = system.demo!.feeService!;
    base = config.demo!.fee_service!.public_url;
    [a, b] = config.operators.map((o) => o.issuer) as [string, string];
    for (let i = 0; i < 100 && !system.gateways[0]!.feeds.get(b)!.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 50));
    browser = await launchChromium();
    console.log('fee service screenshots in', SHOTS);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const names = () => operatorNames(config.operators.map((o) => ({ issuer: o.issuer, name: o.display_name })));
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const text = async (page: Page, selector: string) => norm((await page.locator(selector).first().textContent()) ?? '');

  for (const { locale, accept, browser: tag } of LANGUAGES) {
    it(`${locale}: apply → both consent → fee with the reads listed → Mikko withdraws → the fee is dropped, and why`, async () => {
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      await page.goto(base);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(locale);
      await check(page, `fee-form-${locale}`);
      await page.setViewportSize({ width: 375, height: 900 });
      expect(await sidewaysScroll(page)).toBe(0);
      await page.getByRole('button', { name: ft(locale, 'submit') }).click();
      await page.waitForURL(/\/applications\/[\w-]+\/view$/);
      const id = /applications\/([\w-]+)\/view/.exec(page.url())![1]!;
      const application = fee.applications.get(id)!;
      await expect(text(page, '.notice')).resolves.toBe(
        norm(ft(locale, 'waiting_for', { names: `${aino.name} ${{ fi: 'ja', sv: 'och', en: 'and' }[locale]} ${mikko.name}` })),
      );
      await check(page, `fee-waiting-${locale}`);

      const recordAt = (issuer: string) => application.consents.find((c) => c.operator === issuer)!.record_id;
      const ainoAtA = await signIn(a, 'suomifi', aino.personal_identity_code);
      expect((await decide(ainoAtA, recordAt(a), { approve: true })).status).toBe(200);
      const mikkoAtB = await signIn(b, 'suomifi', mikko.personal_identity_code);
      expect((await decide(mikkoAtB, recordAt(b), { approve: true })).status).toBe(200);
      await fee.waitFor(id, (x) => x.status === 'fee_decided');
      // the waiting page reloads itself once the application changed
      await page.locator('ul.reads li').nth(1).waitFor({ timeout: 15_000 });
      await expect(page.locator('[data-watch]').count()).resolves.toBe(0);
      const decidedFee = application.fee!.monthly_fee_eur;
      await expect(text(page, '.fee')).resolves.toBe(norm(ft(locale, 'per_month', { fee: eur(decidedFee, locale) })));
      const reads = await page.locator('ul.reads li').allTextContents();
      expect(reads.map(norm)).toEqual(application.reads.map((r) => norm(readSentence(application, r, locale, names()))));
      expect(reads[0]).toContain(config.operators[0]!.display_name[locale]);
      expect(reads[1]).toContain(config.operators[1]!.display_name[locale]);
      expect(reads.join(' ')).toMatch(/(EET|UTC\+2|EEST|UTC\+3)/);
      await check(page, `fee-decided-${locale}`);

      // Mikko withdraws; the next look at the page (no waiting for the webhook) drops the fee and says why
      expect((await citizenPost(mikkoAtB, `/citizen/api/consents/${encodeURIComponent(recordAt(b))}/withdraw`, {})).status).toBe(200);
      await page.reload();
      const end = consentEnd(application)!;
      expect(end).toMatchObject({ status: 'withdrawn', guardians: [mikko.personal_identity_code] });
      await expect(text(page, '.notice')).resolves.toBe(norm(endedSentence(application, end, locale)));
      await expect(text(page, '.notice')).resolves.toContain(mikko.name);
      await expect(text(page, '.fee')).resolves.toBe(norm(ft(locale, 'per_month_maximum', { fee: eur(311, locale) })));
      await expect(page.getByText(ft(locale, 'dropped_fee', { fee: eur(decidedFee, locale) })).isVisible()).resolves.toBe(true);
      // the computed figure's explanation is gone (the Virtanens' income gives the maximum fee anyway, 311 €)
      await expect(page.getByText(ft(locale, 'fee_law')).count()).resolves.toBe(0);
      expect(application.fee).toBeUndefined();
      await check(page, `fee-withdrawn-${locale}`);
      expect(await sidewaysScroll(page)).toBe(0);
      await context.close();
    }, 90_000);
  }

  it('the City employee signs in with the staff token; the case list shows each status, who still has to consent, and filters', async () => {
    // one more family that waits for Mikko
    const waiting = await fetch(`${base}/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        child: DEMO_RESIDENTS.eelis.personal_identity_code,
        family_size: 3,
        guardians: [
          { personal_identity_code: aino.personal_identity_code, operator: a, name: aino.name },
          { personal_identity_code: mikko.personal_identity_code, operator: b, name: mikko.name },
        ],
      }),
    });
    expect(waiting.status).toBe(201);
    for (const { locale, accept, browser: tag } of LANGUAGES) {
      const context = await browser.newContext({ locale: tag, extraHTTPHeaders: { 'accept-language': accept } });
      const page = await context.newPage();
      await page.goto(`${base}/staff`);
      await expect(page.getByText(ft(locale, 'staff_sign_in_note')).isVisible()).resolves.toBe(true);
      await check(page, `fee-staff-sign-in-${locale}`);
      await page.getByLabel(ft(locale, 'staff_token')).fill('wrong token, long enough');
      await page.getByRole('button', { name: ft(locale, 'sign_in') }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe(ft(locale, 'staff_wrong_token'));
      await page.getByLabel(ft(locale, 'staff_token')).fill(config.demo!.fee_service!.staff_token!);
      await page.getByRole('button', { name: ft(locale, 'sign_in') }).click();
      await page.waitForURL(/\/staff$/);
      const statuses = await page.locator('td.status').allTextContents();
      expect(statuses.filter((s) => s === CASE_STATUS_LABELS.consent_withdrawn[locale])).toHaveLength(3);
      expect(statuses.filter((s) => s === CASE_STATUS_LABELS.waiting_for_consents[locale])).toHaveLength(1);
      const row = page.locator('tr[data-status="waiting_for_consents"]');
      await expect(row.textContent()).resolves.toContain(`${aino.name} ${{ fi: 'ja', sv: 'och', en: 'and' }[locale]} ${mikko.name}`);
      await expect(page.locator('tr[data-status="consent_withdrawn"]').first().textContent()).resolves.toContain(
        ft(locale, 'per_month_maximum', { fee: eur(311, locale) }),
      );
      await check(page, `fee-staff-list-${locale}`);
      await page.getByLabel(ft(locale, 'filter')).selectOption('waiting_for_consents');
      await page.getByRole('button', { name: ft(locale, 'apply_filter') }).click();
      await page.waitForURL(/status=waiting_for_consents/);
      await expect(page.locator('td.status').allTextContents()).resolves.toEqual([CASE_STATUS_LABELS.waiting_for_consents[locale]]);
      await check(page, `fee-staff-filtered-${locale}`);
      await page.getByRole('button', { name: ft(locale, 'sign_out') }).click();
      await expect(page.getByLabel(ft(locale, 'staff_token')).isVisible()).resolves.toBe(true);
      await context.close();
    }
    // without the session the list is not shown, and an unknown page is a page in the browser's language
    const anonymous = await (await fetch(`${base}/staff`, { headers: { accept: 'text/html', 'accept-language': 'sv' } })).text();
    expect(anonymous).not.toContain('data-status');
    const missing = await fetch(`${base}/nowhere`, { headers: { accept: 'text/html', 'accept-language': 'sv' } });
    expect(missing.status).toBe(404);
    await expect(missing.text()).resolves.toContain(ft('sv', 'error_not_found'));
  }, 120_000);
});
