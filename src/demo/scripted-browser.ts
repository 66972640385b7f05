/**
 * A minimal scripted browser (used by the demo script and the integration tests): fetch
 * with a cookie jar per origin and manual redirect following, so OAuth/OIDC front-channel
 * flows run over real HTTP without a real browser.
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();
  /** The last URL a request ended on after redirects. */
  lastUrl = '';

  /**
   * Sends the cookies of one origin to another too. Real browsers ignore the port for
   * cookies; this jar keys by host and port, so tests that reach one instance of several
   * directly (same host, other port) share the session explicitly.
   */
  shareCookies(from: string, to: string): void {
    const cookies = this.jar.get(new URL(from).host);
    if (cookies) this.jar.set(new URL(to).host, cookies);
  }

  /** A cookie's current value for an origin (tests look at session ids). */
  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name);
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let cookies = this.jar.get(url.host);
      if (!cookies) this.jar.set(url.host, (cookies = new Map()));
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  /** Sends one request and follows redirects (303/302 become GET). Stops at `stopAt` origins. */
  async request(input: string, init: RequestInit = {}, stopAt?: (url: URL) => boolean): Promise<Response> {
    let url = new URL(input);
    let method = init.method ?? 'GET';
    let body = init.body;
    for (let hops = 0; hops < 20; hops += 1) {
      if (stopAt?.(url)) {
        this.lastUrl = url.href;
        return new Response(null, { status: 299, headers: { location: url.href } });
      }
      const headers = new Headers(init.headers);
      const cookie = this.cookieHeader(url);
      if (cookie) headers.set('cookie', cookie);
      const res = await fetch(url, { method, headers, body, redirect: 'manual' });
      this.store(url, res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      this.lastUrl = url.href;
      return res;
    }
    throw new Error('too many redirects');
  }

  get(url: string, stopAt?: (url: URL) => boolean) {
    return this.request(url, {}, stopAt);
  }

  /** Posts a form (application/x-www-form-urlencoded). */
  postForm(url: string, form: Record<string, string | string[]>, stopAt?: (url: URL) => boolean) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return this.request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, stopAt);
  }

  /** Reads a hidden input's value from an HTML page. */
  static field(page: string, name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
    if (!m) throw new Error(`no field ${name} in page`);
    return m[1]!;
  }
}
