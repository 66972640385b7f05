/**
 * The RFC 7591 client metadata a software statement registers, and the check of a registration
 * request against it: the statement's values take precedence (RFC 7591 §2.3), so a request that
 * says otherwise about anything the statement decides is refused, not silently overridden.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ServiceDefinition } from '../registry/registry.schema.ts';

/** RFC 7591 client metadata, as registered for a service. */
export type ClientMetadata = Record<string, unknown>;

/** Metadata a request may not bring unless the statement gives the same (keys, identity, authentication). */
const DECIDED_BY_STATEMENT = ['client_id', 'client_secret', 'jwks_uri', 'tls_client_auth_subject_dn', 'token_endpoint_auth_signing_alg'];

/** The client metadata of a service as the operator registers it (what registry.clientMetadata gives oidc-provider). */
export function metadataOf(service: ServiceDefinition): ClientMetadata {
  const interactive = service.redirect_uris.length > 0;
  return {
    client_name: service.name.en,
    software_id: service.client_id,
    policy_uri: service.privacy_notice,
    jwks: service.jwks,
    redirect_uris: service.redirect_uris,
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: interactive ? ['client_credentials', 'authorization_code'] : ['client_credentials'],
    response_types: interactive ? ['code'] : [],
    scope: 'consent_request',
    authorization_details_types: ['personal_data_access'],
    ...(service.sender_constraint === 'mtls' ? { tls_client_certificate_bound_access_tokens: true } : { dpop_bound_access_tokens: true }),
  };
}

/**
 * The first field of a registration request that contradicts the statement's metadata, with why;
 * undefined when none does. Fields the statement does not decide are ignored (RFC 7591 §2).
 */
export function contradiction(request: Record<string, unknown>, registered: ClientMetadata): string | undefined {
  for (const [field, value] of Object.entries(request)) {
    if (field === 'software_statement') continue;
    if (field in registered) {
      if (!isDeepStrictEqual(value, registered[field])) return `${field} contradicts the software statement`;
    } else if (DECIDED_BY_STATEMENT.includes(field)) return `${field} is not the software statement's to change`;
  }
  return undefined;
}
