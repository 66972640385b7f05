/**
 * What one push attempt leaves a webhook delivery in (RFC 8935 §2.4): delivered on 2xx, final
 * on a 4xx other than 429, retried with a doubling back-off (or the receiver's Retry-After)
 * on 429, 5xx and no answer, until the attempts run out.
 */
import { describe, expect, it } from 'vitest';
import { pushOutcome } from '../../src/operator/webhooks/webhooks.ts';

describe('pushOutcome', () => {
  it('is delivered on 202 and on any 2xx', () => {
    expect(pushOutcome({ status: 202 }, 1, 8, 1000)).toEqual({ status: 'delivered', error: null, delayMs: 0 });
    expect(pushOutcome({ status: 204 }, 3, 8, 1000).status).toBe('delivered');
  });

  it('fails at once on 400, 401, 403 and 404, naming the receiver’s err code', () => {
    for (const status of [400, 401, 403, 404, 410]) expect(pushOutcome({ status }, 1, 8, 1000).status).toBe('failed');
    expect(pushOutcome({ status: 400, body: '{"err":"invalid_key","description":"unknown kid"}' }, 1, 8, 1000).error).toBe(
      'answered 400: invalid_key (unknown kid)',
    );
  });

  it('retries 429, 5xx and unreachable receivers with a doubling back-off', () => {
    expect(pushOutcome({ status: 503 }, 1, 8, 1000)).toEqual({ status: 'pending', error: 'answered 503', delayMs: 1000 });
    expect(pushOutcome({ status: 500 }, 2, 8, 1000).delayMs).toBe(2000);
    expect(pushOutcome({ status: 429 }, 3, 8, 1000).delayMs).toBe(4000);
    expect(pushOutcome({ status: null, error: 'fetch failed: ECONNREFUSED' }, 4, 8, 1000)).toMatchObject({
      status: 'pending',
      error: 'fetch failed: ECONNREFUSED',
      delayMs: 8000,
    });
    expect(pushOutcome({ status: 503 }, 30, 50, 1000).delayMs).toBe(10 * 60 * 1000);
  });

  it('waits as long as Retry-After asks when that is longer than the back-off', () => {
    expect(pushOutcome({ status: 429, retryAfter: '30' }, 1, 8, 1000).delayMs).toBe(30_000);
    expect(pushOutcome({ status: 503, retryAfter: '0' }, 2, 8, 1000).delayMs).toBe(2000);
    expect(pushOutcome({ status: 503, retryAfter: 'soon' }, 1, 8, 1000).delayMs).toBe(1000);
  });

  it('gives up after the last attempt', () => {
    expect(pushOutcome({ status: 503 }, 8, 8, 1000).status).toBe('failed');
  });
});
