/**
 * RFC 7662 introspection (live consent status included) and RFC 7009 revocation of this
 * operator's JWT access tokens, each authenticated as an OAuth client (`private_key_jwt`, the
 * methods published as `*_endpoint_auth_methods_supported`) and answering in OAuth's error
 * format. A client learns about its own tokens; a gateway also about the tokens for the sources
 * it fronts. Anything else introspects `{"active": false}` (RFC 7662 §2.2); revoking another
 * client's token is answered like an invalid token (RFC 7009 §2.2), so nothing leaks.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { Type } from 'typebox';
import { isLive } from '../../core/consent-rules.ts';
import { ASYMMETRIC_ALGS } from '../../shared/oauth/dpop.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import type { AuthorizationServer } from '../oauth/authorization-server.ts';
import { ClientAuthenticator, OAuthEndpointError } from './client-auth.ts';
import { registerServiceDocumentation } from '../oauth/service-docs.page.ts';
import type { TokenRevocations } from '../oauth/token-revocations.ts';

/** What introspection and revocation use. */
export interface TokenStatusDeps {
  /** The authorization server: its store detects replayed client assertions. */
  as: Pick<AuthorizationServer, 'uniqueAssertion'>;
  registry: Pick<Registry, 'service' | 'sources' | 'clientMetadata'>;
  consents: Pick<ConsentService, 'get'>;
  revocations: Pick<TokenRevocations, 'isRevoked' | 'revoke'>;
  issuer: string;
  jwks: () => { keys: JWK[] };
  /** The mutual-TLS listener's base URL, when there is one (its endpoint URLs are audiences too). */
  mtlsUrl?: string | undefined;
}

/** RFC 7662 / RFC 7009 request body (form or JSON) with the client's authentication; checked by the handler, in OAuth's format. */
const TokenForm = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 8192 })),
    token_type_hint: Type.Optional(Type.String({ maxLength: 100 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_assertion: Type.Optional(Type.String({ maxLength: 8192 })),
    client_assertion_type: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);

/** The token's claims when it is a JWT access token of this operator, else undefined. */
async function ownToken(deps: Pick<TokenStatusDeps, 'jwks' | 'issuer'>, token: string): Promise<JWTPayload | undefined> {
  return jwtVerify(token, createLocalJWKSet(deps.jwks()), { issuer: deps.issuer, typ: 'at+jwt', algorithms: ASYMMETRIC_ALGS }).then(
    (r) => r.payload,
    () => undefined,
  );
}

/** Whether `clientId` may learn about the token: its own, or (a gateway) one for a source it fronts. */
async function mayIntrospect(deps: Pick<TokenStatusDeps, 'registry'>, clientId: string, payload: JWTPayload): Promise<boolean> {
  if (payload.client_id === clientId) return true;
  const caller = await deps.registry.service(clientId);
  if (caller?.kind !== 'gateway') return false;
  const fronted = new Set((caller.definition as { sources?: string[] }).sources ?? []);
  const resources = new Set((await deps.registry.sources()).filter((s) => fronted.has(s.id)).map((s) => s.resource));
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return aud.some((a) => typeof a === 'string' && resources.has(a));
}

/** Live: not revoked, and every consent record the token names still live. */
async function isActive(deps: TokenStatusDeps, payload: JWTPayload): Promise<boolean> {
  if (await deps.revocations.isRevoked(payload)) return false;
  const details = (Array.isArray(payload.authorization_details) ? payload.authorization_details : []) as Array<{
    consent_record_id?: string;
  }>;
  for (const d of details) {
    if (!d.consent_record_id) continue;
    const state = await deps.consents.get(d.consent_record_id).catch(() => undefined);
    if (!state || !isLive(state, Date.now())) return false;
  }
  return true;
}

/** Answers an OAuth endpoint: its result, or its error in OAuth's format (never problem+json). */
async function oauthAnswer(reply: FastifyReply, run: () => Promise<object | undefined>): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  try {
    const body = await run();
    return body === undefined ? reply.code(200).send() : reply.code(200).type('application/json').send(body);
  } catch (err) {
    if (!(err instanceof OAuthEndpointError)) throw err;
    if (err.status === 401) reply.header('www-authenticate', `Bearer error="${err.error}"`);
    return reply.code(err.status).type('application/json').send(err.body);
  }
}

function requireToken(token: string | undefined): string {
  if (!token) throw new OAuthEndpointError('invalid_request', 'token is required');
  return token;
}

/** Registers `/api/introspect` (RFC 7662) and `/api/revoke` (RFC 7009). */
export function registerTokenStatusRoutes(app: FastifyInstance, deps: TokenStatusDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['oauth'];
  // RFC 7523 §3: the audience is the issuer (as FAPI 2.0 asks) or, as some clients send, the endpoint or the token endpoint
  const audiences = [deps.issuer, deps.mtlsUrl]
    .filter((base): base is string => base !== undefined)
    .flatMap((base) => ['/oauth/token', '/api/introspect', '/api/revoke'].map((path) => `${base}${path}`));
  const clients = new ClientAuthenticator({
    issuer: deps.issuer,
    registry: deps.registry,
    unique: (clientId, jti, expiresAt) => deps.as.uniqueAssertion(clientId, jti, expiresAt),
    audiences,
  });

  registerServiceDocumentation(app, deps.issuer, deps.mtlsUrl !== undefined);

  r.post(
    '/api/introspect',
    {
      config: { openapi: { oauthErrors: true } },
      schema: { summary: 'RFC 7662 token introspection (live consent status included)', tags, body: TokenForm },
    },
    async (request, reply) =>
      oauthAnswer(reply, async () => {
        const clientId = await clients.authenticate(request.body);
        const payload = await ownToken(deps, requireToken(request.body.token));
        if (!payload || !(await mayIntrospect(deps, clientId, payload)) || !(await isActive(deps, payload))) return { active: false };
        return { active: true, token_type: (payload.cnf as { jkt?: string } | undefined)?.jkt ? 'DPoP' : 'Bearer', ...payload };
      }),
  );

  r.post(
    '/api/revoke',
    {
      config: { openapi: { oauthErrors: true } },
      schema: { summary: 'RFC 7009 revocation of a JWT access token by its client', tags, body: TokenForm },
    },
    async (request, reply) =>
      oauthAnswer(reply, async () => {
        const clientId = await clients.authenticate(request.body);
        const payload = await ownToken(deps, requireToken(request.body.token));
        if (payload?.client_id === clientId) await deps.revocations.revoke(payload);
        return undefined;
      }),
  );
}
