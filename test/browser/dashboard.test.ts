/**
 * The citizen dashboard in a real browser (Debian's Chromium through playwright-core):
 * sign in with the identity of one's choice, approve a request choosing attributes, see the
 * other parent's state, see the service's read in "Who used my data" verified in the browser,
 * withdraw, export, erase — in English, and the same core flow in Swedish. Every page is
 * checked with axe-core for serious or critical violations.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestService,
  fileRequest,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';
import { axe, CHROMIUM, launchChromium, signInPage as signIn, snap } from '../helpers/browser.ts';

/** A link of the main navigation (or the language switcher). */
function nav(page: Page, name: string) {
  return page.locator('nav').getByRole('link', { name, exact: true });
}

describe.skipIf(!existsSync(CHROMIUM))('citizen dashboard in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;

  const file = (who: Array<keyof typeof PEOPLE>) =>
    fileRequest(
      service,
      world.issuers.a,
      who.map((k) => PEOPLE[k].personal_identity_code),
      who.length > 1 ? 'all_activators_activate' : 'data_subject_activates',
    );

  beforeAll(async () => {
    world = await startWorld();
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('a parent approves with choices, sees the other parent, the read, verifies, withdraws, exports and erases', async () => {
    const record = await file(['aino', 'mikko']);
    const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
    const page = await context.newPage();
    const third: string[] = [];
    page.on('request', (r) => {
      const host = new URL(r.url()).hostname;
      if (host !== '127.0.0.1') third.push(r.url());
    });
    await page.goto(`${world.issuers.a}/signin`);
    await axe(page, 'signin');
    await snap(page, 'signin');
    await signIn(page, world.issuers.a, 'Aino Virtanen');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    await axe(page, 'overview');
    await snap(page, 'overview');

    await nav(page, 'My data').click();
    await page.getByRole('button', { name: 'Show what Incomes Register holds about me' }).click();
    await expect(page.getByRole('rowheader', { name: 'Annual income › Gross income (€)' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('row', { name: /Income year 2025/ }).isVisible()).resolves.toBe(true);
    await axe(page, 'mydata');
    await snap(page, 'mydata');

    await nav(page, 'Requests').click();
    await expect(page.getByText(/^Also needed before it takes effect: approval by/).isVisible()).resolves.toBe(true);
    const employer = page.getByLabel(/Employer – .*\(optional\)/);
    await employer.uncheck();
    await axe(page, 'requests');
    await snap(page, 'requests');
    await page.getByRole('button', { name: 'Give consent' }).click();
    await page.waitForURL(/\/dashboard\/consents/);
    const card = page.locator('article').filter({ hasText: 'Customer Fee Unit' }).first();
    await expect(card.getByText('pending', { exact: true }).first().isVisible()).resolves.toBe(true);

    // the other parent approves (through the citizen API of their own session)
    const mikkoParty = record.parties.find((p) => p.identifier === PEOPLE.mikko.personal_identity_code)!;
    await world.operators.a.consents.decide(record.record_id, mikkoParty.party_id, 'account:mikko', { approve: true });
    await page.reload();
    await expect(page.locator('article').first().getByText('active', { exact: true }).first().isVisible()).resolves.toBe(true);
    await axe(page, 'consents');
    await snap(page, 'consents');

    // the service reads Aino's income through the gateway; the read appears in her log
    const token = await sourceToken(service, world.issuers.a, world.resource, record.record_id, ['annual_income', 'income_year']);
    const ainoRef = record.sources[0]!.subjects.find(
      (s) => s.ref === record.parties.find((p) => p.identifier === PEOPLE.aino.personal_identity_code)!.party_id,
    )!.ref;
    expect((await readSource(service, `${world.resource}/income?subject=${ainoRef}`, token)).status).toBe(200);
    await nav(page, 'Who used my data').click();
    for (let i = 0; i < 30 && (await page.locator('dd.outcome-allowed').count()) === 0; i += 1) {
      await page.waitForTimeout(150);
      await page.reload();
    }
    await expect(page.locator('dd.outcome-allowed').first().textContent()).resolves.toBe('released');
    // the entry's inclusion proof arrives within about a second; then the browser checks it itself
    for (let i = 0; i < 30 && (await page.locator('#tlog-status[data-checked="ok"]').count()) === 0; i += 1) {
      await page.waitForTimeout(200);
      await page.reload();
    }
    await expect(page.locator('#tlog-status').textContent()).resolves.toMatch(/Your browser verified \d+ entries/);
    await axe(page, 'access');
    await snap(page, 'access');

    await nav(page, 'My consents').click();
    await page.getByRole('button', { name: 'Withdraw consent' }).first().click();
    await expect(page.locator('article').first().getByText('withdrawn', { exact: true }).first().isVisible()).resolves.toBe(true);

    await nav(page, 'Acting for others').click();
    await axe(page, 'others');
    // a second identity in her keychain: she chooses which one the fee service sees
    const me = (await (await page.request.get(`${world.issuers.a}/citizen/api/me`)).json()) as { account_id: string };
    await world.operators.a.accounts.signIn({ idp: 'bank', iss: 'https://bank.example', sub: 'aino-at-bank' }, me.account_id);
    await nav(page, 'Keychain').click();
    const choice = page.getByRole('combobox').first();
    await expect(choice.inputValue()).resolves.toBe('default');
    await choice.selectOption({ index: 2 });
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expect(page.getByRole('combobox').first().inputValue()).resolves.toBe('1');
    await axe(page, 'keychain');
    await snap(page, 'keychain');

    await nav(page, 'Export or erase').click();
    await axe(page, 'export');
    await snap(page, 'export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the file (JSON)' }).click(),
    ]);
    const bundle = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      consent_records: Array<{ record_id: string; status: string; receipts: unknown[] }>;
      access_log: unknown[];
      complete: boolean;
    };
    const exported = bundle.consent_records.find((r) => r.record_id === record.record_id);
    expect(exported?.status).toBe('withdrawn');
    expect(exported?.receipts.length).toBeGreaterThanOrEqual(3);
    expect(bundle.access_log.length).toBeGreaterThanOrEqual(1);
    expect(bundle.complete).toBe(true);
    // the browser reads the summary, never the raw JSON
    await page.getByRole('link', { name: 'Show the summary' }).click();
    await expect(page.getByRole('heading', { name: 'Consents and their history' }).isVisible()).resolves.toBe(true);
    await axe(page, 'export-summary');
    await snap(page, 'export-summary');
    await nav(page, 'Export or erase').click();

    await page.getByLabel('I understand that my account cannot be restored').check();
    await page.getByRole('button', { name: 'Erase my account' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your account has been erased');
    await page.goto(`${world.issuers.a}/dashboard`);
    expect(page.url()).toContain('/signin');
    expect(third).toEqual([]);
    await context.close();
  }, 60_000);

  it('works the same in Swedish', async () => {
    const record = await file(['mikko']);
    const context = await browser.newContext({ locale: 'sv-FI', extraHTTPHeaders: { 'accept-language': 'sv-FI,sv;q=0.9' } });
    const page = await context.newPage();
    await signIn(page, world.issuers.a, 'Mikko Virtanen');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('sv');
    await nav(page, 'Förfrågningar').click();
    await axe(page, 'requests-sv');
    await snap(page, 'requests-sv');
    await page.getByRole('button', { name: 'Ge samtycke' }).click();
    await page.waitForURL(/\/dashboard\/consents/);
    const card = page.locator('article').filter({ has: page.locator(`[id="h-${encodeURIComponent(record.record_id)}"]`) });
    await expect(card.getByText('gäller', { exact: true }).first().isVisible()).resolves.toBe(true);
    await card.getByRole('button', { name: 'Återkalla samtycket' }).click();
    await expect(
      page
        .locator('article')
        .filter({ has: page.locator(`[id="h-${encodeURIComponent(record.record_id)}"]`) })
        .getByText('återkallat', { exact: true })
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await nav(page, 'In English').click();
    await expect(nav(page, 'My consents').isVisible()).resolves.toBe(true);
    await context.close();
  }, 60_000);
});
