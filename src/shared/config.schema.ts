/**
 * The schema of `portti.yaml`: one file describing the components a process runs.
 * `portti start` runs everything in it; `portti gateway --name X` or
 * `portti operator --name Y` run one component. Unknown fields are errors. The gateway's
 * part is in gateway.schema.ts, the shared building blocks in common.schema.ts.
 */
import { Type, type Static } from 'typebox';
import { Id, ListenSchema, Localized, MtlsSchema, Pointer, strict, TrustGroupLocationSchema, Url } from './common.schema.ts';
import { SmtpSchema } from './mail/smtp.schema.ts';
import { GatewaySchema } from './gateway.schema.ts';

const Secret = Type.Optional(Type.String({ minLength: 16 }));
/** An OpenID provider citizens sign in with at an operator, and the operator's client there. */
export const IdentityProviderSchema = Type.Object(
  {
    id: Id,
    label: Localized,
    issuer: Url,
    client_id: Type.String({ minLength: 1 }),
    client_secret: Type.String({ minLength: 1 }),
    /** Claim carrying the person's national identifier, and its identifier type. */
    identifier_claim: Type.String({ default: 'personal_identity_code' }),
    identifier_type: Type.String({ default: 'fi_hetu' }),
  },
  strict,
);

/** A MyData operator: where it listens, its issuer, secrets, identity providers and options. */
export const OperatorSchema = Type.Object(
  {
    name: Id,
    listen: ListenSchema,
    issuer: Url,
    display_name: Localized,
    /** Bearer credential for the admin API; set it from the environment. */
    admin_token: Type.String({ minLength: 16 }),
    /** Secret for dashboard session cookies (at least 32 characters). */
    cookie_secret: Type.String({ minLength: 32 }),
    identity_providers: Type.Array(IdentityProviderSchema, { default: [] }),
    /** Files of services (data agreements) and sources registered at start-up. */
    registry_files: Type.Array(Type.String(), { default: [] }),
    access_token_ttl_s: Type.Integer({ minimum: 10, maximum: 300, default: 300 }),
    webhook_max_attempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
    /** Optional mutual-TLS listener: services bound by certificate use its token endpoint. */
    mtls: Type.Optional(MtlsSchema),
    /** Optional trust group: tokens, feeds and reports only for sources where the group admits this operator. */
    trust_group: Type.Optional(TrustGroupLocationSchema),
    /** Where guardianship comes from: a population-register URL, or none. */
    guardianship_source: Type.Optional(Url),
    /** The citizen's personal data store, shown on the dashboard's "My data store" page. */
    personal_data_store: Type.Optional(Type.Object({ url: Url }, strict)),
    /** Citizens' notifications by e-mail; without it they show on the dashboard only. */
    smtp: Type.Optional(SmtpSchema),
  },
  strict,
);

/** A kind of document a personal data store keeps, with the attributes a gateway may map. */
export const PdsCategorySchema = Type.Object(
  {
    id: Id,
    label: Localized,
    /** Attribute id → JSON pointer(s) into the document (the gateway source definition uses the same). */
    attributes: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.Union([Pointer, Type.Array(Pointer, { minItems: 1 })]), {
      minProperties: 1,
    }),
    /** What the citizen reads for each part of a document: JSON pointer (array positions left out) → label. */
    labels: Type.Optional(Type.Record(Pointer, Localized)),
    /** Words for coded values in the documents (`verified` → "verified"). */
    values: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Localized)),
  },
  strict,
);

/** A service or register allowed to deposit signed documents (its "right agreement"). */
export const PdsDepositorSchema = Type.Object(
  {
    id: Id,
    name: Localized,
    /** The depositor's public keys: exactly one of a JWKS file or URL. */
    jwks_file: Type.Optional(Type.String({ minLength: 1 })),
    jwks_url: Type.Optional(Url),
    /** Categories this depositor may deposit. */
    categories: Type.Array(Id, { minItems: 1 }),
  },
  strict,
);

/** An operator that may act for citizens at the store (short-lived JWTs signed with its keys). */
export const PdsTrustedOperatorSchema = Type.Object({ issuer: Url, jwks_url: Url }, strict);

/** How one field of a pre-anonymised profile is generalised. */
export const PdsGeneralisedFieldSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    pointer: Pointer,
    /**
     * `age_band` from a YYYY-MM-DD date; `prefix` keeps the first `digits` characters;
     * `number_band` rounds down to `width`; `value` keeps a categorical value.
     */
    generalise: Type.Enum(['age_band', 'prefix', 'number_band', 'value']),
    width: Type.Optional(Type.Integer({ minimum: 1 })),
    digits: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  },
  strict,
);

/** A service with an agreement for aggregate use: gets pre-anonymised profiles only. */
export const PdsAggregateServiceSchema = Type.Object(
  {
    id: Id,
    name: Localized,
    /** Bearer credential of the service at this store. */
    token: Type.String({ minLength: 16 }),
    category: Id,
    /** k-anonymity floor: the service cannot ask for less; never below 5. */
    k_min: Type.Integer({ minimum: 5, default: 5 }),
    fields: Type.Array(PdsGeneralisedFieldSchema, { minItems: 1 }),
  },
  strict,
);

/** A key-encryption key: id and 32 bytes in base64. The first in the list wraps new keys. */
export const PdsKekSchema = Type.Object({ id: Id, key: Type.String({ minLength: 40 }) }, strict);

/** A personal data store: a source the gateway fronts, with encrypted per-person documents. */
export const PersonalDataStoreSchema = Type.Object(
  {
    name: Id,
    listen: ListenSchema,
    public_url: Url,
    identifier_type: Type.String({ minLength: 1, default: 'fi_hetu' }),
    /** Key-encryption keys (from the environment, never the database); the first is current. */
    keks: Type.Array(PdsKekSchema, { minItems: 1 }),
    /** Bearer credential the gateway presents as its upstream auth. */
    upstream_token: Type.String({ minLength: 16 }),
    categories: Type.Array(PdsCategorySchema, { minItems: 1 }),
    depositors: Type.Array(PdsDepositorSchema, { default: [] }),
    trusted_operators: Type.Array(PdsTrustedOperatorSchema, { default: [] }),
    aggregate_services: Type.Array(PdsAggregateServiceSchema, { default: [] }),
  },
  strict,
);

/** The demo world `portti start` runs beside the components (registers, IdPs, fee service, depositor). */
export const DemoSchema = Type.Object(
  {
    incomes_register: Type.Optional(ListenSchema),
    population_register: Type.Optional(ListenSchema),
    /** Demo OpenID providers; each operator whose identity_providers names the issuer is a client. */
    identity_providers: Type.Array(
      Type.Object({ label: Type.String({ minLength: 1 }), listen: ListenSchema, issuer: Url, acr: Type.Optional(Type.String()) }, strict),
      { default: [] },
    ),
    /** API key the demo registers require (the gateway sends it as upstream auth). */
    register_api_key: Type.String({ default: 'demo-register-key' }),
    /** The City's demo Customer Fee Unit; `staff_token` opens its case list at `/staff` (the demo has no staff sign-in). */
    fee_service: Type.Optional(Type.Object({ listen: ListenSchema, public_url: Url, incomes_resource: Url, staff_token: Secret }, strict)),
    /** A local SMTP server the operators' `smtp` blocks point at, and the page (`web`) that shows what it received. */
    mail_sink: Type.Optional(Type.Object({ smtp: ListenSchema, web: ListenSchema }, strict)),
    /** A demo depositor (a stand-in Tax Administration) filling a personal data store with signed tax decisions. */
    pds_depositor: Type.Optional(
      Type.Object(
        {
          /** Name of the personal data store (under personal_data_stores). */
          store: Id,
          depositor_id: Id,
          /** Where its public JWKS is written (the store's depositor entry reads the same file). */
          jwks_file: Type.String({ minLength: 1 }),
          category: Id,
          /** Aggregate services the generated (not sign-in) residents opt in to. */
          opt_in: Type.Array(Id, { default: [] }),
        },
        strict,
      ),
    ),
    people: Type.Integer({ minimum: 10, maximum: 100000, default: 300 }),
    /** Make a demo trust group of all configured operators (a governance key under data_dir). */
    trust_group: Type.Boolean({ default: false }),
    seed: Type.Integer({ default: 2026 }),
  },
  strict,
);

/** The whole configuration file. */
export const PorttiConfigSchema = Type.Object(
  {
    data_dir: Type.String({ default: 'data' }),
    /** PostgreSQL URL; when set (here or as DATABASE_URL) every component stores there. */
    database_url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** What an acknowledged write survives, in every store: `power_loss` or `process_crash` (see database.ts). */
    durability: Type.Enum(['power_loss', 'process_crash'], { default: 'power_loss' }),
    log_level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
    gateways: Type.Array(GatewaySchema, { default: [] }),
    operators: Type.Array(OperatorSchema, { default: [] }),
    personal_data_stores: Type.Array(PersonalDataStoreSchema, { default: [] }),
    demo: Type.Optional(DemoSchema),
  },
  strict,
);

/** A checked configuration, and each part of it by name. */
export type PorttiConfig = Static<typeof PorttiConfigSchema>;
export type OperatorConfig = Static<typeof OperatorSchema>;
export type { SmtpConfig } from './mail/smtp.schema.ts';
export type IdentityProviderConfig = Static<typeof IdentityProviderSchema>;
export type DemoConfig = Static<typeof DemoSchema>;
export type PersonalDataStoreConfig = Static<typeof PersonalDataStoreSchema>;
export type PdsAggregateServiceConfig = Static<typeof PdsAggregateServiceSchema>;
