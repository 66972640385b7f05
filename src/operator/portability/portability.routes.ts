/**
 * Moving between operators: the citizen API and dashboard page to download a bundle for
 * another operator and to import one here (with progress), and the operator-to-operator
 * hand-over endpoint `POST /portability/complete`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../../shared/errors.ts';
import { html } from '../../web/html.ts';
import { t, type Locale, type MessageKey } from '../../web/i18n.ts';
import { dashboardNav } from '../citizen/dashboard.routes.ts';
import type { MoveItem, MoveView, Portability } from './portability.ts';
import { checkCsrf, signedInOrRedirect, type Sessions } from '../accounts/sessions.ts';
import type { WebContext } from '../citizen/web-context.ts';

export interface PortabilityRoutesDeps {
  sessions: Sessions;
  portability: Portability;
  web: WebContext;
  issuer: string;
  /** Other operators of the trust group (issuer and name), offered as move targets. */
  peers: () => Array<{ issuer: string; name: string }>;
}

const BUNDLE_LIMIT = 64 * 1024 * 1024;
const MOVE_STATUS_LABEL: Record<MoveView['status'], MessageKey> = {
  running: 'move_status_running',
  done: 'move_status_done',
  failed: 'move_status_failed',
};
const MOVE_OUTCOME_LABEL: Record<MoveItem['outcome'], MessageKey> = {
  moved: 'move_outcome_moved',
  reconfirm: 'move_outcome_reconfirm',
  stays: 'move_outcome_stays',
  archived: 'move_outcome_archived',
};
const moveParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } };

export function registerPortabilityRoutes(app: FastifyInstance, deps: PortabilityRoutesDeps): void {
  const tags = ['citizen api'];
  const { web } = deps;
  app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: BUNDLE_LIMIT }, (_req, body, done) => done(null, body));

  const download = async (reply: FastifyReply, accountId: string, target: string) => {
    const { move_id, jws } = await deps.portability.exportBundle(accountId, target);
    return reply
      .header('content-disposition', `attachment; filename="portti-bundle-${move_id.slice(-12)}.jws"`)
      .header('cache-control', 'no-store')
      .header('x-move-id', move_id)
      .type('application/jose')
      .send(jws);
  };

  app.post(
    '/citizen/api/portability/bundle',
    {
      schema: {
        summary: 'A signed portability bundle for another operator (compact JWS download)',
        tags,
        body: {
          type: 'object',
          required: ['target'],
          additionalProperties: false,
          properties: { target: { type: 'string', maxLength: 500 } },
        },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return download(reply, s.accountId, (request.body as { target: string }).target);
    },
  );

  app.post(
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

  app.get('/citizen/api/portability/moves', { schema: { summary: 'My moves to and from this operator', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.portability.moves(s.accountId);
  });

  app.get(
    '/citizen/api/portability/moves/:id',
    { schema: { summary: 'One move with its progress', tags, params: moveParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.portability.move(s.accountId, (request.params as { id: string }).id);
    },
  );

  app.post(
    '/portability/complete',
    {
      schema: {
        summary: 'Operator to operator: the new operator names the records it re-created (JWS it signed, application/jose)',
        tags: ['operators'],
      },
    },
    async (request) => {
      if (typeof request.body !== 'string') throw new ProblemError(415, 'unsupported_media_type', 'send the hand-over as application/jose');
      return deps.portability.complete(request.body.trim());
    },
  );

  // ---- dashboard ------------------------------------------------------------------------

  const signedIn = (request: FastifyRequest, reply: FastifyReply) => signedInOrRedirect(deps.sessions, request, reply);

  const renderMove = (m: MoveView, locale: Locale) =>
    html`<article class="card move" data-move-id="${m.move_id}" data-status="${m.status}">
      <h3>${t(locale, m.direction === 'in' ? 'move_in' : 'move_out', { peer: m.peer })}: ${t(locale, MOVE_STATUS_LABEL[m.status])}</h3>
      <p>${t(locale, 'move_progress', { done: m.done, total: m.total })}</p>
      <progress max="${Math.max(m.total, 1)}" value="${m.done}"></progress>
      ${
        m.items.length > 0
          ? html`<ul>
              ${m.items.map((i) => html`<li data-outcome="${i.outcome}">${i.client_id || i.old}: ${t(locale, MOVE_OUTCOME_LABEL[i.outcome])}${i.handed_over ? html` (${t(locale, 'move_handed_over')})` : ''}${i.reason ? html` – ${i.reason}` : ''}${i.hand_over_refused ? html` – ${i.hand_over_refused}` : ''}</li>`)}
            </ul>`
          : ''
      }
    </article>`;

  app.get('/dashboard/move', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const peers = deps.peers();
    const moves = await deps.portability.moves(s.accountId);
    const body = html`<section class="card" aria-labelledby="out-h">
        <h2 id="out-h">${t(locale, 'move_out_title')}</h2>
        <p>${t(locale, 'move_out_intro')}</p>
        ${
          peers.length === 0
            ? html`<p>${t(locale, 'move_no_peers')}</p>`
            : html`<form method="post" action="/dashboard/move/bundle">
                <input type="hidden" name="_csrf" value="${s.data.csrf}" />
                <p>
                  <label
                    >${t(locale, 'move_target')}<br /><select name="target">
                      ${peers.map((p) => html`<option value="${p.issuer}">${p.name} (${p.issuer})</option>`)}
                    </select></label
                  >
                </p>
                <button type="submit">${t(locale, 'move_download')}</button>
              </form>`
        }
      </section>
      <section class="card" aria-labelledby="in-h">
        <h2 id="in-h">${t(locale, 'move_in_title')}</h2>
        <p>${t(locale, 'move_in_intro')}</p>
        <form method="post" action="/dashboard/move/import" id="import-form" data-csrf="${s.data.csrf}">
          <input type="hidden" name="_csrf" value="${s.data.csrf}" />
          <p>
            <label>${t(locale, 'move_file')}<br /><input type="file" id="bundle-file" accept=".jws,application/jose" /></label>
          </p>
          <p>
            <label>${t(locale, 'move_paste')}<br /><textarea name="bundle" id="bundle-text" rows="3" cols="60"></textarea></label>
          </p>
          <button type="submit">${t(locale, 'move_start')}</button>
        </form>
        <p id="import-status" role="status" aria-live="polite"></p>
      </section>
      ${
        moves.length > 0
          ? html`<h2>${t(locale, 'moves_title')}</h2>
              ${moves.map((m) => renderMove(m, locale))}`
          : ''
      }
      <script src="/assets/move.js" defer></script>`;
    return web.send(reply, request, s, t(locale, 'nav_move'), body, dashboardNav(locale, 'move'));
  });

  app.post(
    '/dashboard/move/bundle',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['target', '_csrf'],
          properties: { target: { type: 'string', maxLength: 500 }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return download(reply, s.accountId, (request.body as { target: string }).target);
    },
  );

  app.post(
    '/dashboard/move/import',
    {
      bodyLimit: BUNDLE_LIMIT,
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['bundle', '_csrf'],
          properties: { bundle: { type: 'string', minLength: 1 }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      const move = await deps.portability.startImport(s.accountId, (request.body as { bundle: string }).bundle);
      return reply.redirect(`/dashboard/move/${encodeURIComponent(move.move_id)}`, 303);
    },
  );

  app.get('/dashboard/move/:id', { schema: { hide: true, params: moveParams } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const move = await deps.portability.move(s.accountId, (request.params as { id: string }).id);
    // without JavaScript the page refreshes itself while the move runs
    const refresh = move.status === 'running' ? html`<meta http-equiv="refresh" content="1" />` : '';
    return web.send(
      reply,
      request,
      s,
      t(locale, 'moves_title'),
      html`${refresh}${renderMove(move, locale)}
        <p><a href="/dashboard/consents">${t(locale, 'nav_consents')}</a></p>`,
      dashboardNav(locale, 'move'),
    );
  });
}
