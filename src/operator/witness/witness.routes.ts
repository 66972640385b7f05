/**
 * The witness's HTTP face (C2SP tlog-witness over Portti's gateway API authentication): gateways
 * POST add-checkpoint requests and the inclusion proofs of the records they reported; anyone may
 * read the newest checkpoint the witness cosigned for a log (what `portti audit verify` compares a
 * gateway's store with) and the witness's verifier key.
 */
import type { RouteDoc } from '../../shared/openapi/route-doc.ts';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { parseCheckpoint } from '../../audit/tlog/checkpoint.ts';
import { parseNote } from '../../audit/tlog/note.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { ApiAuthenticator } from '../oauth/api-auth.ts';
import type { AccessReports } from '../transparency/access-reports.ts';
import type { Witness } from './witness.ts';
import { cosignedCheckpoint, heldLog, heldLogs } from './witness.repository.ts';
import type { WitnessDatabase } from './witness.tables.ts';

/** What the witness routes use. */
export interface WitnessDeps {
  db: Kysely<WitnessDatabase>;
  witness: Witness;
  auth: ApiAuthenticator;
  accessReports: AccessReports;
}

const B64_HASH = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' });
const ProofBatch = Type.Object(
  {
    checkpoint: Type.String({ maxLength: 10_000 }),
    proofs: Type.Array(
      Type.Object({
        access_id: Type.String({ maxLength: 100 }),
        index: Type.Integer({ minimum: 0 }),
        hashes: Type.Array(B64_HASH, { maxItems: 63 }),
      }),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
const OriginQuery = Type.Object({ origin: Type.Optional(Type.String({ maxLength: 500 })) });
/** The checkpoints: every log held as JSON, or (with `origin`) one checkpoint note as text. */
const CHECKPOINTS_DOC: RouteDoc = {
  produces: ['application/json', 'text/plain'],
  body: { oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'string' }] },
  problems: [404],
};
/** add-checkpoint answers as C2SP tlog-witness says: cosignature lines, or 409 with the size held. */
const ADD_CHECKPOINT_DOC: RouteDoc = {
  scope: 'access_report',
  produces: 'text/plain',
  body: { type: 'string', description: 'cosignature lines' },
  problems: [403, 404, 422],
  responses: {
    409: {
      description: 'The checkpoint does not extend the one held: the body is the size held',
      content: { 'text/x.tlog.size': { schema: { type: 'string' } } },
    },
  },
};

/** Registers the witness endpoints. */
export function registerWitnessRoutes(app: FastifyInstance, deps: WitnessDeps): void {
  app.post(
    '/api/witness/add-checkpoint',
    {
      config: { openapi: ADD_CHECKPOINT_DOC },
      schema: {
        summary: 'C2SP tlog-witness add-checkpoint: cosign a gateway log checkpoint that extends the one held',
        tags: ['gateway api'],
      },
    },
    async (request, reply) => {
      const caller = await deps.auth.authenticate(request, 'access_report');
      if (typeof request.body !== 'string')
        throw new ProblemError(415, 'unsupported_media_type', 'send the add-checkpoint request as text/plain');
      const answer = await deps.witness.add(caller.client_id, request.body);
      const type = answer.status === 409 ? 'text/x.tlog.size' : 'text/plain; charset=utf-8';
      return reply.code(answer.status).type(type).send(answer.body);
    },
  );
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/access-proofs',
    {
      bodyLimit: 4 * 1024 * 1024,
      config: { openapi: { scope: 'access_report', problems: [409] } },
      schema: {
        summary: 'Inclusion proofs of reported access records in a cosigned checkpoint',
        tags: ['gateway api'],
        body: ProofBatch,
      },
    },
    async (request) => {
      const caller = await deps.auth.authenticate(request, 'access_report');
      let checkpoint;
      try {
        checkpoint = parseCheckpoint(parseNote(request.body.checkpoint).text);
      } catch (e) {
        throw new ProblemError(400, 'validation_failed', `checkpoint: ${(e as Error).message}`);
      }
      const log = await heldLog(deps.db, checkpoint.origin);
      const cosigned = await cosignedCheckpoint(deps.db, checkpoint.origin, checkpoint.size);
      if (!log || log.client_id !== caller.client_id || !cosigned || parseNote(cosigned).text !== parseNote(request.body.checkpoint).text)
        throw new ProblemError(
          409,
          'conflict',
          `this witness has not cosigned ${checkpoint.origin} at size ${checkpoint.size} for this gateway`,
        );
      return deps.accessReports.attachProofs(caller.client_id, checkpoint, request.body.proofs);
    },
  );
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/witness/checkpoints',
    {
      config: { openapi: CHECKPOINTS_DOC },
      schema: {
        summary: 'The newest checkpoint this witness cosigned for a log (?origin=), or all logs held',
        tags: ['transparency'],
        querystring: OriginQuery,
      },
    },
    async (request, reply) => {
      const { origin } = request.query;
      if (origin === undefined)
        return (await heldLogs(deps.db)).map((l) => ({ origin: l.origin, size: Number(l.size), checkpoint: l.note }));
      const log = await heldLog(deps.db, origin);
      if (!log) throw new ProblemError(404, 'not_found', `this witness holds no checkpoint of ${origin}`);
      return reply.type('text/plain; charset=utf-8').send(log.note);
    },
  );
  app.get(
    '/witness/key',
    {
      config: { openapi: { produces: 'text/plain', body: { type: 'string' } } },
      schema: { summary: "The witness's verifier key (C2SP signed-note vkey)", tags: ['transparency'] },
    },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send(`${deps.witness.verifierKey}\n`),
  );
}
