/**
 * "My data store" in a real browser (Debian's Chromium): the citizen sees a verified
 * document, corrects an allowed field, opts in to anonymised statistics, in English and
 * Swedish; axe-core finds no serious or critical violations; no third-party requests.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe, CHROMIUM, launchChromium, signInPage, snap } from '../helpers/browser.ts';
import { PEOPLE } from '../helpers/world.ts';
import { startPdsWorld, type PdsWorld } from './pds-world.ts';

describe.skipIf(!existsSync(CHROMIUM))('"My data store" in Chromium', () => {
  let browser: Browser;
  let setup: PdsWorld;

  beforeAll(async () => {
    setup = await startPdsWorld({
      aggregate_services: [
        {
          id: 'urban-research',
          name: { fi: 'Kaupunkitutkimus', sv: 'Stadsforskning', en: 'Urban research' },
          token: 'research-token-0123456789',
          category: 'tax-decision',
          k_min: 5,
          fields: [{ name: 'age_band', pointer: '/birth_date', generalise: 'age_band' }],
        },
      ],
    });
    expect(
      await setup.deposit(
        PEOPLE.aino.personal_identity_code,
        {
          tax_year: 2025,
          earned_income: 48213,
          employer: 'Helsingin kaupunki',
          postal_code: '00530',
          refund_account: 'FI21 1234 5600 0007 85',
        },
        ['/refund_account'],
      ),
    ).toBe(201);
    browser = await launchChromium();
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
    await signInPage(page, issuer, 'Aino Virtanen');
    await page.locator('nav').getByRole('link', { name: 'My data store', exact: true }).click();
    await page.getByText(/Verified by Tax Administration on/).waitFor();
    await axe(page, 'datastore');
    await snap(page, 'datastore');
    // every item by its label from the category's definition, never its key
    await page.getByRole('rowheader', { name: 'Tax refund account' }).waitFor();
    await page.getByRole('row', { name: 'Earned income (€) 48,213' }).waitFor();
    expect(await page.locator('main').innerText()).not.toMatch(/\w_\w/);

    await page.getByLabel('Tax refund account').fill('FI49 5000 9420 0287 30');
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
