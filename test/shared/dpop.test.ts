import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import {
  ASYMMETRIC_ALGS,
  createDpopKey,
  createDpopProof,
  normalizeHtu,
  sha256b64url,
  verifyDpopProof,
  type DpopKey,
  type DpopVerifyOptions,
} from '../../src/shared/oauth/dpop.ts';
import { MemoryReplayCache, type ReplayCache } from '../../src/shared/oauth/replay-cache.ts';
import { ProblemError } from '../../src/shared/errors.ts';

const URL_ = 'https://gw.example/sources/incomes/people?subject=abc';
const TOKEN = 'access-token-123';
const MAX_AGE = 60;
const SKEW = 30;

const options = (extra: Partial<DpopVerifyOptions> = {}): DpopVerifyOptions => ({
  method: 'GET',
  url: URL_,
  accessToken: TOKEN,
  maxAgeS: MAX_AGE,
  clockSkewS: SKEW,
  replay: new MemoryReplayCache(),
  ...extra,
});

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs arbitrary DPoP header/claims with `key` (for proofs the helper would never make). */
async function customProof(
  key: DpopKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  signWith: CryptoKey = key.privateKey,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...header }).sign(signWith);
}

const goodClaims = (extra: Record<string, unknown> = {}) => ({
  htm: 'GET',
  htu: 'https://gw.example/sources/incomes/people',
  jti: randomUUID(),
  iat: Math.floor(Date.now() / 1000),
  ath: sha256b64url(TOKEN),
  ...extra,
});

/** Expects a 401 invalid_dpop_proof problem whose detail matches. */
async function expectInvalid(promise: Promise<unknown>, detail: RegExp): Promise<ProblemError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ProblemError);
  const e = thrown as ProblemError;
  expect(e.status).toBe(401);
  expect(e.code).toBe('invalid_dpop_proof');
  expect(e.message).toMatch(detail);
  const challenge = e.headers['WWW-Authenticate'];
  expect(challenge).toBeDefined();
  expect(challenge?.startsWith('DPoP error="invalid_dpop_proof"')).toBe(true);
  expect(challenge).toContain('error_description="');
  expect(e.toBody()).toMatchObject({ status: 401, code: 'invalid_dpop_proof', title: 'Invalid DPoP proof' });
  return e;
}

describe('helpers', () => {
  it('sha256b64url is the unpadded base64url SHA-256', () => {
    // SHA-256("abc") = ba7816bf...
    expect(sha256b64url('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(sha256b64url(TOKEN)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('normalizeHtu drops query and fragment, keeps scheme, host, port and path', () => {
    expect(normalizeHtu('https://GW.example:443/a/b?x=1#frag')).toBe('https://gw.example/a/b');
    expect(normalizeHtu('http://gw.example:8080/a')).toBe('http://gw.example:8080/a');
    expect(normalizeHtu('https://gw.example')).toBe('https://gw.example/');
    expect(() => normalizeHtu('not a url')).toThrow();
  });

  it('only asymmetric algorithms are accepted', () => {
    expect(ASYMMETRIC_ALGS).toContain('ES256');
    expect(ASYMMETRIC_ALGS).not.toContain('HS256');
    expect(ASYMMETRIC_ALGS).not.toContain('none');
  });
});

describe('createDpopKey / createDpopProof', () => {
  it('creates an ES256 key with a public JWK and its thumbprint', async () => {
    const key = await createDpopKey();
    expect(key.alg).toBe('ES256');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(key.publicJwk.d).toBeUndefined();
    expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a proof carries the RFC 9449 header and claims', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'POST', 'https://gw.example/token?x=1#f', TOKEN, 'n-1');
    const [h, p] = proof.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
    expect(claims).toMatchObject({ htm: 'POST', htu: 'https://gw.example/token', ath: sha256b64url(TOKEN), nonce: 'n-1' });
    expect(typeof claims.jti).toBe('string');
    expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('without a token there is no ath; each proof has a fresh jti', async () => {
    const key = await createDpopKey();
    const a = JSON.parse(Buffer.from((await createDpopProof(key, 'GET', URL_)).split('.')[1] as string, 'base64url').toString());
    const b = JSON.parse(Buffer.from((await createDpopProof(key, 'GET', URL_)).split('.')[1] as string, 'base64url').toString());
    expect(a.ath).toBeUndefined();
    expect(a.nonce).toBeUndefined();
    expect(a.jti).not.toBe(b.jti);
  });
});

describe('verifyDpopProof accepts', () => {
  it('a fresh ES256 proof and returns the key thumbprint', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expect(verifyDpopProof(proof, options())).resolves.toEqual({ jkt: key.jkt });
  });

  it('a fresh EdDSA proof', async () => {
    const key = await createDpopKey('EdDSA');
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expect(verifyDpopProof(proof, options())).resolves.toEqual({ jkt: key.jkt });
  });

  it('a proof without ath when no access token is checked (token endpoint)', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'POST', 'https://op.example/token');
    await expect(
      verifyDpopProof(proof, options({ method: 'POST', url: 'https://op.example/token', accessToken: undefined })),
    ).resolves.toEqual({
      jkt: key.jkt,
    });
  });

  it('ignores the query string and fragment of htu and of the request URL', async () => {
    const key = await createDpopKey();
    const proof = await customProof(key, goodClaims({ htu: 'https://gw.example/sources/incomes/people?other=1#x' }));
    await expect(verifyDpopProof(proof, options({ url: 'https://gw.example/sources/incomes/people?subject=zzz' }))).resolves.toEqual({
      jkt: key.jkt,
    });
  });

  it('iat at the edges of the accepted window', async () => {
    const key = await createDpopKey();
    const iat = 1_800_000_000;
    const old = await customProof(key, goodClaims({ iat }));
    await expect(verifyDpopProof(old, options({ now: (iat + MAX_AGE + SKEW) * 1000 }))).resolves.toEqual({ jkt: key.jkt });
    const future = await customProof(key, goodClaims({ iat }));
    await expect(verifyDpopProof(future, options({ now: (iat - SKEW) * 1000 }))).resolves.toEqual({ jkt: key.jkt });
  });

  it('two different proofs of the same key', async () => {
    const key = await createDpopKey();
    const replay = new MemoryReplayCache();
    await verifyDpopProof(await createDpopProof(key, 'GET', URL_, TOKEN), options({ replay }));
    await expect(verifyDpopProof(await createDpopProof(key, 'GET', URL_, TOKEN), options({ replay }))).resolves.toEqual({ jkt: key.jkt });
  });
});

describe('verifyDpopProof refuses', () => {
  it('a missing header', async () => {
    await expectInvalid(verifyDpopProof(undefined, options()), /header missing/);
  });

  it('two DPoP headers', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expectInvalid(verifyDpopProof([proof, proof], options()), /more than one DPoP header/);
    await expectInvalid(verifyDpopProof([proof], options()), /more than one DPoP header/);
  });

  it('something that is not a compact JWS', async () => {
    await expectInvalid(verifyDpopProof('abc', options()), /not a compact JWS/);
    await expectInvalid(verifyDpopProof('a.b.c.d', options()), /not a compact JWS/);
    await expectInvalid(verifyDpopProof(`${'a'.repeat(8200)}.b.c`, options()), /not a compact JWS/);
  });

  it('an undecodable header', async () => {
    await expectInvalid(verifyDpopProof('!!!.e30.sig', options()), /not decodable/);
  });

  it('the wrong htm', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'POST', URL_, TOKEN);
    await expectInvalid(verifyDpopProof(proof, options()), /htm does not match/);
    const lower = await createDpopProof(key, 'get', URL_, TOKEN);
    await expectInvalid(verifyDpopProof(lower, options()), /htm does not match/);
  });

  it('a different htu path, host, scheme or port', async () => {
    const key = await createDpopKey();
    for (const url of [
      'https://gw.example/sources/incomes/other',
      'https://gw.example/sources/incomes/people/',
      'https://evil.example/sources/incomes/people',
      'http://gw.example/sources/incomes/people',
      'https://gw.example:8443/sources/incomes/people',
    ]) {
      const proof = await createDpopProof(key, 'GET', url, TOKEN);
      await expectInvalid(verifyDpopProof(proof, options()), /htu does not match the request URL/);
    }
  });

  it('an htu that is not a URL or not a string', async () => {
    const key = await createDpopKey();
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims({ htu: 'not a url' })), options()), /htu does not match/);
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims({ htu: 42 })), options()), /htu does not match/);
  });

  it('a missing ath when an access token is presented', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_);
    await expectInvalid(verifyDpopProof(proof, options()), /ath does not match the access token/);
  });

  it('an ath for another access token', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, 'another-token');
    await expectInvalid(verifyDpopProof(proof, options()), /ath does not match/);
  });

  it('a replayed proof (second use of the same jti)', async () => {
    const key = await createDpopKey();
    const replay = new MemoryReplayCache();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expect(verifyDpopProof(proof, options({ replay }))).resolves.toEqual({ jkt: key.jkt });
    await expectInvalid(verifyDpopProof(proof, options({ replay })), /already used \(replay\)/);
  });

  it('a new proof that reuses a jti of the same key', async () => {
    const key = await createDpopKey();
    const replay = new MemoryReplayCache();
    const jti = randomUUID();
    await verifyDpopProof(await customProof(key, goodClaims({ jti })), options({ replay }));
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims({ jti })), options({ replay })), /replay/);
  });

  it('accepts the same jti from a different key (replay keys are per key)', async () => {
    const replay = new MemoryReplayCache();
    const jti = randomUUID();
    const a = await createDpopKey();
    const b = await createDpopKey();
    await verifyDpopProof(await customProof(a, goodClaims({ jti })), options({ replay }));
    await expect(verifyDpopProof(await customProof(b, goodClaims({ jti })), options({ replay }))).resolves.toEqual({ jkt: b.jkt });
  });

  it('a missing, empty or over-long jti', async () => {
    const key = await createDpopKey();
    const { jti: _j, ...noJti } = goodClaims();
    await expectInvalid(verifyDpopProof(await customProof(key, noJti), options()), /jti missing/);
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims({ jti: '' })), options()), /jti missing/);
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims({ jti: 'x'.repeat(257) })), options()), /jti missing/);
  });

  it('an iat that is too old', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expectInvalid(
      verifyDpopProof(proof, options({ now: Date.now() + (MAX_AGE + SKEW + 10) * 1000 })),
      /iat is outside the accepted window/,
    );
    const iat = 1_800_000_000;
    const edge = await customProof(key, goodClaims({ iat }));
    await expectInvalid(verifyDpopProof(edge, options({ now: (iat + MAX_AGE + SKEW + 1) * 1000 })), /iat is outside/);
  });

  it('an iat in the future', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expectInvalid(verifyDpopProof(proof, options({ now: Date.now() - (SKEW + 10) * 1000 })), /iat is outside the accepted window/);
    const iat = 1_800_000_000;
    const edge = await customProof(key, goodClaims({ iat }));
    await expectInvalid(verifyDpopProof(edge, options({ now: (iat - SKEW - 1) * 1000 })), /iat is outside/);
  });

  it('a missing iat', async () => {
    const key = await createDpopKey();
    const { iat: _i, ...noIat } = goodClaims();
    await expectInvalid(verifyDpopProof(await customProof(key, noIat), options()), /iat missing/);
  });

  it('a typ other than dpop+jwt', async () => {
    const key = await createDpopKey();
    await expectInvalid(verifyDpopProof(await customProof(key, goodClaims(), { typ: 'JWT' }), options()), /typ must be dpop\+jwt/);
    const { typ: _t, ...noTyp } = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk };
    const untyped = await new SignJWT(goodClaims()).setProtectedHeader(noTyp).sign(key.privateKey);
    await expectInvalid(verifyDpopProof(untyped, options()), /typ must be dpop\+jwt/);
  });

  it('alg none', async () => {
    const key = await createDpopKey();
    const unsigned = `${b64url({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${b64url(goodClaims())}.`;
    await expectInvalid(verifyDpopProof(unsigned, options()), /asymmetric algorithm/);
  });

  it('alg HS256 (a shared secret)', async () => {
    const key = await createDpopKey();
    const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256');
    const octJwk: JWK = { kty: 'oct', k: Buffer.from(secret).toString('base64url') };
    const proof = await new SignJWT(goodClaims()).setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: octJwk }).sign(secret);
    await expectInvalid(verifyDpopProof(proof, options()), /asymmetric algorithm/);
    const withPublicJwk = await new SignJWT(goodClaims())
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk })
      .sign(secret);
    await expectInvalid(verifyDpopProof(withPublicJwk, options()), /asymmetric algorithm/);
  });

  it('a missing jwk header', async () => {
    const key = await createDpopKey();
    const proof = await new SignJWT(goodClaims()).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256' }).sign(key.privateKey);
    await expectInvalid(verifyDpopProof(proof, options()), /no jwk header/);
  });

  it('a jwk carrying the private key (d)', async () => {
    const key = await createDpopKey();
    const privateJwk: JWK = await exportJWK(key.privateKey);
    expect(privateJwk.d).toBeDefined();
    const proof = await customProof(key, goodClaims(), { jwk: privateJwk });
    await expectInvalid(verifyDpopProof(proof, options()), /private key material/);
  });

  it('a jwk with any other private member (k, p, q)', async () => {
    const key = await createDpopKey();
    for (const member of ['k', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) {
      const proof = await customProof(key, goodClaims(), { jwk: { ...key.publicJwk, [member]: 'AAAA' } });
      await expectInvalid(verifyDpopProof(proof, options()), /private key material/);
    }
  });

  it('a signature by a key other than the one in the header', async () => {
    const key = await createDpopKey();
    const { privateKey: other } = await generateKeyPair('ES256');
    const proof = await customProof(key, goodClaims(), {}, other);
    await expectInvalid(verifyDpopProof(proof, options()), /signature or claims invalid/);
  });

  it('a tampered payload', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    const [h, , s] = proof.split('.') as [string, string, string];
    const forged = `${h}.${b64url(goodClaims())}.${s}`;
    await expectInvalid(verifyDpopProof(forged, options()), /signature or claims invalid/);
  });

  it('an alg in the header that does not match the jwk', async () => {
    const key = await createDpopKey();
    const proof = await customProof(key, goodClaims(), { alg: 'ES256', jwk: (await createDpopKey('EdDSA')).publicJwk });
    await expectInvalid(verifyDpopProof(proof, options()), /signature or claims invalid/);
  });

  it('does not spend the jti of a proof that fails another rule', async () => {
    const key = await createDpopKey();
    const replay = new MemoryReplayCache();
    const proof = await createDpopProof(key, 'GET', URL_, TOKEN);
    await expectInvalid(verifyDpopProof(proof, options({ replay, method: 'POST' })), /htm/);
    expect(replay.size).toBe(0);
    await expect(verifyDpopProof(proof, options({ replay }))).resolves.toEqual({ jkt: key.jkt });
  });

  it('passes the realm/extra challenge parameters through and keeps quotes out of the description', async () => {
    const e = await expectInvalid(verifyDpopProof(undefined, options(), 'realm="gw"'), /missing/);
    expect(e.headers['WWW-Authenticate']).toBe(
      'DPoP error="invalid_dpop_proof", error_description="DPoP proof header missing", algs="ES256 PS256 EdDSA Ed25519", realm="gw"',
    );
  });

  it('asks the replay cache with the key thumbprint, the jti and an expiry bound to iat', async () => {
    const key = await createDpopKey();
    const calls: Array<[string, number]> = [];
    const replay: ReplayCache = {
      firstUse: (k, exp) => {
        calls.push([k, exp]);
        return Promise.resolve(true);
      },
    };
    const iat = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    await verifyDpopProof(await customProof(key, goodClaims({ iat, jti })), options({ replay }));
    expect(calls).toEqual([[`${key.jkt}:${jti}`, (iat + MAX_AGE + SKEW) * 1000]]);
  });

  it('refuses when an async replay cache says the proof was seen', async () => {
    const key = await createDpopKey();
    const replay: ReplayCache = { firstUse: () => Promise.resolve(false) };
    await expectInvalid(verifyDpopProof(await createDpopProof(key, 'GET', URL_, TOKEN), options({ replay })), /replay/);
  });
});

describe('MemoryReplayCache', () => {
  it('a key is new the first time and a replay the second time', () => {
    const cache = new MemoryReplayCache();
    expect(cache.firstUse('a', 2000, 1000)).toBe(true);
    expect(cache.firstUse('a', 2000, 1001)).toBe(false);
    expect(cache.firstUse('a', 5000, 1999)).toBe(false);
    expect(cache.firstUse('b', 2000, 1002)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('forgets expired entries', () => {
    const cache = new MemoryReplayCache();
    expect(cache.firstUse('a', 2000, 1000)).toBe(true);
    expect(cache.firstUse('b', 3000, 1000)).toBe(true);
    expect(cache.size).toBe(2);
    // at t=2000 'a' has expired (until > now fails) and is swept
    expect(cache.firstUse('c', 4000, 2000)).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.firstUse('a', 4000, 2000)).toBe(true); // accepted again: it could no longer be replayed anyway
    expect(cache.firstUse('b', 4000, 2999)).toBe(false);
    expect(cache.firstUse('x', 9000, 10_000)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('an entry is live until strictly before its expiry', () => {
    const cache = new MemoryReplayCache();
    cache.firstUse('k', 1500, 1000);
    expect(cache.firstUse('k', 9999, 1499)).toBe(false);
    expect(cache.firstUse('k', 9999, 1500)).toBe(true);
  });

  it('a full cache refuses new keys rather than forgetting live ones', () => {
    const cache = new MemoryReplayCache(2);
    expect(cache.firstUse('a', 5000, 1000)).toBe(true);
    expect(cache.firstUse('b', 5000, 1000)).toBe(true);
    expect(cache.firstUse('c', 5000, 1000)).toBe(false);
    expect(cache.size).toBe(2);
    expect(cache.firstUse('a', 5000, 1000)).toBe(false);
    // once the entries expire there is room again
    expect(cache.firstUse('c', 9000, 5000)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('uses the current time when none is passed', () => {
    const cache = new MemoryReplayCache();
    expect(cache.firstUse('past', Date.now() - 1000)).toBe(true);
    expect(cache.firstUse('past', Date.now() + 60_000)).toBe(true); // the first entry was already expired
    expect(cache.firstUse('past', Date.now() + 60_000)).toBe(false);
  });
});
