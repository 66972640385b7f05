/**
 * The Customer Fee Unit's JSON API: applications (filed, then looked up), the webhook
 * operators send consent events to (signed SETs, verified against the sending operator's
 * keys), its public keys and a health probe. Request types come from the TypeBox schemas.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { Type } from 'typebox';
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { ApplicationBook } from './applications.ts';
import type { OperatorClient } from './operator-client.ts';

/** The client id the service is registered with at the operators (the audience of their events). */
export const FEE_CLIENT_ID = 'customer-fee-unit';

const GuardianSchema = Type.Object(
  { personal_identity_code: Type.String(), operator: Type.String(), name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

/** The body of `POST /applications`. */
const ApplicationBody = Type.Object(
  {
    validity_duration: Type.Optional(Type.String({ pattern: '^P' })),
    child: Type.String({ minLength: 11, maxLength: 11 }),
    family_size: Type.Integer({ minimum: 2, maximum: 20 }),
    guardians: Type.Array(GuardianSchema, { minItems: 1, maxItems: 2 }),
  },
  { additionalProperties: false },
);

const ApplicationParams = Type.Object({ id: Type.String() });

/** What the service needs to answer its API. */
export interface FeeApiDeps {
  jwks: { keys: JWK[] };
  book: ApplicationBook;
  client: OperatorClient;
}

/** Registers the JSON API routes on the service's app. */
export function registerFeeApi(plain: FastifyInstance, deps: FeeApiDeps): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { book } = deps;
  app.addContentTypeParser('application/secevent+jwt', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.get('/.well-known/jwks.json', async () => deps.jwks);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.post('/applications', { schema: { body: ApplicationBody } }, async (request, reply) =>
    reply.code(201).send(await book.apply(request.body)),
  );
  app.get('/applications/:id', { schema: { params: ApplicationParams } }, async (request, reply) => {
    const a = book.applications.get(request.params.id);
    return a ?? reply.code(404).send({ error: 'no such application' });
  });
  app.post('/webhooks', async (request, reply) => {
    const payload = await verifiedEvent(String(request.body ?? ''), deps.client);
    if (!payload) return reply.code(400).send({ err: 'invalid_request', description: 'the event could not be verified' });
    const events = payload.events as Record<string, { record_id: string; status: ConsentStatus; time?: string }>;
    for (const event of Object.values(events)) await book.recordStatus(payload.iss!, event.record_id, event.status, event.time);
    return reply.code(202).send();
  });
}

/** The payload of a security event token signed by the operator it names as issuer; undefined when it does not verify. */
async function verifiedEvent(set: string, client: OperatorClient): Promise<JWTPayload | undefined> {
  try {
    const iss = decodeJwt(set).iss ?? '';
    const { keys } = await client.operator(iss);
    return (await jwtVerify(set, keys, { issuer: iss, audience: FEE_CLIENT_ID, typ: 'secevent+jwt' })).payload;
  } catch {
    return undefined;
  }
}
