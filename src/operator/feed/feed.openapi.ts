/**
 * The consent feed as OpenAPI describes it. OpenAPI 3.1 has no Server-Sent Events: the answer is
 * `text/event-stream`, and `x-sse-events` names each event and the schema of its data (a compact
 * JWS, whose payload schema is given here) — the protocol of core/consent-feed.ts.
 */
import {
  CONSENT_EVENT_JWS_TYP,
  CONSENT_EVENT_PAYLOAD_TYP,
  FEED_EVENT,
  TOKEN_REVOKED_JWS_TYP,
  TOKEN_REVOKED_PAYLOAD_TYP,
} from '../../core/consent-feed.ts';
import type { RouteDoc } from '../../shared/openapi/route-doc.ts';

const STATUSES = ['pending', 'active', 'declined', 'suspended', 'withdrawn', 'expired', 'moved'];
const nullable = (type: string) => ({ type: [type, 'null'] });

/** The payload of a `consent` event (ConsentEvent). */
const ConsentEventPayload = {
  type: 'object',
  properties: {
    typ: { const: CONSENT_EVENT_PAYLOAD_TYP },
    iss: { type: 'string' },
    seq: { type: 'integer', description: 'feed position (the SSE id)' },
    record_id: { type: 'string' },
    client_id: { type: 'string' },
    source: { type: 'string', description: 'resource URI of the source' },
    status: { enum: STATUSES },
    subjects: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ref: { type: 'string' },
          identifier_type: { type: 'string' },
          identifier: { type: 'string' },
          datatypes: { type: 'array', items: { type: 'string' } },
        },
        required: ['ref', 'identifier_type', 'identifier', 'datatypes'],
      },
    },
    purpose: nullable('string'),
    legal_basis: nullable('string'),
    expires_at: { ...nullable('integer'), description: 'epoch milliseconds, null for no expiry' },
    updated_at: { type: 'integer', description: 'epoch milliseconds' },
    replaces: nullable('string'),
    replaced_by: nullable('string'),
  },
  required: ['typ', 'iss', 'seq', 'record_id', 'client_id', 'source', 'status', 'subjects', 'expires_at', 'updated_at'],
};

/** The payload of a `token.revoked` event (TokenRevokedEvent). */
const TokenRevokedPayload = {
  type: 'object',
  properties: {
    typ: { const: TOKEN_REVOKED_PAYLOAD_TYP },
    iss: { type: 'string' },
    seq: { type: 'integer' },
    source: { type: 'string' },
    client_id: { type: 'string' },
    jti: { type: 'string', description: 'the revoked token; absent: every token of client_id issued up to issued_before' },
    issued_before: { type: 'integer', description: 'epoch seconds' },
    exp: { type: 'integer', description: 'epoch seconds: the last exp a covered token can have' },
    revoked_at: { type: 'integer', description: 'epoch milliseconds' },
  },
  required: ['typ', 'iss', 'seq', 'source', 'client_id', 'exp', 'revoked_at'],
};

const jws = (typ: string) => ({
  type: 'string',
  description: `compact JWS, header typ "${typ}", signed with a key of the operator's JWKS`,
});

/** The OpenAPI documentation of `GET /api/consent-feed`. */
export const CONSENT_FEED_DOC: RouteDoc = {
  scope: 'consent_feed',
  produces: 'text/event-stream',
  body: { type: 'string', description: 'Server-Sent Events; the events are listed in x-sse-events' },
  description:
    `Server-Sent Events: \`${FEED_EVENT.consent}\` and \`${FEED_EVENT.revoked}\` events carry a compact JWS as data and the feed ` +
    `position as id (resume with \`Last-Event-ID\`); \`${FEED_EVENT.sync}\` (data \`{}\`) ends the backlog; ` +
    'comments keep the stream alive.',
  extensions: {
    'x-sse-events': {
      [FEED_EVENT.consent]: { id: 'feed position', data: jws(CONSENT_EVENT_JWS_TYP), payload: ConsentEventPayload },
      [FEED_EVENT.revoked]: { id: 'feed position', data: jws(TOKEN_REVOKED_JWS_TYP), payload: TokenRevokedPayload },
      [FEED_EVENT.sync]: { data: { const: '{}' } },
    },
  },
};
