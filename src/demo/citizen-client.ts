/**
 * A citizen driven over HTTP for demos and tests: signs in at an operator through a demo
 * identity provider and calls the citizen API with the session's CSRF token.
 */
import { TestBrowser } from './scripted-browser.ts';

/** A signed-in citizen: their scripted browser, the session's CSRF token and the operator. */
export interface Citizen {
  browser: TestBrowser;
  csrf: string;
  issuer: string;
}

/** Signs a demo resident (by identity code) in at `issuer` with identity provider `idp`. */
export async function signIn(issuer: string, idp: string, code: string): Promise<Citizen> {
  const browser = new TestBrowser();
  const page = await (await browser.get(`${issuer}/login/${idp}?return_to=/dashboard`)).text();
  const uid = /action="\/interaction\/([^"]+)"/.exec(page)?.[1];
  if (!uid) throw new Error('the identity provider showed no sign-in page');
  await browser.postForm(`${new URL(browser.lastUrl).origin}/interaction/${uid}`, { resident: code });
  const me = await browser.get(`${issuer}/citizen/api/me`);
  if (me.status !== 200) throw new Error(`sign-in at ${issuer} failed (${me.status})`);
  return { browser, csrf: ((await me.json()) as { csrf_token: string }).csrf_token, issuer };
}

/** GETs a citizen API path and parses JSON. */
export async function citizenGet<T>(who: Citizen, path: string): Promise<T> {
  return (await (await who.browser.get(`${who.issuer}${path}`)).json()) as T;
}

/** POSTs JSON to a citizen API path with the CSRF header. */
export function citizenPost(who: Citizen, path: string, body: unknown): Promise<Response> {
  return who.browser.request(`${who.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf },
    body: JSON.stringify(body),
  });
}

/** Approves or declines a record as this citizen (optionally naming the party acted as). */
export function decide(
  who: Citizen,
  recordId: string,
  body: { approve: boolean; choices?: string[]; party_id?: string },
): Promise<Response> {
  return citizenPost(who, `/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, body);
}
