/**
 * The gateway's one data route, `GET /sources/:source/*`: its TypeBox schema gives the handler
 * its request types and the OpenAPI document its shapes. The request path itself is in
 * access-handler.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';

/** Which source and which of its operations. */
export const AccessParams = Type.Object({
  source: Type.String({ maxLength: 64 }),
  '*': Type.String({ maxLength: 128 }),
});

/** Optional narrowing: which data subject of the record, and which attributes. */
export const AccessQuery = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 128, description: 'party reference when the record has several data subjects' })),
    attributes: Type.Optional(Type.String({ maxLength: 1024, description: 'comma-separated subset of attributes' })),
  },
  { additionalProperties: false },
);

/** A request to the data route, typed by its schemas. */
export type AccessRequest = FastifyRequest<{ Params: Static<typeof AccessParams>; Querystring: Static<typeof AccessQuery> }>;

const problem = { $ref: 'Problem#' };

/** Registers the data route with `handler` (see createAccessHandler). */
export function registerAccessRoute(app: FastifyInstance, handler: (request: AccessRequest, reply: FastifyReply) => Promise<unknown>) {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/sources/:source/*',
    {
      // documented per source operation (access.openapi.ts); the answers a read can have
      config: { openapi: { problems: [401, 403, 404, 502, 503, 504] } },
      schema: {
        summary: "Read a person's consented attributes from a source",
        description:
          'Requires `Authorization: DPoP <RFC 9068 token>` and a `DPoP` proof. ' +
          "The response is the source's JSON filtered to the consented attributes.",
        tags: ['access'],
        params: AccessParams,
        querystring: AccessQuery,
        response: { 200: Type.Object({}, { additionalProperties: true }), 401: problem, 403: problem },
      },
    },
    handler,
  );
}
