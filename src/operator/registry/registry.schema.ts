/**
 * Schema of registry files (`portti operator service add --file …`, `registry_files`):
 * the sources an operator serves, the services (OAuth clients) with their data
 * agreements, and the gateways that read its consent feed.
 */
import { Type, type Static } from 'typebox';

const strict = { additionalProperties: false } as const;
const Localized = Type.Object(
  { fi: Type.String({ minLength: 1 }), sv: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  strict,
);
const Url = Type.String({ pattern: '^https?://[^\\s]+$' });
const Iri = Type.String({ pattern: '^https?://[^\\s]+$', description: 'IRI, e.g. a DPV concept' });
const Duration = Type.String({
  maxLength: 40,
  pattern: '^P(?!$)(\\d{1,4}Y)?(\\d{1,5}M)?(\\d{1,5}W)?(\\d{1,6}D)?(T(?=\\d)(\\d{1,7}H)?(\\d{1,9}M)?(\\d{1,10}S)?)?$',
  description: 'ISO 8601 duration, e.g. P1Y or PT10M',
});
const ClientId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' });
const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1 }) });

export const AttributeSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    label: Localized,
    /** DPV personal-data category, e.g. https://w3id.org/dpv/pd#Income */
    category: Iri,
    sensitivity: Type.Union([Type.Literal('normal'), Type.Literal('financial'), Type.Literal('special_category')], { default: 'normal' }),
    /**
     * Labels of the parts of the attribute's value, keyed by their path inside it: object keys
     * joined by `/`, array positions left out (`months/gross_eur`). An attribute with several
     * pointers starts each part's path with its pointer's last key (`given_names`).
     */
    fields: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Localized)),
    /** Words for coded values anywhere in the attribute's value (`employed` → "in work"). */
    values: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Localized)),
  },
  strict,
);

export const RegistrySourceSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    /** RFC 8707 resource URI of the source at its gateway. */
    resource: Url,
    name: Localized,
    identifier_type: Type.String({ minLength: 1 }),
    /** Where a person asks for correction of this source's data. */
    correction_url: Type.Optional(Url),
    attributes: Type.Array(AttributeSchema, { minItems: 1 }),
  },
  strict,
);

export const ServicePurposeSchema = Type.Object(
  {
    purpose: Iri,
    label: Localized,
    description: Type.Optional(Localized),
    lawful_basis: Iri,
    /** ISO 8601 duration the service keeps the data. */
    retention_period: Duration,
    /** ISO 8601 duration a consent lasts once active; none = until withdrawn. */
    validity_duration: Type.Optional(Duration),
    recipients: Type.Array(Type.String(), { default: [] }),
    attributes: Type.Array(
      Type.Object(
        {
          source: Type.String({ minLength: 1 }),
          id: Type.String({ minLength: 1 }),
          required: Type.Boolean({ default: true }),
        },
        strict,
      ),
      { minItems: 1 },
    ),
  },
  strict,
);

export const ServiceSchema = Type.Object(
  {
    client_id: ClientId,
    name: Localized,
    /** Kind of service, for standing permission arrangements (e.g. `public_service`). */
    kind: Type.String({ default: 'service' }),
    controller: Type.Object(
      { name: Type.String({ minLength: 1 }), id: Type.Optional(Type.String()), contact: Type.Optional(Type.String()) },
      strict,
    ),
    privacy_notice: Url,
    jwks: Type.Optional(Jwks),
    jwks_uri: Type.Optional(Url),
    redirect_uris: Type.Array(Url, { default: [] }),
    webhook_url: Type.Optional(Url),
    /** How the service's tokens are bound: DPoP (default) or its TLS client certificate (RFC 8705). */
    sender_constraint: Type.Enum(['dpop', 'mtls'], { default: 'dpop' }),
    purposes: Type.Array(ServicePurposeSchema, { minItems: 1 }),
  },
  strict,
);

export const GatewayClientSchema = Type.Object(
  {
    client_id: ClientId,
    name: Type.String({ minLength: 1 }),
    jwks: Type.Optional(Jwks),
    jwks_uri: Type.Optional(Url),
    /** Source ids whose consent events and access records this gateway may see. */
    sources: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  strict,
);

export const RegistryFileSchema = Type.Object(
  {
    sources: Type.Array(RegistrySourceSchema, { default: [] }),
    services: Type.Array(ServiceSchema, { default: [] }),
    gateways: Type.Array(GatewayClientSchema, { default: [] }),
  },
  strict,
);

export type RegistrySource = Static<typeof RegistrySourceSchema>;
export type ServiceDefinition = Static<typeof ServiceSchema>;
export type GatewayClientDefinition = Static<typeof GatewayClientSchema>;
export type RegistryFile = Static<typeof RegistryFileSchema>;
