/**
 * The building blocks of the configuration schemas: URLs, ids, localized text, JSON pointers,
 * listeners and trust-group locations, shared by every component's schema.
 */
import { Type } from 'typebox';

/** Unknown fields are errors. */
export const strict = { additionalProperties: false } as const;

/** An absolute http(s) URL. */
export const Url = Type.String({ pattern: '^https?://[^\\s]+$', description: 'absolute http(s) URL' });
/** A component, source or key id. */
export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lower-case id: letters, digits, hyphens' });
/** Text in Finnish, Swedish and English. */
export const Localized = Type.Object(
  { fi: Type.String({ minLength: 1 }), sv: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  strict,
);

/** Where a server listens. */
export const ListenSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
  },
  strict,
);

/** A mutual-TLS listener (RFC 8705): same routes, HTTPS, client certificate required. */
export const MtlsSchema = Type.Object(
  {
    listen: ListenSchema,
    /** The URL clients use for this listener (published as mtls_endpoint_aliases by operators). */
    public_url: Url,
    cert_file: Type.String({ minLength: 1 }),
    key_file: Type.String({ minLength: 1 }),
    /** CA whose certificates clients must present. */
    client_ca_file: Type.String({ minLength: 1 }),
  },
  strict,
);

/** Where a signed trust-group document comes from (exactly one of file or url). */
export const TrustGroupLocationSchema = Type.Object(
  {
    file: Type.Optional(Type.String({ minLength: 1 })),
    url: Type.Optional(Url),
    governance_jwks_file: Type.String({ minLength: 1 }),
    refresh_ms: Type.Integer({ minimum: 100, default: 60000 }),
  },
  strict,
);

/** An attribute's JSON pointer(s) into the upstream response. */
export const Pointer = Type.String({ pattern: '^(/([^~/]|~[01])*)*$', description: 'RFC 6901 JSON pointer' });
