/**
 * The OpenAPI 3.1 document of a Portti server, as @fastify/swagger builds it from the route
 * schemas: the security schemes every server may use, each route documented by `documentRoute`,
 * and a last pass a component may add (the gateway's concrete source paths).
 */
import type { SwaggerOptions } from '@fastify/swagger';
import { documentRoute } from './route-doc.ts';

/** An OpenAPI document as this module edits it. */
export interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: Record<string, unknown>;
  [member: string]: unknown;
}

/** What a component adds to its document. */
export interface OpenApiOptions {
  /** The OAuth token endpoint services get their API tokens from (operators; absolute or relative). */
  tokenUrl?: string;
  /** The OAuth scopes API tokens can carry, with what each is for. */
  scopes?: Record<string, string>;
  /** A last pass over the finished document. */
  finish?: (document: OpenApiDocument) => OpenApiDocument;
}

/** The security schemes of Portti's servers (a route names the ones it needs). */
function securitySchemes(options: OpenApiOptions) {
  return {
    oauth2: {
      type: 'oauth2',
      description:
        'RFC 9068 access token from the operator, bound to the client by DPoP (RFC 9449): send `Authorization: DPoP <token>` ' +
        'and a `DPoP` proof header (or, for clients registered with `sender_constraint: mtls`, a Bearer token over mutual TLS). ' +
        'The client authenticates at the token endpoint with `private_key_jwt`.',
      flows: { clientCredentials: { tokenUrl: options.tokenUrl ?? '/oauth/token', scopes: options.scopes ?? {} } },
    },
    adminToken: { type: 'http', scheme: 'bearer', description: "The operator's admin credential (`admin_token` in the configuration)" },
    session: { type: 'apiKey', in: 'cookie', name: 'portti_session', description: "A signed-in citizen's session cookie" },
    csrf: {
      type: 'apiKey',
      in: 'header',
      name: 'x-csrf-token',
      description: "The session's CSRF token (from `GET /citizen/api/me`), required on every write",
    },
  };
}

/**
 * Options for @fastify/swagger: OpenAPI 3.1, Portti's security schemes, every route documented
 * with its statuses.
 */
export function swaggerOptions(name: string, description: string, options: OpenApiOptions = {}): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: name, version: '0.1.0', description },
      components: { securitySchemes: securitySchemes(options) as never },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: documentRoute,
    transformObject: (object) => {
      const document = ('openapiObject' in object ? object.openapiObject : object.swaggerObject) as OpenApiDocument;
      return (options.finish ? options.finish(document) : document) as never;
    },
  };
}
