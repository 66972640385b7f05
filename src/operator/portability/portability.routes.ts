/**
 * Moving between operators: the citizen API and dashboard page to download a bundle for
 * another operator and to import one here (first what would move, then with progress), and the operator-to-operator
 * hand-over endpoint `POST /portability/complete`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../shared/errors.ts';
import { t } from '../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, type WebContext } from '../citizen/web-context.ts';
import { renderMovePage, renderMovePreview, renderMoveStatus } from './move.page.ts';
import type { Portability } from './portability.ts';
import type { TrustScope } from '../registry/trust-scope.ts';
import type { LocalizedText } from '../citizen/view-models.ts';
import type { MovePageView } from './move.view.ts';

/** What the portability API and pages use. */
export interface PortabilityRoutesDeps {
  sessions: Sessions;
  portability: Portability;
  web: WebContext;
  issuer: string;
  /** The trust group's other operators (move targets) and every member's display names (the other side of a move). */
  trust: Pick<TrustScope, 'peers' | 'memberNames'>;
  /** Display names of the registry's services by client id. */
  serviceNames: () => Promise<Record<string, LocalizedText>>;
}

const tags = ['citizen api'];
const BUNDLE_LIMIT = 64 * 1024 * 1024;
const MoveParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const Target = Type.String({ maxLength: 500 });
const BundleRequest = Type.Object({ target: Target }, { additionalProperties: false });
const BundleForm = Type.Object({ target: Target, _csrf: Type.String() });
const ImportForm = Type.Object({
  bundle: Type.String({ minLength: 1 }),
  _csrf: Type.String(),
  /** Present once the citizen has seen the preview and agrees. */
  confirm: Type.Optional(Type.Literal('yes')),
});

/** Registers the portability API, the hand-over endpoint and the move pages. */
export function registerPortabilityRoutes(app: FastifyInstance, deps: PortabilityRoutesDeps): void {
  app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: BUNDLE_LIMIT }, (_req, body, done) => done(null, body));
  registerPortabilityApi(app, deps);
  registerMovePages(app, deps);
}

/** Sends a fresh bundle for `target` as a download. */
async function download(deps: PortabilityRoutesDeps, reply: FastifyReply, accountId: string, target: string) {
  const { move_id, jws } = await deps.portability.exportBundle(accountId, target);
  return reply
    .header('content-disposition', `attachment; filename="portti-bundle-${move_id.slice(-12)}.jws"`)
    .header('cache-control', 'no-store')
    .header('x-move-id', move_id)
    .type('application/jose')
    .send(jws);
}

function registerPortabilityApi(app: FastifyInstance, deps: PortabilityRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/citizen/api/portability/bundle',
    { schema: { summary: 'A signed portability bundle for another operator (compact JWS download)', tags, body: BundleRequest } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return download(deps, reply, s.accountId, request.body.target);
    },
  );

  r.post(
    '/citizen/api/portability/previews',
    {
      bodyLimit: BUNDLE_LIMIT,
      schema: { summary: 'What importing a bundle would do (body: the compact JWS, application/jose); changes nothing', tags },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      if (typeof request.body !== 'string') throw new ProblemError(415, 'unsupported_media_type', 'send the bundle as application/jose');
      return deps.portability.preview(s.accountId, request.body);
    },
  );

  r.post(
    '/citizen/api/portability/imports',
    {
      bodyLimit: BUNDLE_LIMIT,
      schema: { summary: 'Import a portability bundle (body: the compact JWS, application/jose); answers 202 with the move', tags },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      if (typeof request.body !== 'string') throw new ProblemError(415, 'unsupported_media_type', 'send the bundle as application/jose');
      const move = await deps.portability.startImport(s.accountId, request.body);
      return reply
        .code(202)
        .header('location', `/citizen/api/portability/moves/${encodeURIComponent(move.move_id)}`)
        .send(move);
    },
  );

  r.get('/citizen/api/portability/moves', { schema: { summary: 'My moves to and from this operator', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.portability.moves(s.accountId);
  });

  r.get(
    '/citizen/api/portability/moves/:id',
    { schema: { summary: 'One move with its progress', tags, params: MoveParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.portability.move(s.accountId, request.params.id);
    },
  );

  const completeSummary = 'Operator to operator: the new operator names the records it re-created (JWS it signed, application/jose)';
  r.post('/portability/complete', { schema: { summary: completeSummary, tags: ['operators'] } }, async (request) => {
    if (typeof request.body !== 'string') throw new ProblemError(415, 'unsupported_media_type', 'send the hand-over as application/jose');
    return deps.portability.complete(request.body.trim());
  });
}

function registerMovePages(app: FastifyInstance, deps: PortabilityRoutesDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/dashboard/move', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const view: MovePageView = {
      peers: deps.trust.peers(),
      names: deps.trust.memberNames(),
      services: await deps.serviceNames(),
      moves: await deps.portability.moves(s.accountId),
      csrf: s.data.csrf,
    };
    return web.send(reply, request, s, t(locale, 'nav_move'), renderMovePage(view, locale), dashboardNav(locale, 'move'));
  });

  r.post('/dashboard/move/bundle', { schema: { hide: true, body: BundleForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    return download(deps, reply, s.accountId, request.body.target);
  });

  r.post('/dashboard/move/import', { bodyLimit: BUNDLE_LIMIT, schema: { hide: true, body: ImportForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    if (request.body.confirm === 'yes') {
      const move = await deps.portability.startImport(s.accountId, request.body.bundle);
      return reply.redirect(`/dashboard/move/${encodeURIComponent(move.move_id)}`, 303);
    }
    // first what would move and what would not, then the citizen agrees (or not)
    const locale = web.locale(request, s);
    const preview = await deps.portability.preview(s.accountId, request.body.bundle);
    const names = { names: deps.trust.memberNames(), services: await deps.serviceNames() };
    const body = renderMovePreview(preview, names, { bundle: request.body.bundle.trim(), csrf: s.data.csrf }, locale);
    return web.send(reply, request, s, t(locale, 'move_preview_title'), body, dashboardNav(locale, 'move'));
  });

  // the preview is the answer to a POST: its language links lead back to the move page in that language
  r.get('/dashboard/move/import', { schema: { hide: true } }, async (request, reply) => {
    const lang = new URL(request.url, 'http://x').searchParams.get('lang');
    return reply.redirect(`/dashboard/move${lang ? `?lang=${encodeURIComponent(lang)}` : ''}`, 303);
  });

  r.get('/dashboard/move/:id', { schema: { hide: true, params: MoveParams } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const move = await deps.portability.move(s.accountId, request.params.id);
    const body = renderMoveStatus(move, { names: deps.trust.memberNames(), services: await deps.serviceNames() }, locale);
    return web.send(reply, request, s, t(locale, 'moves_title'), body, dashboardNav(locale, 'move'));
  });
}
