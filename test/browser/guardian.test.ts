/**
 * A guardian acting for a child, in Chromium: a service asks about a child, whom the
 * population register names Aino and Mikko as guardians of; Aino finds the request under
 * "Acting for others", is told she decides for the child, gives consent for the child, and
 * sees that the other guardian has not decided yet. Every page axe-clean.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hetuControlChar } from '../../src/core/identifiers.ts';
import { createTestService, fileRequest, PEOPLE, serviceDefinition, startWorld, type TestService, type World } from '../helpers/world.ts';
import { axe, CHROMIUM, launchChromium, signInPage as signIn, snap } from '../helpers/browser.ts';

/** A child born in 2018 (century sign A), with a valid control character. */
const CHILD = `150618A123${hetuControlChar('150618123')}`;

describe.skipIf(!existsSync(CHROMIUM))('a guardian acting for a child in Chromium', () => {
  let browser: Browser;
  let world: World;
  let service: TestService;

  beforeAll(async () => {
    world = await startWorld({
      guardiansOf: async (s) =>
        s.identifier === CHILD
          ? [PEOPLE.aino, PEOPLE.mikko].map((p) => ({ identifier_type: 'fi_hetu', identifier: p.personal_identity_code }))
          : [],
    });
    service = await createTestService('daycare-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('Aino decides for the child under Acting for others; Mikko is still to decide', async () => {
    const filed = await fileRequest(service, world.issuers.a, [CHILD]);
    // the child and both guardians take part; the service is not told who the guardians are
    expect(filed.parties.map((p) => p.identifier ?? null)).toEqual([CHILD, null, null]);
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, world.issuers.a, 'Aino Virtanen');
    await page.locator('nav').getByRole('link', { name: 'Acting for others', exact: true }).click();
    expect(await page.getByText('You decide for the child as their guardian.').count()).toBeGreaterThan(0);
    await axe(page, 'acting for others (request)');
    await page.getByRole('button', { name: 'Give consent' }).first().click();
    await page.waitForLoadState('load');
    const state = await world.operators.a.consents.get(filed.record_id);
    const aino = state.parties.find((p) => p.identifier === PEOPLE.aino.personal_identity_code);
    const mikko = state.parties.find((p) => p.identifier === PEOPLE.mikko.personal_identity_code);
    expect([aino?.role, aino?.status]).toEqual(['guardian', 'approved']);
    expect([mikko?.role, mikko?.status]).toEqual(['guardian', 'pending']);
    await page.locator('nav').getByRole('link', { name: 'Acting for others', exact: true }).click();
    const card = await page.locator('main').innerText();
    expect(card).toContain('you (guardian): approved');
    expect(card).toContain('another guardian (not signed in here yet): pending');
    await axe(page, 'acting for others (decided)');
    await snap(page, 'acting-for-child');
    await context.close();
  }, 60_000);
});
