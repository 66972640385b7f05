/**
 * The authorization server's own routes: oidc-provider answers /oauth/* and the discovery
 * documents itself, on the raw request (it parses the body), so Fastify hands them over.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationServer } from './authorization-server.ts';

/** oidc-provider owns /oauth/* and the discovery documents; it reads the raw body itself. */
export async function mountAuthorizationServer(app: FastifyInstance, as: AuthorizationServer): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    const handoff = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      as.handle(request.raw, reply.raw);
    };
    scope.all('/oauth/*', { schema: { hide: true } }, handoff);
    scope.get('/.well-known/openid-configuration', { schema: { hide: true } }, handoff);
    scope.get(
      '/.well-known/oauth-authorization-server',
      { schema: { summary: 'RFC 8414 authorization server metadata', tags: ['metadata'] } },
      handoff,
    );
  });
}
