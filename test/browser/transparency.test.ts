/**
 * "Who used my data" checked by the citizen's own browser, as an auditor attacks it: each entry's
 * inclusion proof and the checkpoint's gateway signature and witness cosignature are verified in
 * Chromium (fi/sv/en); after entries are altered at the operator (a record's content, a proof
 * hash) the page names exactly those entries; without JavaScript the page says what the operator's
 * server found. axe-core finds no violations.
 */
import { existsSync } from 'node:fs';
import { decide as citizenDecide, signIn as citizenSignIn } from '../../src/demo/citizen-client.ts';
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

const STATUS = {
  en: {
    ok: /^Your browser verified 3 entries/,
    fail: /^Warning: 2 entries failed the check in your browser \(1 fine\)/,
    row: 'Verified in your browser',
    bad: 'FAILED the check in your browser',
  },
  sv: {
    ok: /^Din webbläsare har kontrollerat 3 poster/,
    fail: /^Varning: 2 poster klarade inte kontrollen/,
    row: 'Kontrollerat i din webbläsare',
    bad: 'KONTROLLEN MISSLYCKADES i din webbläsare',
  },
  fi: {
    ok: /^Selaimesi tarkisti 3 merkintää/,
    fail: /^Varoitus: selaimesi tarkistuksessa 2 merkintää epäonnistui/,
    row: 'Tarkistettu selaimessasi',
    bad: 'TARKISTUS EPÄONNISTUI selaimessasi',
  },
} as const;

describe.skipIf(!existsSync(CHROMIUM))("the citizen's browser checks the access log", () => {
  let browser: Browser;
  let world: World;
  let service: TestService;

  beforeAll(async () => {
    world = await startWorld();
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    browser = await launchChromium();
    const record = await fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code], 'data_subject_activates');
    const aino = await citizenSignIn(world.issuers.a, 'demo', 'aino');
    expect((await citizenDecide(aino, record.record_id, { approve: true, choices: [] })).status).toBe(200);
    const token = await sourceToken(service, world.issuers.a, world.resource, record.record_id, ['annual_income', 'income_year']);
    for (let i = 0; i < 3; i += 1) expect((await readSource(service, `${world.resource}/income`, token)).status).toBe(200);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function accessPage(locale: 'en' | 'sv' | 'fi', javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({ locale: { en: 'en-GB', sv: 'sv-SE', fi: 'fi-FI' }[locale], javaScriptEnabled });
    const page = await context.newPage();
    await signIn(page, world.issuers.a, 'Aino Virtanen');
    await page.goto(`${world.issuers.a}/dashboard/access?lang=${locale}`);
    return page;
  }

  /** Reloads until the browser's check has a verdict (proofs arrive within about a second of a read). */
  async function verdict(page: Page, want: 'ok' | 'failed'): Promise<string> {
    for (let i = 0; i < 40; i += 1) {
      if ((await page.locator(`#tlog-status[data-checked="${want}"]`).count()) > 0) break;
      await page.waitForTimeout(250);
      await page.reload();
    }
    return (await page.locator('#tlog-status').textContent()) ?? '';
  }

  for (const locale of ['en', 'sv', 'fi'] as const) {
    it(`verifies every shown entry in the browser (${locale})`, async () => {
      const page = await accessPage(locale);
      expect(await verdict(page, 'ok')).toMatch(STATUS[locale].ok);
      expect(await page.locator('dd.proof').allTextContents()).toEqual([STATUS[locale].row, STATUS[locale].row, STATUS[locale].row]);
      await axe(page, `access-verified-${locale}`);
      await snap(page, `access-verified-${locale}`);
      await page.context().close();
    });
  }

  it('without JavaScript the page says the operator checked it', async () => {
    const page = await accessPage('en', false);
    expect(await page.locator('#tlog-status').textContent()).toMatch(/The operator checked 3 entries/);
    expect(await page.locator('dd.proof').allTextContents()).toEqual(Array(3).fill('Checked by the operator: in the signed log'));
    await page.context().close();
  });

  it('names the entries altered after the fact, in fi/sv/en', async () => {
    const db = world.operators.a.store.db;
    const rows = await db.selectFrom('access_log').select(['access_id', 'body', 'proof']).orderBy('time').execute();
    expect(rows).toHaveLength(3);
    // the first record's content changed; the second's proof points elsewhere; the third untouched
    await db
      .updateTable('access_log')
      .set({ body: rows[0]!.body.replace('"income"', '"income-edited"') })
      .where('access_id', '=', rows[0]!.access_id)
      .execute();
    const proof = JSON.parse(rows[1]!.proof!) as { hashes: string[] };
    proof.hashes[0] = Buffer.alloc(32, 7).toString('base64');
    await db
      .updateTable('access_log')
      .set({ proof: JSON.stringify(proof) })
      .where('access_id', '=', rows[1]!.access_id)
      .execute();
    for (const locale of ['en', 'sv', 'fi'] as const) {
      const page = await accessPage(locale);
      expect(await verdict(page, 'failed')).toMatch(STATUS[locale].fail);
      const cells = await page.locator('dd.proof').allTextContents();
      expect(cells.filter((c) => c === STATUS[locale].bad)).toHaveLength(2);
      expect(cells.filter((c) => c === STATUS[locale].row)).toHaveLength(1);
      await snap(page, `access-tampered-${locale}`);
      await page.context().close();
    }
  });
});
