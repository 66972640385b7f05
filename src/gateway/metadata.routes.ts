/**
 * The gateway's public metadata: RFC 9728 protected-resource metadata per source, its
 * JWKS (checkpoint signatures, client authentication at operators) and a source list.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import { Type } from 'typebox';
import type { GatewayConfig } from '../shared/gateway.schema.ts';
import { ProblemError } from '../shared/errors.ts';
import { ASYMMETRIC_ALGS } from '../shared/oauth/dpop.ts';
import type { CompiledOperation, CompiledSource } from './source-registry.ts';

/** What the metadata routes publish. */
export interface MetadataDeps {
  config: GatewayConfig;
  sources: Map<string, CompiledSource>;
  jwks: () => { keys: JWK[] };
}

/** The JSON pointers of an attribute in an operation's answer (a Turtle operation's document has `/<id>`). */
function attributePointers(o: CompiledOperation, id: string): string[] {
  const p = o.config.format === 'turtle' ? `/${id}` : o.config.attributes[id]!;
  return Array.isArray(p) ? p : [p];
}

/**
 * RFC 9728 metadata for one source. Every token must be sender-constrained: by DPoP, or by
 * a client certificate when the gateway has a mutual-TLS listener (then DPoP is not the only way).
 */
export function protectedResourceMetadata(source: CompiledSource, mtls = false) {
  return {
    resource: source.resource,
    authorization_servers: [...source.admitted],
    bearer_methods_supported: ['header'],
    dpop_bound_access_tokens_required: !mtls,
    tls_client_certificate_bound_access_tokens: mtls,
    dpop_signing_alg_values_supported: ASYMMETRIC_ALGS,
    authorization_details_types_supported: ['personal_data_access'],
    resource_name: source.id,
    // Portti extension: the operations and the attributes each can release
    portti_operations: [...source.operations.values()].map((o) => ({
      name: o.config.name,
      method: o.config.method,
      identifier_type: o.config.identifier_type,
      attributes: o.attributeIds,
      // where each attribute sits in the operation's answer, so operators can name its parts for citizens
      pointers: Object.fromEntries(o.attributeIds.map((id) => [id, attributePointers(o, id)])),
    })),
  };
}

/** Registers the RFC 9728 metadata of every source, the gateway's JWKS and its source list. */
export function registerGatewayMetadataRoutes(app: FastifyInstance, deps: MetadataDeps): void {
  const basePath = new URL(deps.config.public_url).pathname.replace(/\/$/, '');
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    `/.well-known/oauth-protected-resource${basePath}/sources/:source`,
    {
      schema: {
        summary: 'RFC 9728 protected resource metadata of a source',
        tags: ['metadata'],
        params: Type.Object({ source: Type.String() }),
      },
    },
    async (request) => {
      const { source } = request.params;
      const s = deps.sources.get(source);
      if (!s) throw new ProblemError(404, 'not_found', `no source "${source}" at this gateway`);
      return protectedResourceMetadata(s, Boolean(deps.config.mtls));
    },
  );
  app.get('/.well-known/jwks.json', { schema: { summary: "The gateway's public keys", tags: ['metadata'] } }, async () => deps.jwks());
  app.get('/sources', { schema: { summary: 'Sources fronted by this gateway', tags: ['metadata'] } }, async () =>
    [...deps.sources.values()].map((s) => ({ id: s.id, resource: s.resource, metadata: s.metadataUrl })),
  );
}
