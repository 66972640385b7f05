/**
 * The gateway's Solid-OIDC client and Turtle decoding against small stand-in servers (an
 * OpenID provider and a pod that verifies DPoP proofs): the token is cached, every read has a
 * fresh proof, a 401 renews the token once, failures map to 502/503, and only the mapped
 * predicates of the subject reach the attribute document.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turtleToDocument } from '../../src/gateway/upstream/rdf-document.ts';
import { compileOperation } from '../../src/gateway/source-registry.ts';
import { Upstream } from '../../src/gateway/upstream/upstream.ts';
import type { OperationConfig, SourceConfig } from '../../src/shared/gateway.schema.ts';
import { verifyDpopProof } from '../../src/shared/oauth/dpop.ts';
import { MemoryReplayCache } from '../../src/shared/oauth/replay-cache.ts';
import { freePort } from '../helpers/world.ts';
import { failure } from '../helpers/problem.ts';

const FOAF = 'http://xmlns.com/foaf/0.1/';

const contact: OperationConfig = {
  name: 'contact',
  method: 'GET',
  path: '/{identifier}/card',
  identifier_type: 'solid_pod',
  format: 'turtle',
  attributes: { given_name: `${FOAF}givenName`, nick: `${FOAF}nick` },
};

describe('Solid-OIDC upstream', () => {
  let server: FastifyInstance;
  let base: string;
  let tokensIssued = 0;
  let revoked = new Set<string>();
  const replay = new MemoryReplayCache();
  const reads: string[] = [];

  beforeAll(async () => {
    server = Fastify();
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    server.get('/.well-known/openid-configuration', async () => ({ issuer: `${base}/`, token_endpoint: `${base}/token` }));
    server.post('/token', async (req, reply) => {
      const basic = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString();
      if (basic !== 'gw%20id:s%3Acret') return reply.code(401).send({ error: 'invalid_client' });
      const body = req.body as Record<string, string>;
      if (body.grant_type !== 'client_credentials' || typeof req.headers.dpop !== 'string')
        return reply.code(400).send({ error: 'invalid_request' });
      await verifyDpopProof(req.headers.dpop, { method: 'POST', url: `${base}/token`, maxAgeS: 60, clockSkewS: 5, replay });
      tokensIssued += 1;
      return { access_token: `token-${tokensIssued}`, token_type: 'DPoP', expires_in: 600 };
    });
    server.get('/:pod/card', async (req, reply) => {
      const token = String(req.headers.authorization).replace(/^DPoP /, '');
      if (!/^token-\d+$/.test(token) || revoked.has(token)) return reply.code(401).send();
      // a fresh proof for this URL and this token, or the pod refuses (replay cache catches reuse)
      await verifyDpopProof(req.headers.dpop, {
        method: 'GET',
        url: `${base}${req.url}`,
        accessToken: token,
        maxAgeS: 60,
        clockSkewS: 5,
        replay,
      });
      reads.push(token);
      const pod = (req.params as { pod: string }).pod;
      if (pod === 'html') return reply.type('text/html').send('<html>hi</html>');
      if (pod === 'garbage') return reply.type('text/turtle').send('<#me> this is { not turtle');
      return reply.type('text/turtle; charset=utf-8').send(`@prefix foaf: <${FOAF}>.
<#me> foaf:givenName "Aino"; foaf:nick "aino", "ainski"; foaf:mbox <mailto:aino@example.org>.
<#other> foaf:givenName "Mikko".`);
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  });
  afterAll(async () => server.close());

  function source(over: Partial<Extract<SourceConfig['upstream']['auth'], { type: 'solid-oidc' }>> = {}, baseUrl = base): SourceConfig {
    return {
      id: 'pod',
      upstream: {
        base_url: baseUrl,
        timeout_ms: 1000,
        max_response_bytes: 4096,
        auth: { type: 'solid-oidc', issuer: `${base}/`, client_id: 'gw id', client_secret: 's:cret', ...over },
      },
      operations: [contact],
      admitted_operators: [],
    };
  }

  it('caches the DPoP-bound token, sends a fresh proof per read, and keeps only the mapped predicates of #me', async () => {
    const up = new Upstream(source());
    const op = compileOperation(contact);
    const before = tokensIssued;
    for (let i = 0; i < 3; i += 1) {
      expect(await up.get('/aino/card', op.format)).toEqual({ status: 200, body: { given_name: 'Aino', nick: ['aino', 'ainski'] } });
    }
    expect(tokensIssued - before).toBe(1);
    await up.close();
  });

  it('renews the token once when the pod answers 401', async () => {
    const up = new Upstream(source());
    const op = compileOperation(contact);
    await up.get('/aino/card', op.format);
    revoked = new Set([reads.at(-1)!]);
    const before = tokensIssued;
    expect((await up.get('/aino/card', op.format)).status).toBe(200);
    expect(tokensIssued - before).toBe(1);
    expect(reads.at(-1)).not.toBe([...revoked][0]);
    await up.close();
  });

  it('maps failures: refused credentials → 502, identity provider down → 503, not Turtle → 502', async () => {
    const op = compileOperation(contact);
    const wrong = new Upstream(source({ client_secret: 'nope' }));
    const refused = await failure(wrong.get('/aino/card', op.format));
    expect([refused.status, refused.code]).toEqual([502, 'upstream_error']);
    expect(refused.message).toMatch(/client credentials/);
    await wrong.close();
    const down = new Upstream(source({ issuer: `http://127.0.0.1:${await freePort()}/` }));
    const unreachable = await failure(down.get('/aino/card', op.format));
    expect([unreachable.status, unreachable.code]).toEqual([503, 'upstream_unavailable']);
    await down.close();
    const up = new Upstream(source());
    expect((await failure(up.get('/html/card', op.format))).message).toMatch(/not Turtle/);
    const garbage = await failure(up.get('/garbage/card', op.format));
    expect([garbage.status, garbage.message]).toEqual([502, 'the source answered with something that is not valid Turtle']);
    await up.close();
  });

  it('turns RDF terms into JSON: typed literals, IRIs, nested blank nodes, nothing outside the mapping', async () => {
    const ttl = `@prefix ex: <http://example.org/>.
<#me> ex:age 38; ex:member true; ex:homepage <https://aino.example/>; ex:address [ ex:city "Helsinki"; ex:zip "00100" ]; ex:secret "x".
<> ex:age 99.`;
    const predicates = new Map([
      ['age', 'http://example.org/age'],
      ['member', 'http://example.org/member'],
      ['homepage', 'http://example.org/homepage'],
      ['address', 'http://example.org/address'],
      ['__proto__', 'http://example.org/secret'],
      ['missing', 'http://example.org/none'],
    ]);
    const doc = await turtleToDocument(ttl, 'https://pod.example/aino/card', { subject: '#me', predicates });
    expect(doc).toEqual({
      age: 38,
      member: true,
      homepage: 'https://aino.example/',
      address: { 'http://example.org/city': 'Helsinki', 'http://example.org/zip': '00100' },
      ['__proto__']: 'x',
    });
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(await turtleToDocument(ttl, 'https://pod.example/aino/card', { subject: '', predicates })).toEqual({ age: 99 });
  });
});
