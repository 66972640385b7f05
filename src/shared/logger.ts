/**
 * pino logger options shared by every Portti server. Credentials, cookies and
 * personal-data fields are redacted wherever they appear in a log object.
 */
import type { LoggerOptions } from 'pino';

/** Field names that carry personal data or secrets, redacted at any depth we log. */
export const REDACTED_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'password',
  'client_secret',
  'client_assertion',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'pii_principal_id',
  'identifier',
  'identifiers',
  'personal_identity_code',
  'national_id',
  'hetu',
  'email',
  'phone',
  'given_name',
  'family_name',
  'name',
  'address',
  'income',
  'private_jwk',
];

const paths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'res.headers["set-cookie"]',
  // top level keeps pino's own `name`; nested objects lose every personal field
  ...REDACTED_FIELDS.flatMap((f) => [...(f === 'name' ? [] : [quote(f)]), `*.${quote(f)}`, `*.*.${quote(f)}`]),
];

function quote(field: string): string {
  return /^[a-z_]+$/i.test(field) ? field : `["${field}"]`;
}

/** Options for pino (and Fastify's `logger`); `level` from config or PORTTI_LOG_LEVEL. */
export function loggerOptions(level?: string, name?: string): LoggerOptions {
  return {
    level: process.env.PORTTI_LOG_LEVEL ?? level ?? 'info',
    ...(name === undefined ? {} : { name }),
    redact: { paths, censor: '[redacted]' },
  };
}
