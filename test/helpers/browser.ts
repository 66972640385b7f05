/** The scripted browser lives with the demo script; tests use the same one. */
export { TestBrowser } from '../../src/demo/scripted-browser.ts';

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { tempDir } from './stores.ts';

/** Debian's Chromium (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Where screenshots go: the README's folder with UPDATE_SCREENSHOTS=1, else a temp dir. */
export const SHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : tempDir('portti-shots-');

/** Runs axe-core on the page and fails on serious or critical violations (or, with `all`, on any violation). */
export async function axe(page: Page, name: string, impacts: 'serious' | 'all' = 'serious'): Promise<void> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: unknown[] }>;
  };
  const bad = result.violations.filter((v) => impacts === 'all' || v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help}`)).toEqual([]);
}

/** How far the page scrolls sideways: 0 when nothing is wider than the viewport. */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
}

export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Signs a demo resident in at an operator through the demo identity provider's page. */
export async function signInPage(page: Page, issuer: string, resident: string): Promise<void> {
  await page.goto(`${issuer}/signin`);
  await page.getByRole('link', { name: /Demo/ }).click();
  await page.getByRole('button', { name: resident }).click();
  await page.waitForURL(`${issuer}/dashboard`);
}
