/**
 * The gateway has no pages: a person who opens one of its addresses in a browser gets a page in
 * their language saying what the address is (never raw JSON); API clients keep problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../helpers/world.ts';

describe('the gateway in a browser', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);
  afterAll(async () => world?.close());

  it('answers a browser with a page in its language, an API client with problem+json', async () => {
    const asBrowser = await fetch(`${world.gatewayUrl}/`, { headers: { accept: 'text/html,*/*;q=0.8', 'accept-language': 'sv-FI' } });
    expect(asBrowser.status).toBe(404);
    expect(asBrowser.headers.get('content-type')).toContain('text/html');
    const page = await asBrowser.text();
    expect(page).toContain('<html lang="sv">');
    expect(page).toContain('Sidan hittades inte');
    expect(page).toContain('Portti access gateway');
    expect(page).not.toContain('{"type"');
    const asApi = await fetch(`${world.gatewayUrl}/`);
    expect(asApi.status).toBe(404);
    expect(asApi.headers.get('content-type')).toContain('application/problem+json');
    expect(((await asApi.json()) as { code: string }).code).toBe('not_found');
  });
});
