/**
 * The dashboard readable everywhere and on a phone, in a real browser (Debian's Chromium
 * through playwright-core), in Finnish, Swedish and English: every page at 320 px without
 * sideways scrolling, axe-core with no violation of any impact, no JSON key, pointer, URL or
 * URN in the text; "Who used my data" filtered by service, source, period and outcome and
 * paged, without JavaScript; consents grouped and searched, "My data" views kept apart; the
 * focus ring at 3:1 or more against what surrounds it. Screenshots at 375 and 1280 px.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { axe, CHROMIUM, launchChromium, SHOTS, sidewaysScroll, signInPage as signIn, snap } from '../helpers/browser.ts';
import {
  createStubRegister,
  createTestService,
  fileRequest,
  PEOPLE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type FiledRequest,
  type TestService,
  type World,
} from '../helpers/world.ts';

const LOCALES = [
  { lang: 'fi', accept: 'fi-FI,fi;q=0.9', show: 'Näytä, mitä Tulorekisteri tietää minusta', gross: 'Vuositulot › Bruttotulot (€)' },
  { lang: 'sv', accept: 'sv-FI,sv;q=0.9', show: 'Visa vad Inkomstregistret vet om mig', gross: 'Årsinkomst › Bruttoinkomst (€)' },
  { lang: 'en', accept: 'en-GB,en;q=0.9', show: 'Show what Incomes Register holds about me', gross: 'Annual income › Gross income (€)' },
] as const;
const PAGES = [
  '',
  '/requests',
  '/consents',
  '/arrangements',
  '/access',
  '/mydata',
  '/datastore',
  '/others',
  '/mandates',
  '/keychain',
  '/move',
  '/export',
];
/** Reads of the fee service under one consent (more than a page of 20), and of the tax office. */
const FEE_READS = 24;
const TAX_READS = 2;

/** What must never show as text: JSON keys (snake_case), pointers, URLs, URNs. */
async function rawText(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  return [/\b\w+_\w+\b/g, /(^|\s)\/\w+/g, /https?:\/\/\S+/g, /\burn:\S+/g].flatMap((re) => text.match(re) ?? []);
}

/** The WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe.skipIf(!existsSync(CHROMIUM))('the dashboard, readable everywhere and on a phone, in Chromium', () => {
  let browser: Browser;
  let world: World;
  let taxes: FastifyInstance;
  let fee: TestService;
  let tax: TestService;
  const records: FiledRequest[] = [];
  const aino = PEOPLE.aino.personal_identity_code;

  const approve = async (r: FiledRequest) => {
    const party = r.parties.find((p) => p.identifier === aino)!;
    await world.operators.a.consents.decide(r.record_id, party.party_id, 'account:test', { approve: true });
  };
  const ref = (r: FiledRequest) => r.sources[0]!.subjects[0]!.ref;

  beforeAll(async () => {
    taxes = createStubRegister();
    await taxes.listen({ port: 0, host: '127.0.0.1' });
    const taxesUrl = `http://127.0.0.1:${(taxes.server.address() as { port: number }).port}`;
    world = await startWorld({
      extraSources: [
        {
          gateway: {
            id: 'taxes',
            upstream: { base_url: taxesUrl, timeout_ms: 2000, max_response_bytes: 1048576 },
            operations: [
              {
                name: 'debt',
                method: 'GET',
                path: '/people/{identifier}/income',
                identifier_type: 'fi_hetu',
                attributes: { debt: '/tax_debt_eur' },
              },
            ],
          },
          registry: {
            id: 'taxes',
            name: { fi: 'Verorekisteri', sv: 'Skatteregistret', en: 'Tax register' },
            identifier_type: 'fi_hetu',
            attributes: [
              {
                id: 'debt',
                label: { fi: 'Verovelka', sv: 'Skatteskuld', en: 'Tax debt' },
                category: 'https://w3id.org/dpv/pd#Tax',
                sensitivity: 'financial',
              },
            ],
          },
        },
      ],
    });
    fee = await createTestService('fee-service');
    tax = await createTestService('tax-office');
    const registry = world.operators.a.registry;
    await registry.putService(serviceDefinition(fee));
    const taxDef = serviceDefinition(tax);
    await registry.putService({
      ...taxDef,
      name: { fi: 'Verotoimisto', sv: 'Skattebyrån', en: 'Tax office' },
      purposes: [{ ...taxDef.purposes[0]!, attributes: [{ source: 'taxes', id: 'debt', required: true }] }],
    });
    const file = (s: TestService) => fileRequest(s, world.issuers.a, [aino]);
    // an active consent read 24 times, one read by another service of another source, one pending, one withdrawn
    records.push(await file(fee), await file(tax), await file(fee), await file(fee));
    const [feeRecord, taxRecord, , ended] = records as [FiledRequest, FiledRequest, FiledRequest, FiledRequest];
    for (const r of [feeRecord, taxRecord, ended]) await approve(r);
    const feeToken = await sourceToken(fee, world.issuers.a, world.resource, feeRecord.record_id, ['annual_income', 'income_year']);
    for (let i = 0; i < FEE_READS; i += 1) await readSource(fee, `${world.resource}/income?subject=${ref(feeRecord)}`, feeToken);
    const taxResource = `${world.gatewayUrl}/sources/taxes`;
    const taxToken = await sourceToken(tax, world.issuers.a, taxResource, taxRecord.record_id, ['debt']);
    for (let i = 0; i < TAX_READS; i += 1) await readSource(tax, `${taxResource}/debt?subject=${ref(taxRecord)}`, taxToken);
    // withdrawn, then read with a token issued before: refused at the gateway, and logged
    const endedToken = await sourceToken(fee, world.issuers.a, world.resource, ended.record_id, ['income_year']);
    const party = ended.parties.find((p) => p.identifier === aino)!;
    await world.operators.a.consents.withdraw(ended.record_id, party.party_id, 'account:test');
    for (let i = 0; i < 50; i += 1) {
      const res = await readSource(fee, `${world.resource}/income?subject=${ref(ended)}`, endedToken);
      if (res.status === 403) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await taxes?.close();
  });

  /** A signed-in page in a language, at a width (JavaScript off unless asked). */
  async function session(l: (typeof LOCALES)[number], width: number, javaScriptEnabled = false): Promise<[BrowserContext, Page]> {
    const context = await browser.newContext({
      locale: l.accept.split(',')[0]!,
      extraHTTPHeaders: { 'accept-language': l.accept },
      viewport: { width, height: 800 },
      javaScriptEnabled,
    });
    const page = await context.newPage();
    await signIn(page, world.issuers.a, 'Aino Virtanen');
    return [context, page];
  }

  /** Waits until every read above has reached the operator's access log. */
  async function allReported(): Promise<Array<Record<string, unknown>>> {
    const account = (await world.operators.a.accounts.ownerOf('fi_hetu', aino))!;
    let log: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && log.length < FEE_READS + TAX_READS + 1; i += 1) {
      log = await world.operators.a.citizens.accessLog(account, { limit: 1000 });
      if (log.length < FEE_READS + TAX_READS + 1) await new Promise((r) => setTimeout(r, 100));
    }
    return log;
  }

  for (const l of LOCALES) {
    it(`every page at 320 px in ${l.lang}: no sideways scroll, no axe violation, no raw keys`, async () => {
      const [context, page] = await session(l, 320, true);
      await page.goto(`${world.issuers.a}/dashboard/mydata`);
      await page.getByRole('button', { name: l.show }).click();
      await expect(page.getByRole('rowheader', { name: l.gross }).isVisible()).resolves.toBe(true);
      await allReported();
      for (const path of PAGES) {
        await page.goto(`${world.issuers.a}/dashboard${path}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(l.lang);
        expect(await sidewaysScroll(page), `${l.lang} ${path}`).toBeLessThanOrEqual(0);
        expect(await rawText(page), `${l.lang} ${path}`).toEqual([]);
        await axe(page, `${l.lang} ${path}`, 'all');
      }
      // the menu is one line until opened, and then still fits
      await page.goto(`${world.issuers.a}/dashboard/consents`);
      const menu = page.locator('nav.main summary');
      expect((await menu.boundingBox())!.height).toBeLessThan(100);
      await menu.click();
      await expect(page.locator('nav.main a[aria-current="page"]').isVisible()).resolves.toBe(true);
      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      await axe(page, `${l.lang} menu`, 'all');
      await context.close();
    }, 120_000);
  }

  it('"Who used my data" filters by service, source, period and outcome and pages, without JavaScript', async () => {
    const [context, page] = await session(LOCALES[2], 1280);
    const log = await allReported();
    const ids = async () => page.locator('ol.log > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-access-id')));
    const newestFirst = (rows: Array<Record<string, unknown>>) => rows.map((r) => String(r.access_id));
    const ofService = (clientId: string) => log.filter((r) => r.client_id === clientId);

    await page.goto(`${world.issuers.a}/dashboard/access`);
    await page.getByLabel('Service').selectOption({ label: 'Customer Fee Unit' });
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const fees = newestFirst(ofService('fee-service'));
    expect(fees).toHaveLength(FEE_READS + 1);
    expect(await ids()).toEqual(fees.slice(0, 20));
    await expect(page.getByRole('link', { name: /Newer entries/ }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: /Older entries/ }).click();
    expect(await ids()).toEqual(fees.slice(20));
    expect(page.url()).toContain('service=fee-service');
    await expect(page.getByRole('link', { name: /Older entries/ }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: /Newer entries/ }).click();
    expect(await ids()).toEqual(fees.slice(0, 20));

    const choose = async (query: string) => {
      await page.goto(`${world.issuers.a}/dashboard/access?${query}`);
      return ids();
    };
    expect(await choose('source=taxes')).toEqual(newestFirst(ofService('tax-office')));
    expect(await page.locator('ol.log').innerText()).toContain('Tax register');
    expect(await choose('outcome=refused')).toEqual(newestFirst(log.filter((r) => r.outcome === 'refused')));
    expect(await choose('outcome=refused&service=tax-office')).toEqual([]);
    await expect(page.getByText('No entries match these choices.').isVisible()).resolves.toBe(true);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date());
    const day = (offset: number) => new Date(Date.parse(`${today}T12:00:00Z`) + offset * 86400_000).toISOString().slice(0, 10);
    expect(await choose(`from=${day(1)}`)).toEqual([]);
    expect(await choose(`to=${day(-1)}`)).toEqual([]);
    expect(await choose(`from=${today}&to=${today}&service=tax-office`)).toEqual(newestFirst(ofService('tax-office')));
    // the entry names service, source, items, purpose and outcome
    await choose('service=fee-service&outcome=allowed');
    const first = await page.locator('ol.log > li').first().innerText();
    for (const part of ['Customer Fee Unit', 'Incomes Register', 'Annual income, Income year', 'Customer fees', 'released'])
      expect(first).toContain(part);
    expect(first).toMatch(/\d{2}:\d{2} EES?T/);
    await context.close();
  }, 60_000);

  it('"My consents" groups active, pending and ended records, searches them, and lists the "My data" views under My data', async () => {
    const [context, page] = await session(LOCALES[2], 375);
    await page.goto(`${world.issuers.a}/dashboard/mydata`);
    await page.getByRole('button', { name: LOCALES[2].show }).click();
    const views = page.locator('#views-h + p + ol > li');
    expect(await views.count()).toBeGreaterThanOrEqual(1);
    await expect(views.first().innerText()).resolves.toMatch(/Incomes Register \(withdrawn\)$/);

    await page.goto(`${world.issuers.a}/dashboard/consents`);
    const group = (name: RegExp) => page.locator('section.group').filter({ has: page.getByRole('heading', { level: 2, name }) });
    const cards = async () =>
      Object.fromEntries(
        await Promise.all(
          (['Active', 'Waiting for a decision', 'Ended'] as const).map(
            async (g) =>
              [
                g,
                await group(new RegExp(`^${g}`))
                  .locator('article h3')
                  .allInnerTexts(),
              ] as const,
          ),
        ),
      );
    expect(await cards()).toEqual({
      Active: ['Tax office', 'Customer Fee Unit'],
      'Waiting for a decision': ['Customer Fee Unit'],
      Ended: ['Customer Fee Unit'],
    });
    expect(await page.locator('main').innerText()).not.toContain('My data view');

    const search = async (q: string) => {
      await page.getByLabel('Search my consents').fill(q);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      return cards();
    };
    expect(await search('tax debt')).toEqual({ Active: ['Tax office'], 'Waiting for a decision': [], Ended: [] });
    expect(await search('withdrawn')).toEqual({ Active: [], 'Waiting for a decision': [], Ended: ['Customer Fee Unit'] });
    expect(await search('incomes register')).toEqual({
      Active: ['Customer Fee Unit'],
      'Waiting for a decision': ['Customer Fee Unit'],
      Ended: ['Customer Fee Unit'],
    });
    await page.getByLabel('Search my consents').fill('daycare');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('status').innerText()).resolves.toBe('No consents match "daycare".');
    await context.close();
  }, 60_000);

  it('the focus ring has 3:1 or more against what surrounds it, on every focusable element of a page', async () => {
    const ratios: number[] = [];
    for (const width of [375, 1280]) {
      const [context, page] = await session(LOCALES[2], width, true);
      for (const path of ['/consents', '/access']) {
        await page.goto(`${world.issuers.a}/dashboard${path}`);
        for (let i = 0; i < 30; i += 1) {
          await page.keyboard.press('Tab');
          const ring = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement;
            if (el === document.body) return undefined;
            const { outlineStyle, outlineWidth, outlineColor } = getComputedStyle(el);
            let around = 'rgb(255, 255, 255)';
            for (let p = el.parentElement; p; p = p.parentElement) {
              const bg = getComputedStyle(p).backgroundColor;
              if (bg !== 'rgba(0, 0, 0, 0)') {
                around = bg;
                break;
              }
            }
            return {
              what: `${el.tagName} ${el.getAttribute('type') ?? ''} ${el.getAttribute('name') ?? ''} ${el.textContent?.trim().slice(0, 30)}`,
              style: { outlineStyle, outlineWidth, outlineColor },
              around,
            };
          });
          if (!ring) continue;
          expect(ring.style.outlineStyle, ring.what).toBe('solid');
          expect(parseFloat(ring.style.outlineWidth), ring.what).toBeGreaterThanOrEqual(2);
          ratios.push(contrast(ring.style.outlineColor, ring.around));
          expect(ratios.at(-1), `${ring.what} on ${ring.around}`).toBeGreaterThanOrEqual(3);
        }
      }
      await context.close();
    }
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('screenshots at 375 and 1280 px', async () => {
    for (const [width, name] of [
      [375, 'mobile'],
      [1280, 'wide'],
    ] as const) {
      const [context, page] = await session(LOCALES[2], width);
      await page.goto(`${world.issuers.a}/dashboard/mydata`);
      await page.getByRole('button', { name: LOCALES[2].show }).click();
      await snap(page, `${name}-mydata`);
      for (const path of ['consents', 'access']) {
        await page.goto(`${world.issuers.a}/dashboard/${path}`);
        await snap(page, `${name}-${path}`);
      }
      if (width === 375) {
        // the first screen of a phone: the menu folded, then opened
        await page.screenshot({ path: `${SHOTS}/mobile-first-screen.png` });
        await page.locator('nav.main summary').click();
        await page.screenshot({ path: `${SHOTS}/mobile-menu.png` });
      }
      await context.close();
    }
  }, 60_000);
});
