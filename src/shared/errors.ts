/**
 * One problem type for every Portti HTTP error (RFC 9457 problem+json).
 * Callers branch on `code`, a closed union, never on message text.
 */

/** Every stable error code a Portti server can answer with. */
export type ProblemCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'forbidden'
  | 'operator_not_admitted'
  | 'consent_missing'
  | 'consent_not_active'
  | 'attribute_not_consented'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'invalid_transition'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_response_too_large'
  | 'csrf_failed'
  | 'session_required'
  | 'internal_error'
  | 'not_ready'
  | 'store_unavailable'
  | 'invalid_bundle'
  | 'invalid_deposit'
  | 'unknown_depositor'
  | 'category_not_allowed'
  | 'field_not_correctable'
  | 'k_anonymity_threshold'
  | 'key_unavailable';

/** Base URI of the problem `type` members (one per `code`). */
export const PROBLEM_TYPE_BASE = 'https://portti.dev/problems/';

/** The RFC 9457 body, with Portti's `code` extension member. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ProblemCode;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<ProblemCode, string> = {
  invalid_bundle: 'Portability bundle refused',
  bad_request: 'Bad request',
  validation_failed: 'Request validation failed',
  unauthorized: 'Authentication required',
  invalid_token: 'Invalid access token',
  invalid_dpop_proof: 'Invalid DPoP proof',
  forbidden: 'Forbidden',
  operator_not_admitted: 'Operator not admitted by this source',
  consent_missing: 'No consent for this access',
  consent_not_active: 'Consent is not active',
  attribute_not_consented: 'Attribute not covered by consent',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  invalid_transition: 'Invalid consent state transition',
  payload_too_large: 'Payload too large',
  headers_too_large: 'Request header fields too large',
  request_timeout: 'Request not received in time',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  upstream_error: 'Upstream source failed',
  upstream_unavailable: 'Upstream source unavailable',
  upstream_timeout: 'Upstream source timed out',
  upstream_response_too_large: 'Upstream response too large',
  csrf_failed: 'Cross-site request refused',
  session_required: 'Sign-in required',
  internal_error: 'Internal server error',
  not_ready: 'Service not ready',
  store_unavailable: 'Database unavailable',
  invalid_deposit: 'Deposit signature or content invalid',
  unknown_depositor: 'Depositor not known to this store',
  category_not_allowed: 'Category not covered by the depositor agreement',
  field_not_correctable: 'Field may not be corrected by the person',
  k_anonymity_threshold: 'Answer would fall below the k-anonymity threshold',
  key_unavailable: 'Key-encryption key not configured',
};

/**
 * An error that becomes a problem+json response. Throw it anywhere in a request;
 * the server's single error handler renders it.
 *
 * @example throw new ProblemError(404, 'not_found', 'No consent record urn:uuid:…');
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ProblemCode,
    detail: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.code = code;
    this.extensions = extensions;
    this.headers = headers;
  }

  /** The RFC 9457 body for this error. */
  toBody(instance?: string): ProblemBody {
    return problemBody(this.status, this.code, this.message, this.extensions, instance);
  }
}

/** Builds a problem body; `detail` must never carry internal state for 5xx. */
export function problemBody(
  status: number,
  code: ProblemCode,
  detail?: string,
  extensions: Record<string, unknown> = {},
  instance?: string,
): ProblemBody {
  // extensions first: they can never overwrite the RFC 9457 members
  return {
    ...extensions,
    type: PROBLEM_TYPE_BASE + code.replaceAll('_', '-'),
    title: TITLES[code],
    status,
    ...(detail === undefined ? {} : { detail }),
    code,
    ...(instance === undefined ? {} : { instance }),
  };
}

/** Errno codes of a connection that could not be made or was lost. */
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** PostgreSQL SQLSTATEs of a server going away, starting, overloaded or read-only after a failover. */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
/** SQLite result codes of a file that is busy, locked, unreadable or full. */
const SQLITE_UNAVAILABLE = new Set([5, 6, 10, 13, 14]);

/**
 * Whether an error is the database being unreachable (gone, restarting, failing over, read-only,
 * busy), not a bug: the request is answered 503 with Retry-After, and nothing it wanted to
 * change was changed (the transaction did not commit).
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_ERRNO.has(code) || PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' && SQLITE_UNAVAILABLE.has(e.errcode & 0xff)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}
