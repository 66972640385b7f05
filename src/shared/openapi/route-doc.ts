/**
 * What the OpenAPI document says of a route beyond its TypeBox schemas: its success status and
 * media type, the security it needs and every error status it can answer (problem+json). All of
 * it is documentation only: the route's own `response` schemas, which drive serialization, are
 * never changed here.
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import { problemResponses, type ResponseDoc } from './problem.schema.ts';

/** A route's documentation beyond its schemas, given as `config: { openapi: … }`. */
export interface RouteDoc {
  /** The success status when it is not 200 (e.g. 201 or 204). */
  success?: number;
  /** The success media type(s) when not `application/json`. */
  produces?: string | string[];
  /** The success body's schema when the route has no response schema of its own. */
  body?: object;
  /** What the success answer is, when the summary does not say it. */
  description?: string;
  /** Error statuses beyond those every route of its kind answers (see `problemStatuses`). */
  problems?: number[];
  /** The OAuth scope an API token needs (`/api/…` routes). */
  scope?: string;
  /** Errors in OAuth's own format (RFC 6749 §5.2) for 400 and 401, and the client authenticates in the body. */
  oauthErrors?: boolean;
  /** No credentials needed, whatever the path. */
  public?: boolean;
  /** Responses in a format of their own (e.g. a protocol's plain-text refusals); they win over problem+json. */
  responses?: Record<string, ResponseDoc>;
  /** Extension members of the operation (`x-…`). */
  extensions?: Record<`x-${string}`, unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's OpenAPI documentation beyond its schemas. */
    openapi?: RouteDoc;
  }
}

/** An OpenAPI security requirement. */
type Requirement = Record<string, string[]>;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The credentials a route needs: by its path, the way Portti's servers are laid out. */
export function securityOf(url: string, method: string, doc: RouteDoc): Requirement[] {
  if (doc.public || doc.oauthErrors) return [];
  if (url.startsWith('/api/')) return [{ oauth2: doc.scope ? [doc.scope] : [] }];
  if (url.startsWith('/admin/')) return [{ adminToken: [] }];
  if (url.startsWith('/citizen/api/')) return [WRITES.has(method) ? { session: [], csrf: [] } : { session: [] }];
  return [];
}

/** Every error status a route can answer: the ones its kind always can, and its own. */
export function problemStatuses(url: string, method: string, schema: FastifySchema, doc: RouteDoc): Set<number> {
  // the error statuses the route's own response schema names stay documented, as problem+json
  const own = Object.keys((schema.response ?? {}) as object)
    .map(Number)
    .filter((status) => status >= 400);
  const statuses = new Set<number>([400, 500, 503, ...own, ...(doc.problems ?? [])]);
  const security = securityOf(url, method, doc);
  if (security.length > 0) statuses.add(401);
  if (security.some((s) => 'csrf' in s || 'oauth2' in s)) statuses.add(403);
  if (url.includes(':')) statuses.add(404);
  if (schema.body !== undefined || WRITES.has(method)) {
    statuses.add(408);
    statuses.add(413);
    statuses.add(415);
  }
  return statuses;
}

/** The RFC 6749 §5.2 error body of OAuth endpoints. */
const OAuthError = {
  type: 'object',
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
  required: ['error'],
};

/** The success content: each media type with the documented body. */
function contentOf(doc: RouteDoc): Record<string, { schema: object }> {
  const types = doc.produces === undefined ? ['application/json'] : [doc.produces].flat();
  return Object.fromEntries(types.map((type) => [type, { schema: doc.body ?? {} }]));
}

/** The documented responses: the route's own success schemas, or the documented success; then its problems. */
function responsesOf(url: string, method: string, schema: FastifySchema, doc: RouteDoc): Record<string, unknown> {
  const own = Object.entries((schema.response ?? {}) as Record<string, unknown>).filter(([status]) => Number(status) < 400);
  const success: Record<string, unknown> =
    own.length > 0
      ? Object.fromEntries(own)
      : {
          [String(doc.success ?? 200)]: {
            description: doc.description ?? 'Success',
            ...(doc.success === 204 ? {} : { content: contentOf(doc) }),
          } satisfies ResponseDoc,
        };
  const problems = problemResponses(problemStatuses(url, method, schema, doc));
  if (doc.oauthErrors) {
    // a body that cannot be parsed never reaches the OAuth handler: that 400 is problem+json
    const oauth = { 'application/json': { schema: OAuthError } };
    problems['400'] = {
      description: 'OAuth error (RFC 6749 §5.2), or a body that is not a form',
      content: { ...oauth, ...problems['400']!.content },
    };
    // an open OAuth endpoint (RFC 7591 registration) authenticates no client
    if (!doc.public) problems['401'] = { description: 'Client authentication failed (OAuth error, RFC 6749 §5.2)', content: oauth };
  }
  return { ...success, ...problems, ...doc.responses };
}

/**
 * The `transform` of @fastify/swagger: adds a route's success status, security and problem
 * responses to what its schemas say.
 */
export function documentRoute({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): {
  schema: FastifySchema;
  url: string;
} {
  if ((schema as { hide?: boolean } | undefined)?.hide) return { schema, url };
  const base = schema ?? {};
  const doc = route.config?.openapi ?? {};
  const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
  const security = securityOf(url, method, doc);
  const documented = { ...base, response: responsesOf(url, method, base, doc), ...doc.extensions };
  return { schema: security.length > 0 ? { ...documented, security } : documented, url };
}
