/**
 * Hostile tokens and proofs at the Access Gateway. One real world (stub register,
 * gateway, operators A and B, demo IdP), one active consent for a test service at A,
 * and one test per attack: each asserts the exact status, the problem `code`, the
 * DPoP challenge for 401s, and that a legitimate read still works afterwards.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64url, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { AccessTokenVerifier } from '../../src/gateway/token/token-verifier.ts';
import { OperatorDirectory } from '../../src/gateway/operators/operator-directory.ts';
import { ProblemError } from '../../src/shared/errors.ts';
import { createDpopKey, createDpopProof, sha256b64url } from '../../src/shared/oauth/dpop.ts';
import {
  apiToken,
  callApi,
  createTestService,
  metadata,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  attributes?: string[];
}

type Challenge = 'invalid_token' | 'invalid_dpop_proof';

/** Asserts a problem+json answer with `status` and `code` (and the DPoP challenge for 401s). */
async function expectProblem(res: Response, status: number, code: string, challenge?: Challenge): Promise<Problem> {
  const text = await res.text();
  expect(res.status, `status (body: ${text.slice(0, 300)})`).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Problem;
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  if (challenge) expect(res.headers.get('www-authenticate') ?? '').toMatch(new RegExp(`^DPoP error="${challenge}"`));
  return body;
}

/** Polls until `check` holds (replica propagation is asynchronous). */
async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Files a consent request for Aino (or another resident) at `issuer` and approves it in-process. */
async function activeConsent(world: World, op: 'a' | 'b', service: TestService, identifier: string): Promise<string> {
  const issuer = world.issuers[op];
  const res = await callApi(service, issuer, 'POST', '/api/consent-requests', {
    subjects: [{ identifier_type: 'fi_hetu', identifier }],
    activation_mode: 'data_subject_activates',
    purpose: PURPOSE,
  });
  expect(res.status).toBe(201);
  const filed = (await res.json()) as { record_id: string; parties: Array<{ party_id: string }> };
  const partyId = filed.parties[0]?.party_id;
  expect(partyId).toBeTruthy();
  const decided = await world.operators[op].consents.decide(filed.record_id, partyId as string, 'account:test', {
    approve: true,
    choices: [],
  });
  expect(decided.status).toBe('active');
  return filed.record_id;
}

/** Waits until the gateway's replica holds `recordId` as active (only for admitted operators). */
async function replicated(world: World, op: 'a' | 'b', recordId: string): Promise<void> {
  await waitFor(
    () => world.gateway.replica.get(world.issuers[op], recordId, world.resource)?.status === 'active',
    `replica of ${recordId}`,
  );
}

/** A raw GET that does not normalise the path (fetch would resolve `..` and `%2e%2e`). */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; contentType: string; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Unsigned compact JWS with the given header and claims (signature part empty). */
function unsignedJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const enc = (v: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(v)));
  return `${enc(header)}.${enc(claims)}.`;
}

describe('gateway against hostile tokens and proofs', () => {
  let world: World;
  let svc1: TestService;
  let svc2: TestService;
  let record1: string;
  let record2: string;
  let incomeUrl: string;
  /** A legitimate token of svc1 for record1 (annual_income, income_year); valid 300 s. */
  let legit: string;
  /** Its claims, the template for forgeries. */
  let legitClaims: JWTPayload;

  /** A fresh legitimate read: proves the gateway still serves after an attack. */
  async function expectLegitRead(): Promise<void> {
    const res = await readSource(svc1, incomeUrl, legit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 }, income_year: 2025 });
  }

  /** Claims copied from the legitimate token, with a fresh jti and overrides. */
  function forgedClaims(over: Record<string, unknown> = {}): JWTPayload {
    return { ...legitClaims, jti: randomUUID(), ...over };
  }

  /** Presents `token` with a valid svc1 proof for the income URL. */
  async function present(token: string, url = incomeUrl): Promise<Response> {
    return readSource(svc1, url, token);
  }

  beforeAll(async () => {
    world = await startWorld();
    incomeUrl = `${world.resource}/income`;
    svc1 = await createTestService('hostile-svc-one');
    svc2 = await createTestService('hostile-svc-two');
    await world.operators.a.registry.putService(serviceDefinition(svc1));
    await world.operators.a.registry.putService(serviceDefinition(svc2));
    record1 = await activeConsent(world, 'a', svc1, PEOPLE.aino.personal_identity_code);
    record2 = await activeConsent(world, 'a', svc2, PEOPLE.mikko.personal_identity_code);
    await replicated(world, 'a', record1);
    await replicated(world, 'a', record2);
    legit = await sourceToken(svc1, world.issuers.a, world.resource, record1, ['annual_income', 'income_year']);
    legitClaims = decodeJwt(legit);
    await expectLegitRead();
  });
  afterAll(async () => world?.close());

  it('1. refuses an alg "none" token', async () => {
    const token = unsignedJwt({ alg: 'none', typ: 'at+jwt' }, forgedClaims());
    const problem = await expectProblem(await present(token), 401, 'invalid_token', 'invalid_token');
    expect(problem.detail).toMatch(/asymmetric/);
    // the same with a kid of A's and a trailing garbage signature
    const jwks = (await (await fetch((await metadata(world.issuers.a)).jwks_uri)).json()) as { keys: JWK[] };
    const withKid = `${unsignedJwt({ alg: 'none', typ: 'at+jwt', kid: jwks.keys[0]?.kid }, forgedClaims()).slice(0, -1)}.AAAA`;
    await expectProblem(await present(withKid), 401, 'invalid_token', 'invalid_token');
    await expectLegitRead();
  });

  it("2. refuses HS256 tokens keyed with the operator's public key material", async () => {
    const jwks = (await (await fetch((await metadata(world.issuers.a)).jwks_uri)).json()) as { keys: JWK[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const jwk of jwks.keys) {
      expect(jwk.d).toBeUndefined();
      const secrets: Array<[string, Uint8Array]> = [
        ['JSON of the JWK', new TextEncoder().encode(JSON.stringify(jwk))],
        ['x as text', new TextEncoder().encode(String(jwk.x))],
        ['x as bytes', base64url.decode(String(jwk.x))],
      ];
      for (const [label, secret] of secrets) {
        const token = await new SignJWT(forgedClaims())
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...(jwk.kid ? { kid: jwk.kid } : {}) })
          .sign(secret);
        const problem = await expectProblem(await present(token), 401, 'invalid_token', 'invalid_token');
        expect(problem.detail, label).toMatch(/asymmetric/);
      }
    }
    await expectLegitRead();
  });

  it('3. refuses a token signed by a key operator A does not have', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = (await (await fetch((await metadata(world.issuers.a)).jwks_uri)).json()) as { keys: JWK[] };
    const realKid = jwks.keys[0]?.kid as string;
    const headers = [
      { alg: 'ES256', typ: 'at+jwt', kid: 'rogue-key-1' },
      // A's real kid, wrong key
      { alg: 'ES256', typ: 'at+jwt', kid: realKid },
      // the rogue public key embedded in the header: must never be used to verify
      { alg: 'ES256', typ: 'at+jwt', kid: 'rogue-key-2', jwk: await exportJWK(publicKey) },
    ];
    for (const header of headers) {
      const token = await new SignJWT(forgedClaims()).setProtectedHeader(header).sign(privateKey);
      const problem = await expectProblem(await present(token), 401, 'invalid_token', 'invalid_token');
      expect(problem.detail).toMatch(/signature or claims invalid/);
    }
    await expectLegitRead();
  });

  it('4. refuses a token from an issuer not configured at the gateway', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    for (const iss of ['https://operator.evil.example', `${world.issuers.a}/`, world.issuers.a.replace('127.0.0.1', 'localhost')]) {
      const token = await new SignJWT(forgedClaims({ iss })).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k' }).sign(privateKey);
      const problem = await expectProblem(await present(token), 401, 'invalid_token', 'invalid_token');
      expect(problem.detail, iss).toMatch(/issuer is not admitted/);
    }
    await expectLegitRead();
  });

  it('5. refuses a legitimate token of A whose audience is the operator API, not this source', async () => {
    const token = await apiToken(svc1, world.issuers.a);
    expect(decodeJwt(token).aud).toBe(`${world.issuers.a}/api`);
    const problem = await expectProblem(await present(token), 401, 'invalid_token', 'invalid_token');
    expect(problem.detail).toMatch(/audience/);
    await expectLegitRead();
  });

  it('7. refuses a replayed DPoP proof', async () => {
    const proof = await createDpopProof(svc1.dpop, 'GET', incomeUrl, legit);
    const first = await fetch(incomeUrl, { headers: { authorization: `DPoP ${legit}`, dpop: proof } });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const replay = await fetch(incomeUrl, { headers: { authorization: `DPoP ${legit}`, dpop: proof } });
    const problem = await expectProblem(replay, 401, 'invalid_dpop_proof', 'invalid_dpop_proof');
    expect(problem.detail).toMatch(/replay/);
    await expectLegitRead();
  });

  it('8. refuses a DPoP proof for another URL or another method', async () => {
    const wrong = [
      createDpopProof(svc1.dpop, 'GET', `${world.resource}/other`, legit),
      createDpopProof(svc1.dpop, 'GET', `${world.gatewayUrl}/sources/other/income`, legit),
      createDpopProof(svc1.dpop, 'GET', incomeUrl.replace('127.0.0.1', 'localhost'), legit),
    ];
    for (const proof of await Promise.all(wrong)) {
      const res = await fetch(incomeUrl, { headers: { authorization: `DPoP ${legit}`, dpop: proof } });
      const problem = await expectProblem(res, 401, 'invalid_dpop_proof', 'invalid_dpop_proof');
      expect(problem.detail).toMatch(/htu/);
    }
    const post = await fetch(incomeUrl, {
      headers: { authorization: `DPoP ${legit}`, dpop: await createDpopProof(svc1.dpop, 'POST', incomeUrl, legit) },
    });
    const problem = await expectProblem(post, 401, 'invalid_dpop_proof', 'invalid_dpop_proof');
    expect(problem.detail).toMatch(/htm/);
    await expectLegitRead();
  });

  it('9. refuses a request without a DPoP proof, and a Bearer-scheme token', async () => {
    const noProof = await fetch(incomeUrl, { headers: { authorization: `DPoP ${legit}` } });
    const p1 = await expectProblem(noProof, 401, 'invalid_dpop_proof', 'invalid_dpop_proof');
    expect(p1.detail).toMatch(/missing/);

    const bearer = await fetch(incomeUrl, {
      headers: { authorization: `Bearer ${legit}`, dpop: await createDpopProof(svc1.dpop, 'GET', incomeUrl, legit) },
    });
    const p2 = await expectProblem(bearer, 401, 'invalid_token', 'invalid_token');
    expect(p2.detail).toMatch(/DPoP authorization scheme/);

    const none = await fetch(incomeUrl, { headers: { dpop: await createDpopProof(svc1.dpop, 'GET', incomeUrl, legit) } });
    await expectProblem(none, 401, 'invalid_token', 'invalid_token');
    await expectLegitRead();
  });

  it("10. refuses a DPoP proof signed by a key other than the token's cnf.jkt", async () => {
    const attacker = await createDpopKey();
    expect(attacker.jkt).not.toBe(svc1.dpop.jkt);
    // RFC 9449 §7.1: a key-binding mismatch is answered with error="invalid_token"
    const problem = await expectProblem(await readSource(svc1, incomeUrl, legit, attacker), 401, 'invalid_token', 'invalid_token');
    expect(problem.detail).toMatch(/cnf\.jkt/);
    await expectLegitRead();
  });

  it('11. never releases attributes beyond the consent', async () => {
    await expect(sourceToken(svc1, world.issuers.a, world.resource, record1, ['annual_income', 'employer'])).rejects.toThrow(
      /beyond the consent/,
    );
    await expect(sourceToken(svc1, world.issuers.a, world.resource, record1, ['tax_debt'])).rejects.toThrow(/beyond the consent/);

    const employer = await readSource(svc1, `${incomeUrl}?attributes=employer`, legit);
    const problem = await expectProblem(employer, 403, 'attribute_not_consented');
    expect(problem.attributes).toEqual(['employer']);

    const mixed = await readSource(svc1, `${incomeUrl}?attributes=annual_income,employer`, legit);
    expect((await expectProblem(mixed, 403, 'attribute_not_consented')).attributes).toEqual(['employer']);

    const narrowed = await readSource(svc1, `${incomeUrl}?attributes=annual_income`, legit);
    expect(narrowed.status).toBe(200);
    expect(await narrowed.json()).toEqual({ annual_income: { gross_eur: 48213.55, taxable_eur: 45100.1 } });
    await expectLegitRead();
  });

  it("12. keeps one client's consent away from another client", async () => {
    // svc1 cannot get a token naming svc2's record
    await expect(sourceToken(svc1, world.issuers.a, world.resource, record2, ['annual_income'])).rejects.toThrow(
      /unknown consent_record_id for this client/,
    );
    // svc2's own token works for svc2 ...
    const token2 = await sourceToken(svc2, world.issuers.a, world.resource, record2, ['annual_income']);
    const own = await readSource(svc2, incomeUrl, token2);
    expect(own.status).toBe(200);
    expect(Object.keys((await own.json()) as object)).toEqual(['annual_income']);
    // ... but not with svc1's DPoP key (a stolen token is useless without svc2's key)
    const stolen = await readSource(svc1, incomeUrl, token2, svc1.dpop);
    const problem = await expectProblem(stolen, 401, 'invalid_token', 'invalid_token');
    expect(problem.detail).toMatch(/cnf\.jkt/);
    await expectLegitRead();
  });

  it('13. answers path traversal in the operation path with 404 not_found, never 200 or 5xx', async () => {
    const paths = [
      '/sources/incomes/../incomes/income',
      '/sources/incomes/%2e%2e/income',
      '/sources/incomes/%2E%2E/incomes/income',
      '/sources/incomes/income%2f..%2f..%2fadmin',
      '/sources/incomes/income/../../x',
      '/sources/incomes/income/..',
      '/sources/incomes/./income',
      '/sources/incomes/income%2f',
      '/sources/incomes/..%5c..%5cadmin',
      '/sources/..%2fincomes/income',
    ];
    for (const path of paths) {
      const headers = {
        authorization: `DPoP ${legit}`,
        dpop: await createDpopProof(svc1.dpop, 'GET', `${world.gatewayUrl}${path}`, legit),
      };
      const res = await rawGet(world.gatewayUrl, path, headers);
      // refused by the operation-name check before the token is even looked at
      expect(res.status, `${path} → ${res.status} ${res.body.slice(0, 200)}`).toBe(404);
      expect(res.contentType, path).toMatch(/^application\/problem\+json/);
      expect((JSON.parse(res.body) as Problem).code, path).toBe('not_found');
    }
    await expectLegitRead();
  });

  it('14. answers an oversized Authorization header with a 4xx, not a 5xx', async () => {
    // 20 KB: beyond Node's 16 KiB header limit, refused before any route runs
    const huge = `DPoP ${'A'.repeat(20 * 1024)}`;
    const big = await rawGet(world.gatewayUrl, '/sources/incomes/income', {
      authorization: huge,
      dpop: await createDpopProof(svc1.dpop, 'GET', incomeUrl),
    });
    expect(big.status).toBe(431);
    // 12 KB: within the header limit, so it reaches the verifier and must still be a clean 401
    const large = `${'e'.repeat(4000)}.${'e'.repeat(4000)}.${'e'.repeat(4000)}`;
    const res = await fetch(incomeUrl, {
      headers: { authorization: `DPoP ${large}`, dpop: await createDpopProof(svc1.dpop, 'GET', incomeUrl, large) },
    });
    await expectProblem(res, 401, 'invalid_token', 'invalid_token');
    await expectLegitRead();
  });

  // src bug: src/shared/http-server.ts createHttpServer() sets no Fastify `clientErrorHandler`,
  // so a header overflow (HPE_HEADER_OVERFLOW) is answered by Fastify's default client-error
  // handler: 431 `application/json` {"error":"Request Header Fields Too Large",...,"statusCode":431}
  // instead of an RFC 9457 problem+json body with a `code`, unlike every other error.
  it('14b. answers an oversized Authorization header with problem+json', async () => {
    const huge = `DPoP ${'A'.repeat(20 * 1024)}`;
    const big = await rawGet(world.gatewayUrl, '/sources/incomes/income', { authorization: huge });
    expect(big.status).toBe(431);
    expect(big.contentType).toMatch(/^application\/problem\+json/);
    expect((JSON.parse(big.body) as Problem).code).toBeTruthy();
  });
});

describe('gateway: tokens of an operator the source does not admit', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
  });
  afterAll(async () => world?.close());

  it('15. refuses a legitimate token from operator B when only A is admitted', async () => {
    const svcB = await createTestService('hostile-svc-b');
    await world.operators.b.registry.putService(serviceDefinition(svcB));
    const recordB = await activeConsent(world, 'b', svcB, PEOPLE.aino.personal_identity_code);
    const tokenB = await sourceToken(svcB, world.issuers.b, world.resource, recordB, ['annual_income']);
    expect(decodeJwt(tokenB).iss).toBe(world.issuers.b);
    const res = await readSource(svcB, `${world.resource}/income`, tokenB);
    const problem = await expectProblem(res, 401, 'invalid_token', 'invalid_token');
    expect(problem.detail).toBe('the token issuer is not admitted by this source');

    // an admitted operator's token is still served
    const svcA = await createTestService('hostile-svc-a');
    await world.operators.a.registry.putService(serviceDefinition(svcA));
    const recordA = await activeConsent(world, 'a', svcA, PEOPLE.aino.personal_identity_code);
    await replicated(world, 'a', recordA);
    const tokenA = await sourceToken(svcA, world.issuers.a, world.resource, recordA, ['income_year']);
    const ok = await readSource(svcA, `${world.resource}/income`, tokenA);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ income_year: 2025 });
  });
});

describe('token verifier: lifetime and expiry (self-contained issuer)', () => {
  let server: FastifyInstance;
  let issuer: string;
  let verifier: AccessTokenVerifier;
  let signingKey: CryptoKey;
  const KID = 'local-1';
  const RM = 'http://127.0.0.1:1/.well-known/oauth-protected-resource/sources/x';

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
    server = Fastify({ logger: false });
    server.get('/.well-known/oauth-authorization-server', async () => ({
      issuer,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint: `${issuer}/token`,
    }));
    server.get('/jwks', async () => ({ keys: [jwk] }));
    await server.listen({ port: 0, host: '127.0.0.1' });
    issuer = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    const directory = new OperatorDirectory([{ issuer, client_id: 'gw' }], await createDpopKey(), () => {
      throw new Error('the verifier never needs client credentials');
    });
    verifier = new AccessTokenVerifier(directory, { clockSkewS: 30, maxLifetimeS: 300 });
  });
  afterAll(async () => server?.close());

  /** Signs a token with iat/exp relative to now (seconds). */
  async function token(iatOffset: number | null, expOffset: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      iss: issuer,
      aud: 'https://gw.example/sources/x',
      client_id: 'svc',
      jti: randomUUID(),
      exp: now + expOffset,
      cnf: { jkt: 'x'.repeat(43) },
      authorization_details: [
        { type: 'personal_data_access', locations: ['https://gw.example/sources/x'], consent_record_id: 'urn:uuid:1' },
      ],
      ...(iatOffset === null ? {} : { iat: now + iatOffset }),
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: KID }).sign(signingKey);
  }

  async function refusal(t: string): Promise<ProblemError> {
    const err = await verifier.verify(t, sha256b64url(t), RM).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProblemError);
    const p = err as ProblemError;
    expect(p.status).toBe(401);
    expect(p.code).toBe('invalid_token');
    expect(p.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token"/);
    return p;
  }

  it('accepts a fresh token (sanity)', async () => {
    const t = await token(0, 120);
    const v = await verifier.verify(t, sha256b64url(t), RM);
    expect(v.iss).toBe(issuer);
    expect(v.authorization_details).toHaveLength(1);
  });

  it('6a. refuses a token expired beyond the 30 s clock skew, accepts one within it', async () => {
    expect((await refusal(await token(-200, -31))).message).toMatch(/expired/);
    expect((await refusal(await token(-3600, -600))).message).toMatch(/expired/);
    const withinSkew = await token(-200, -10);
    await expect(verifier.verify(withinSkew, sha256b64url(withinSkew), RM)).resolves.toMatchObject({ iss: issuer });
  });

  it('6b. refuses a token whose lifetime exceeds 300 s (+30 s skew)', async () => {
    expect((await refusal(await token(-10, 321))).message).toMatch(/lifetime/);
    expect((await refusal(await token(0, 3600))).message).toMatch(/lifetime/);
    expect((await refusal(await token(-100_000, 100_000))).message).toMatch(/lifetime/);
    const boundary = await token(0, 330);
    await expect(verifier.verify(boundary, sha256b64url(boundary), RM)).resolves.toMatchObject({ iss: issuer });
  });

  it('6c. refuses a token without iat (lifetime cannot be bounded)', async () => {
    expect((await refusal(await token(null, 120))).message).toMatch(/signature or claims invalid/);
  });
});
