/**
 * The schema of a gateway in `portti.yaml`: where it listens, the sources it fronts (their
 * upstream, auth type and operations) and the operators it trusts.
 */
import { Type, type Static } from 'typebox';
import { Id, ListenSchema, MtlsSchema, Pointer, strict, TrustGroupLocationSchema, Url } from './common.schema.ts';
import { UpstreamAuthSchema } from './upstream-auth/upstream-auth.ts';

/** An RDF predicate IRI (for `format: turtle`). */
const PredicateIri = Type.String({ pattern: '^https?://[^\\s<>"{}|\\\\^`]+$', description: 'predicate IRI' });

/** One operation of a source: an upstream path per person and the attributes it can release. */
export const OperationSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    method: Type.Enum(['GET'], { default: 'GET' }),
    /** Upstream path template; `{identifier}` is replaced by the person's source identifier. */
    path: Type.String({ pattern: '^/.*\\{identifier\\}.*$' }),
    identifier_type: Type.String({ minLength: 1 }),
    /**
     * What the source answers: `json` (default; attributes are JSON pointers) or `turtle`
     * (RDF, e.g. a Solid pod; attributes are predicate IRIs of `subject`).
     */
    format: Type.Optional(Type.Enum(['json', 'turtle'])),
    /** For `turtle`: the node the attributes describe, relative to the resource URL (default `#me`). */
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^[^\\s<>"{}|\\\\^`]*$' })),
    attributes: Type.Record(
      Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
      Type.Union([Pointer, Type.Array(Pointer, { minItems: 1 }), PredicateIri]),
      { minProperties: 1 },
    ),
  },
  strict,
);

/** A source a gateway fronts: its upstream, its operations, the operators it admits. */
export const SourceSchema = Type.Object(
  {
    id: Id,
    upstream: Type.Object(
      {
        base_url: Url,
        /** How the gateway authenticates to the source (one of the types in upstream-auth/). */
        auth: Type.Optional(UpstreamAuthSchema),
        timeout_ms: Type.Integer({ minimum: 10, maximum: 120000, default: 5000 }),
        max_response_bytes: Type.Integer({ minimum: 1024, default: 1048576 }),
      },
      strict,
    ),
    operations: Type.Array(OperationSchema, { minItems: 1 }),
    /** Operator issuers admitted to this source; none means nobody (private by default). */
    admitted_operators: Type.Array(Url, { default: [] }),
  },
  strict,
);

/** An operator a gateway trusts, and the gateway's client id there. */
export const GatewayOperatorSchema = Type.Object(
  {
    issuer: Url,
    /** The gateway's client id at this operator (for the consent feed and access reports). */
    client_id: Type.String({ minLength: 1 }),
  },
  strict,
);

/** An Access Gateway: where it listens, what it fronts, whom it trusts. */
export const GatewaySchema = Type.Object(
  {
    name: Id,
    listen: ListenSchema,
    /** The URL clients use; resource URIs and DPoP `htu` are derived from it. */
    public_url: Url,
    sources: Type.Array(SourceSchema, { default: [] }),
    operators: Type.Array(GatewayOperatorSchema, { default: [] }),
    /** How long a silent consent feed is trusted before introspecting instead (three of the operators' 2 s keep-alives). */
    feed_stale_after_ms: Type.Integer({ minimum: 1000, default: 6000 }),
    /** How often the access log signs a checkpoint of its Merkle tree while records arrive (and at shutdown). */
    checkpoint_interval_ms: Type.Integer({ minimum: 50, maximum: 1000, default: 1000 }),
    /** Allowed clock skew for `iat`/`exp` and DPoP proofs, in seconds. */
    clock_skew_s: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
    dpop_max_age_s: Type.Integer({ minimum: 1, maximum: 600, default: 60 }),
    report_interval_ms: Type.Integer({ minimum: 50, default: 1000 }),
    /** Optional mutual-TLS listener for certificate-bound tokens (RFC 8705). */
    mtls: Type.Optional(MtlsSchema),
    /**
     * Optional trust group: a signed document (file or URL) decides which of the configured
     * operators each source admits, instead of `admitted_operators`; reloaded every `refresh_ms`.
     */
    trust_group: Type.Optional(TrustGroupLocationSchema),
    /** Where DPoP proof ids are remembered: `memory` (one instance) or `store` (instances sharing PostgreSQL). */
    replay_cache: Type.Enum(['memory', 'store'], { default: 'memory' }),
  },
  strict,
);

/** One gateway's configuration. */
export type GatewayConfig = Static<typeof GatewaySchema>;
/** One source's configuration. */
export type SourceConfig = Static<typeof SourceSchema>;
/** One operation's configuration. */
export type OperationConfig = Static<typeof OperationSchema>;
