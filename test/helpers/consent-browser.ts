/**
 * What the consent browser tests share: the languages they run in, a step counter for the
 * person's clicks, a check of a page (axe-core with no violation of any impact, screenshots at
 * 375 px and 1280 px) and the daycare service with a controller contact and a validity.
 */
import type { Locator, Page } from 'playwright-core';
import type { ServiceDefinition } from '../../src/operator/registry/registry.schema.ts';
import type { Locale } from '../../src/web/i18n.ts';
import { axe, snap } from './browser.ts';
import { serviceDefinition, type TestService } from './world.ts';

/** The dashboard's languages as a browser sends them. */
export const LANGUAGES: Array<{ locale: Locale; accept: string; browser: string }> = [
  { locale: 'fi', accept: 'fi-FI,fi;q=0.9', browser: 'fi-FI' },
  { locale: 'sv', accept: 'sv-FI,sv;q=0.9', browser: 'sv-FI' },
  { locale: 'en', accept: 'en-GB,en;q=0.9', browser: 'en-GB' },
];

/** Counts the person's steps: every click on the way. */
export class Steps {
  count = 0;
  async click(target: Locator): Promise<void> {
    this.count += 1;
    await target.click();
  }
}

/** Checks a page with axe-core (any impact) and shoots it at 375 px and 1280 px. */
export async function check(page: Page, name: string): Promise<void> {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await axe(page, `${name}@${width}`, 'all');
    await snap(page, `${name}-${width}`);
  }
}

/** A demo-world service with a controller contact, a description and a validity of one year. */
export function daycareService(service: TestService, redirectUris: string[] = []): ServiceDefinition {
  const base = serviceDefinition(service, redirectUris);
  return {
    ...base,
    controller: { name: 'City of Helsinki', contact: 'asiakasmaksut@hel.fi' },
    purposes: base.purposes.map((p) => ({ ...p, validity_duration: 'P1Y' })),
  };
}
