/**
 * SSRF through URLs Portti fetches itself. Policy (src/shared/outbound-url.ts): http(s) only,
 * no credentials in URLs, never link-local / metadata addresses (also when a name resolves to
 * one), and the gateway never follows an upstream's redirect. Loopback and private addresses
 * stay allowed: registers live on internal networks and every URL is set by an administrator.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { generateKeyPair } from 'jose';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { Upstream } from '../../src/gateway/upstream/upstream.ts';
import { Registry } from '../../src/operator/registry/registry.ts';
import { operatorMigrations, type OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { ConfigError, loadPorttiConfig } from '../../src/shared/config.ts';
import { ProblemError } from '../../src/shared/errors.ts';
import { guardedLookup, outboundUrlProblem } from '../../src/shared/outbound-url.ts';
import { migrateToLatest, openStore } from '../../src/store/database.ts';
import { tempDir } from '../helpers/stores.ts';
import { WebhookSender } from '../../src/operator/webhooks/webhooks.ts';

const FORBIDDEN = [
  'http://169.254.169.254/latest/meta-data/',
  'http://2852039166/latest/meta-data/', // 169.254.169.254 as one decimal number
  'http://0xa9fea9fe/',
  'http://0251.0376.0251.0376/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fe80::1]/',
  'http://[fd00:ec2::254]/',
  'http://100.100.100.200/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://0.0.0.0:8080/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'http://admin:secret@register.internal/',
];
const ALLOWED = ['http://127.0.0.1:4020', 'http://10.1.2.3/api', 'https://register.internal.example/v1', 'http://[::1]:8080/'];

function configWith(baseUrl: string): string {
  const dir = tempDir('portti-ssrf-');
  const file = join(dir, 'portti.json');
  writeFileSync(
    file,
    JSON.stringify({
      data_dir: join(dir, 'data'),
      gateways: [
        {
          name: 'gw',
          listen: { host: '127.0.0.1', port: 4000 },
          public_url: 'http://127.0.0.1:4000',
          operators: [{ issuer: 'http://127.0.0.1:4001', client_id: 'gateway' }],
          sources: [
            {
              id: 's',
              upstream: { base_url: baseUrl },
              admitted_operators: ['http://127.0.0.1:4001'],
              operations: [{ name: 'income', path: '/people/{identifier}', identifier_type: 'fi_hetu', attributes: { a: '/a' } }],
            },
          ],
        },
      ],
    }),
  );
  return file;
}

describe('SSRF policy for outbound URLs', () => {
  it('refuses metadata and link-local hosts (in any spelling), other schemes and credentials; allows loopback and private hosts', () => {
    for (const url of FORBIDDEN) expect(outboundUrlProblem(url), url).toBeDefined();
    for (const url of ALLOWED) expect(outboundUrlProblem(url), url).toBeUndefined();
  });

  it('refuses such a source base_url at start-up with a ConfigError naming the field', () => {
    for (const url of FORBIDDEN.filter((u) => u.startsWith('http'))) {
      let error: unknown;
      try {
        loadPorttiConfig(configWith(url), {});
      } catch (err) {
        error = err;
      }
      expect(error, url).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message), url).toMatch(/gateways\[0\]\.sources\[0\]\.upstream\.base_url/);
    }
    expect(() => loadPorttiConfig(configWith('http://127.0.0.1:4020'), {})).not.toThrow();
  });

  it('refuses a registered jwks_uri or webhook_url pointing at a metadata service', async () => {
    const store = await openStore<OperatorDatabase>({ kind: 'sqlite', path: join(tempDir(), 'op.db') });
    await migrateToLatest(store, operatorMigrations);
    const registry = new Registry(store.db, 'http://127.0.0.1:1');
    await registry.putSource({
      id: 's',
      resource: 'http://127.0.0.1:2/sources/s',
      name: { fi: 's', sv: 's', en: 's' },
      identifier_type: 'fi_hetu',
      attributes: [{ id: 'a', label: { fi: 'a', sv: 'a', en: 'a' }, category: 'https://w3id.org/dpv/pd#Income', sensitivity: 'normal' }],
    });
    await expect(
      registry.putGateway({ client_id: 'g', name: 'g', jwks_uri: 'http://169.254.169.254/jwks', sources: ['s'] }),
    ).rejects.toBeInstanceOf(ProblemError);
    const service = {
      client_id: 'svc',
      name: { fi: 's', sv: 's', en: 's' },
      kind: 'public_service',
      controller: { name: 'C' },
      privacy_notice: 'https://example.org/p',
      redirect_uris: [],
      sender_constraint: 'dpop',
      purposes: [],
    } as const;
    await expect(registry.putService({ ...service, jwks_uri: 'http://metadata.google.internal/jwks' } as never)).rejects.toThrow(
      /metadata/,
    );
    await expect(registry.putService({ ...service, jwks: { keys: [] }, webhook_url: 'http://[fe80::1]/hook' } as never)).rejects.toThrow(
      /link-local/,
    );
    await store.close();
  });

  it('refuses at connection time a name that resolves to a link-local address (DNS rebinding)', async () => {
    const fake = (answer: string) =>
      ((_host: string, _opts: unknown, cb: (err: null, a: LookupAddress[]) => void) =>
        cb(null, [{ address: answer, family: answer.includes(':') ? 6 : 4 }])) as never;
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup(fake('169.254.169.254'))('register.example', {}, (err) => resolve(err)),
    );
    expect(refused?.code).toBe('EADDRNOTAVAIL');
    const allowed = await new Promise<string>((resolve) =>
      guardedLookup(fake('10.0.0.7'))('register.example', {}, (_err, address) => resolve(String(address))),
    );
    expect(allowed).toBe('10.0.0.7');
  });

  it('the gateway never follows an upstream redirect: 502, nothing fetched from the target, no Location leaked', async () => {
    let targetHits = 0;
    const target = Fastify();
    target.get('/*', async () => {
      targetHits += 1;
      return { secret: 'instance credentials' };
    });
    await target.listen({ port: 0, host: '127.0.0.1' });
    const targetUrl = `http://127.0.0.1:${(target.server.address() as { port: number }).port}/latest/meta-data/`;
    const source = Fastify();
    source.get('/*', async (_req, reply) => reply.redirect(targetUrl, 302));
    await source.listen({ port: 0, host: '127.0.0.1' });
    const upstream = new Upstream({
      id: 's',
      upstream: {
        base_url: `http://127.0.0.1:${(source.server.address() as { port: number }).port}`,
        timeout_ms: 2000,
        max_response_bytes: 65536,
      },
      operations: [],
      admitted_operators: [],
    } as never);
    const error = await upstream.get('/people/x').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).status).toBe(502);
    expect(JSON.stringify((error as ProblemError).toBody('/x'))).not.toContain('meta-data');
    expect(targetHits).toBe(0);
    await upstream.close();
    await source.close();
    await target.close();
  });

  it('a webhook host rebound to a metadata address after registration is refused at delivery', async () => {
    const hook = Fastify();
    hook.addContentTypeParser('application/secevent+jwt', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    let hits = 0;
    hook.post('/hook', async () => {
      hits += 1;
      return {};
    });
    await hook.listen({ port: 0, host: '127.0.0.1' });
    const port = (hook.server.address() as { port: number }).port;
    const store = await openStore<OperatorDatabase>({ kind: 'sqlite', path: join(tempDir(), 'op.db') });
    await migrateToLatest(store, operatorMigrations);
    const registry = new Registry(store.db, 'http://127.0.0.1:1');
    await registry.putService({
      client_id: 'svc',
      name: { fi: 's', sv: 's', en: 's' },
      kind: 'public_service',
      controller: { name: 'C' },
      privacy_notice: 'https://example.org/p',
      jwks: { keys: [] },
      redirect_uris: [],
      sender_constraint: 'dpop',
      purposes: [],
      webhook_url: `http://hooks.example:${port}/hook`,
    } as never);
    const { privateKey } = await generateKeyPair('ES256');
    const send = async (answer: string) => {
      await store.db
        .insertInto('webhook_deliveries')
        .values({
          delivery_id: randomUUID(),
          client_id: 'svc',
          event_type: 'consent.allowed',
          record_id: null,
          payload: '{}',
          status: 'pending',
          attempts: 0,
          next_attempt_at: 0,
          last_status: null,
          last_error: null,
          created_at: 0,
          delivered_at: null,
        })
        .execute();
      const resolve = ((_host: string, _opts: unknown, cb: (err: null, a: LookupAddress[]) => void) =>
        cb(null, [{ address: answer, family: 4 }])) as never;
      const sender = new WebhookSender({
        db: store.db,
        registry,
        issuer: 'http://127.0.0.1:1',
        signingKey: () => ({ kid: 'k', alg: 'ES256', privateKey }) as never,
        maxAttempts: 1,
        log: { warn() {} } as never,
        resolve,
      });
      await sender.runOnce();
      await sender.stop();
    };
    await send('169.254.169.254'); // rebound to the metadata service: refused, nothing sent
    expect(hits).toBe(0);
    const failed = await store.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).execute();
    expect(failed[0]).toMatchObject({ status: 'failed' });
    expect(failed[0]!.last_error).toMatch(/forbidden address/);
    await send('127.0.0.1'); // the same name on the service's own address: delivered
    expect(hits).toBe(1);
    await hook.close();
    await store.close();
  });
});
