/**
 * Standing permissions and moving between operators in a real browser (Debian's Chromium
 * through playwright-core): create, see applied, edit and delete a permission arrangement;
 * download a portability bundle at operator A and open it at operator B with progress.
 * Every page is checked with axe-core for serious or critical violations.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGovernanceKey, importGovernanceKey, signTrustGroup } from '../../src/trust/trust-group.ts';
import { tempDir } from '../helpers/stores.ts';
import { axe, CHROMIUM, launchChromium, signInPage as signIn, snap } from '../helpers/browser.ts';
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

describe.skipIf(!existsSync(CHROMIUM))('standing permissions and moving in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;
  const dir = tempDir('portti-browser-group-');

  const file = () => fileRequest(service, world.issuers.a, [PEOPLE.aino.personal_identity_code]);

  beforeAll(async () => {
    const gov = await generateGovernanceKey('gov');
    writeFileSync(join(dir, 'gov.json'), JSON.stringify(gov.jwks));
    world = await startWorld({
      operatorInGroup: 'both',
      trustGroup: async (resource, issuers) => {
        const doc = {
          group_id: 'urn:portti:trust-group:uusimaa',
          name: 'Uusimaa',
          display_name: { fi: 'Uudenmaan ryhmä', sv: 'Nylandsgruppen', en: 'Uusimaa group' },
          rulebook: { version: '1', url: 'https://example.org/rulebook' },
          members: [
            {
              issuer: issuers.a,
              name: 'Operator A',
              display_name: { fi: 'Helsingin operaattori', sv: 'Helsingforsoperatören', en: 'Helsinki operator' },
            },
            {
              issuer: issuers.b,
              name: 'Operator B',
              display_name: { fi: 'Espoon operaattori', sv: 'Esbooperatören', en: 'Espoo operator' },
            },
          ],
          sources: [{ resource, admitted: [issuers.a, issuers.b] }],
          issued_at: new Date(Date.now() - 1000).toISOString(),
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        };
        writeFileSync(join(dir, 'group.jws'), await signTrustGroup(doc, await importGovernanceKey(gov.privateJwk)));
        return { file: join(dir, 'group.jws'), jwks: join(dir, 'gov.json') };
      },
    });
    service = await createTestService('fee-service');
    for (const k of ['a', 'b'] as const)
      await world.operators[k].registry.putService({ ...serviceDefinition(service), kind: 'public_service' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('a citizen sets a standing permission, sees it decide a request, edits and deletes it, then moves to operator B', async () => {
    const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, world.issuers.a, 'Aino Virtanen');

    // create
    await page.locator('nav').getByRole('link', { name: 'Standing permissions', exact: true }).click();
    expect(await page.getByText('You have no standing permissions').count()).toBe(1);
    await axe(page, 'arrangements (empty)');
    await page.getByLabel('Name').fill('City may check my income');
    await page.getByLabel('Purpose (narrower purposes too)').selectOption({ label: 'Service provision' });
    await page.getByLabel('Kind of service').selectOption({ label: 'Public services' });
    await page.getByLabel('Annual income').check();
    await page.getByLabel('Income year').check();
    await page.getByRole('button', { name: 'Save standing permission' }).click();
    await page.waitForURL(`${world.issuers.a}/dashboard/arrangements`);
    expect(await page.getByRole('heading', { name: 'City may check my income' }).count()).toBe(1);
    // the trust group by its display name, never its URN
    expect(await page.getByText('Only when the sources are in the trust group Uusimaa group').count()).toBe(1);
    expect(await page.locator('dl.facts').getByText('Uusimaa group', { exact: true }).count()).toBe(1);
    expect(await page.locator('main').innerText()).not.toContain('urn:');
    await axe(page, 'arrangements');
    await snap(page, 'standing-permissions');

    // applied to a matching request: active at once, with the rule named in the history
    const filed = await file();
    expect(filed.status).toBe('active');
    // a use of her data at A: history that must come along
    const token = await sourceToken(service, world.issuers.a, world.resource, filed.record_id, ['annual_income']);
    let read = await readSource(service, `${world.resource}/income`, token);
    for (let i = 0; i < 40 && read.status !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      read = await readSource(service, `${world.resource}/income`, token);
    }
    expect(read.status).toBe(200);
    await page.locator('nav').getByRole('link', { name: 'My consents', exact: true }).click();
    await page.getByText('History').first().click();
    expect(await page.getByText('by your standing permission “City may check my income”').count()).toBeGreaterThan(0);

    // edit, then delete
    await page.locator('nav').getByRole('link', { name: 'Standing permissions', exact: true }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Name').fill('City fees may check my income');
    await page.getByRole('button', { name: 'Save standing permission' }).click();
    expect(await page.getByRole('heading', { name: 'City fees may check my income' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete' }).click();
    expect(await page.getByText('You have no standing permissions').count()).toBe(1);
    expect((await file()).status).toBe('pending');

    // move: the bundle from A ...
    await page.locator('nav').getByRole('link', { name: 'Change operator', exact: true }).click();
    await axe(page, 'move (A)');
    await page.getByLabel('New operator').selectOption({ label: 'Espoo operator' });
    expect(await page.locator('main').innerText()).not.toContain('http');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the bundle' }).click(),
    ]);
    const bundlePath = join(dir, 'bundle.jws');
    await download.saveAs(bundlePath);
    expect(readFileSync(bundlePath, 'utf8').split('.')).toHaveLength(3);

    // ... opened at B, with progress, until every record is accounted for
    const atB = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    await signIn(atB, world.issuers.b, 'Aino Virtanen');
    await atB.locator('nav').getByRole('link', { name: 'Change operator', exact: true }).click();
    await atB.getByLabel('Bundle file').setInputFiles(bundlePath);
    await atB.getByRole('button', { name: 'Move my data here' }).click();
    // first what would move, by service name, before she agrees
    await atB.waitForSelector('.move-preview');
    expect(await atB.locator('.move-preview li[data-outcome="moved"]', { hasText: 'Customer Fee Unit' }).count()).toBe(2);
    expect(await atB.getByText('This is what happens to them').count()).toBe(1);
    await axe(atB, 'move preview (B)');
    await snap(atB, 'move-preview');
    await atB.getByRole('button', { name: 'Confirm the move' }).click();
    await atB.waitForURL(/\/dashboard\/move\/urn/);
    await atB.waitForSelector('article.move[data-status="done"]');
    expect(await atB.locator('li[data-outcome="moved"]').count()).toBe(2); // the active one and the pending one
    // each record by its service's name, not its client id
    expect(await atB.locator('li[data-outcome="moved"]', { hasText: 'Customer Fee Unit' }).count()).toBe(2);
    expect(await atB.getByText('Here from Helsinki operator').count()).toBe(1);
    await axe(atB, 'move progress (B)');
    await snap(atB, 'move-done');
    await atB.locator('nav').getByRole('link', { name: 'My consents', exact: true }).click();
    expect(await atB.getByText('Moved here from another operator').count()).toBeGreaterThan(0);
    await atB.locator('nav').getByRole('link', { name: 'Who used my data', exact: true }).click();
    expect(
      await atB.locator('.entry').filter({ hasText: 'Came with your move from' }).filter({ hasText: 'Helsinki operator' }).count(),
    ).toBe(1);
    expect(await atB.locator('.entry .proof-proven').count()).toBe(1);
    // the browser checks only this operator's evidence: the server's statement stands, in the singular
    expect(await atB.locator('#tlog-status').textContent()).toContain('The operator checked 1 entry: it is in the log');
    await axe(atB, 'who used my data, moved (B)');
    await snap(atB, 'access-moved');
    // the move is a notification at B too (no address there: on the dashboard only)
    await atB.locator('nav').getByRole('link', { name: 'Notifications', exact: true }).click();
    expect(await atB.locator('li.card', { hasText: 'Your move is complete' }).count()).toBe(1);
    expect(await atB.getByText(/^Your consents and history are now at /).count()).toBe(1);
    await axe(atB, 'notifications after a move (B)');

    // back at A: where she went and when, with a link there (once B has taken the records over)
    await page.locator('nav').getByRole('link', { name: 'My consents', exact: true }).click();
    for (let i = 0; i < 50 && (await page.locator('[data-moved-to]').count()) === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    expect(await page.getByRole('status').filter({ hasText: 'You moved to Espoo operator on' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Go to your consents at Espoo operator' }).getAttribute('href')).toBe(
      `${world.issuers.b}/dashboard/consents`,
    );
    await axe(page, 'moved away (A)');
    await snap(page, 'moved-away');
    await context.close();
  }, 90_000);
});
