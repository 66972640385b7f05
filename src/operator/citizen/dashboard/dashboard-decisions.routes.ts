/**
 * Deciding a request and withdrawing a consent from the dashboard's cards, and the same two
 * actions asked again: when the session has ended or the form is stale, the post does nothing
 * and the browser comes to `GET` the same address (after signing in again, if it must), which
 * shows the card with the form's choices kept and a fresh CSRF token to confirm with.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formSession, signedInOrRedirect, type AskAgain } from '../../accounts/sessions.ts';
import type { DashboardDeps } from './dashboard.routes.ts';
import { askAgainTitle, renderAskAgain } from '../pages/ask-again.page.ts';
import { sourceLabels, type AskAgainView } from '../view-models.ts';
import { dashboardNav, formList, FormList } from '../web-context.ts';

const RecordParams = Type.Object({ record_id: Type.String({ maxLength: 100 }) });
const PartyId = Type.String({ maxLength: 64 });
const DecisionForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  decision: Type.Optional(Type.String()),
  choices: Type.Optional(FormList),
  party_id: Type.Optional(Type.String()),
});
const WithdrawForm = Type.Object({ _csrf: Type.Optional(Type.String()), party_id: Type.Optional(Type.String()) });
const AskAgainQuery = Type.Object({
  choices: Type.Optional(FormList),
  party_id: Type.Optional(PartyId),
  again: Type.Optional(Type.Enum(['signed_in', 'stale'])),
});

/** The address that asks a card's action again, with the lost form's choices. */
function askAgainUrl(path: string, why: AskAgain, form: { choices?: string | string[] | undefined; party_id?: string | undefined }) {
  const query = new URLSearchParams(formList(form.choices).map((c) => ['choices', c]));
  if (form.party_id) query.set('party_id', form.party_id);
  query.set('again', why);
  return `${path}?${query}`;
}

/** Registers the decision and withdrawal posts and their pages asking them again. */
export function registerDecisionRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const requestPath = (id: string) => `/dashboard/requests/${encodeURIComponent(id)}`;
  const withdrawPath = (id: string) => `/dashboard/consents/${encodeURIComponent(id)}/withdraw`;

  r.post('/dashboard/requests/:record_id', { schema: { hide: true, params: RecordParams, body: DecisionForm } }, async (request, reply) => {
    const body = request.body;
    const s = await formSession(deps.sessions, request, reply, (why) => askAgainUrl(requestPath(request.params.record_id), why, body));
    if (!s) return reply;
    await deps.citizens.decide(s.accountId, request.params.record_id, {
      approve: body.decision === 'approve',
      choices: formList(body.choices),
      ...(body.party_id ? { party_id: body.party_id } : {}),
    });
    return reply.redirect('/dashboard/consents', 303);
  });

  r.post(
    '/dashboard/consents/:record_id/withdraw',
    { schema: { hide: true, params: RecordParams, body: WithdrawForm } },
    async (request, reply) => {
      const path = withdrawPath(request.params.record_id);
      const s = await formSession(deps.sessions, request, reply, (why) => askAgainUrl(path, why, request.body));
      if (!s) return reply;
      await deps.citizens.withdraw(s.accountId, request.params.record_id, request.body.party_id || undefined);
      return reply.redirect('/dashboard/consents', 303);
    },
  );

  for (const [path, action] of [
    ['/dashboard/requests/:record_id', 'decide'],
    ['/dashboard/consents/:record_id/withdraw', 'withdraw'],
  ] as const) {
    r.get(path, { schema: { hide: true, params: RecordParams, querystring: AskAgainQuery } }, async (request, reply) => {
      const s = await signedInOrRedirect(deps.sessions, request, reply);
      if (!s) return reply;
      const locale = deps.web.locale(request, s);
      const view: AskAgainView = {
        record: await deps.citizens.record(s.accountId, request.params.record_id),
        action,
        why: request.query.again ?? null,
        chosen: new Set(formList(request.query.choices)),
      };
      const ctx = { locale, csrf: s.data.csrf, labels: sourceLabels(await deps.registry.sources()) };
      const nav = dashboardNav(locale, action === 'decide' ? 'requests' : 'consents');
      return deps.web.send(reply, request, s, askAgainTitle(view, locale), renderAskAgain(view, ctx), nav);
    });
  }
}
