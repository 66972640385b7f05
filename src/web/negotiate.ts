/**
 * Content negotiation between pages and APIs: a browser navigating (Accept: text/html first)
 * gets HTML, every other client (JSON, problem+json, `*\/*`, no Accept) the API's answer.
 */

/** The quality the Accept header gives a media range, 0 when it names it not at all. */
function quality(accept: string, type: string): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    if (range?.trim() !== type) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    if (Number.isFinite(value)) best = Math.max(best, value);
  }
  return best;
}

/**
 * True when the client asks for HTML by name and prefers it to JSON: browsers' navigations
 * and form posts, not `fetch` (`*\/*`) or API clients.
 *
 * @example prefersHtml('text/html,application/xhtml+xml,*\/*;q=0.8') // true
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = quality(accept, 'text/html');
  return html > 0 && html >= quality(accept, 'application/json') && html >= quality(accept, 'application/problem+json');
}
