/**
 * "My data store" in a real browser (Debian's Chromium): the citizen sees a verified
 * document, corrects an allowed field, opts in to anonymised statistics, in English and
 * Swedish; axe-core finds no serious or critical violations; no third-party requests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/stores.ts';
import { PEOPLE } from '../helpers/world.ts';
import { startPdsWorld, type PdsWorld } from './pds-world.ts';

const CHROMIUM = '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shots = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : tempDir('portti-shots-');

async function axe(page: Page, name: string): Promise<void> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as { violations: Array<{ id: string; impact: string; help: string }> };
  expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${name}: ${v.id} ${v.help}`)).toEqual([]);
}

describe.skipIf(!existsSync(CHROMIUM))('"My data store" in Chromium', () => {
  let browser: Browser;
  let setup: PdsWorld;

  beforeAll(async () => {
    setup = await startPdsWorld({
      aggregate_services: [{ id: 'urban-research', name: { fi: 'Kaupunkitutkimus', sv: 'Stadsforskning', en: 'Urban research' }, token: 'research-token-0123456789', category: 'tax-decision', k_min: 5, fields: [{ name: 'age_band', pointer: '/birth_date', generalise: 'age_band' }] }],
    });
    expect(await setup.deposit(PEOPLE.aino.personal_identity_code, { tax_year: 2025, earned_income: 48213, employer: 'Helsingin kaupunki', postal_code: '00530', refund_account: 'FI21 1234 5600 0007 85' }, ['/refund_account'])).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await setup?.close();
  });

  it('shows, corrects and shares, accessibly, in English and Swedish', async () => {
    const issuer = setup.world.issuers.a;
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const third: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).hostname !== '127.0.0.1') third.push(r.url());
    });
    await page.goto(`${issuer}/signin`);
    await page.getByRole('link', { name: /Demo/ }).click();
    await page.getByRole('button', { name: 'Aino Virtanen' }).click();
    await page.waitForURL(`${issuer}/dashboard`);
    await page.locator('nav').getByRole('link', { name: 'My data store', exact: true }).click();
    await page.getByText(/Verified by Tax Administration on/).waitFor();
    await axe(page, 'datastore');
    await page.screenshot({ path: join(shots, 'datastore.png'), fullPage: true });

    await page.getByLabel('refund_account').fill('FI49 5000 9420 0287 30');
    await page.getByRole('button', { name: 'Save corrections' }).click();
    await page.getByText(/Corrected by you on/).waitFor();
    await page.getByRole('cell', { name: 'FI49 5000 9420 0287 30' }).waitFor();
    await axe(page, 'datastore corrected');

    await page.getByLabel('Urban research').check();
    await page.getByRole('button', { name: 'Save choices' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Saved.');
    expect(await page.getByLabel('Urban research').isChecked()).toBe(true);

    await page.goto(`${issuer}/dashboard/datastore?lang=sv`);
    await page.getByRole('heading', { name: 'Beskattningsbeslut' }).waitFor();
    await axe(page, 'datastore sv');
    expect(third).toEqual([]);
    await context.close();
  }, 60_000);
});
