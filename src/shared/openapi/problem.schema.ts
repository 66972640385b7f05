/**
 * The problem+json body (RFC 9457) as a JSON schema, and the OpenAPI responses that carry it:
 * one place that says which media type and shape every Portti error answer has.
 */

/** The media type of every error answer (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

/** Shared JSON schema for problem bodies, referenced by route responses. */
export const ProblemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details; `code` is a stable machine-readable error code',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code'],
  additionalProperties: true,
} as const;

/** What each error status means at a Portti server (the `code` values it comes with). */
const MEANING: Record<number, string> = {
  400: 'Malformed request or failed validation (`bad_request`, `validation_failed`)',
  401: 'Missing or invalid credentials (`unauthorized`, `invalid_token`, `invalid_dpop_proof`, `session_required`)',
  403: 'Authenticated but not allowed (`forbidden`, `csrf_failed`, `consent_missing`, …)',
  404: 'No such resource (`not_found`)',
  408: 'The request was not received in time (`request_timeout`)',
  409: 'Conflicts with the current state (`conflict`, `invalid_transition`)',
  413: 'Request body too large (`payload_too_large`)',
  415: 'Unsupported request media type (`unsupported_media_type`)',
  422: 'Understood but refused (see `code`)',
  429: 'Too many requests (`rate_limited`)',
  431: 'Request headers too large (`headers_too_large`)',
  500: 'Internal error, without details (`internal_error`)',
  502: 'The upstream source failed (`upstream_error`, `upstream_response_too_large`)',
  503: 'A dependency is unavailable; retry after `Retry-After` (`store_unavailable`, `upstream_unavailable`, …)',
  504: 'The upstream source timed out (`upstream_timeout`)',
};

/** One documented response: a description and, per media type, a schema. */
export interface ResponseDoc {
  description: string;
  content?: Record<string, { schema: object }>;
  headers?: Record<string, { schema: object; description?: string }>;
}

/**
 * The OpenAPI responses for the given error statuses, each `application/problem+json` with the
 * Problem schema.
 *
 * @example problemResponses([401, 404]) // { '401': { description, content: { 'application/problem+json': … } }, … }
 */
export function problemResponses(statuses: Iterable<number>): Record<string, ResponseDoc> {
  const out: Record<string, ResponseDoc> = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    out[String(status)] = {
      description: MEANING[status] ?? 'Error (see `code`)',
      content: { [PROBLEM_JSON]: { schema: { $ref: 'Problem#' } } },
    };
  }
  return out;
}
