/**
 * Mandates for the citizen: a JSON API (list, give, end, act for the grantor; refusals are
 * 403 problem+json) and the dashboard page with its forms (refusals are the operator's
 * localized error page). Every change is CSRF-checked.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../shared/errors.ts';
import { pick, t } from '../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import { sourceLabels } from '../citizen/view-models.ts';
import { dashboardNav, formList, FormList, type WebContext } from '../citizen/web-context.ts';
import { MAX_MANDATE_MS } from './mandate-scope.ts';
import { renderMandates } from './mandates.page.ts';
import { Mandates, type DelegateAct, type MandateProblem, type MandatesOptions } from './mandates.ts';
import type { MandatesPageView } from './mandates.view.ts';

/** What the mandate API and page use: the mandates' collaborators, sessions and the web context. */
export interface MandateRoutesDeps extends MandatesOptions {
  sessions: Sessions;
  web: WebContext;
}

interface Deps extends MandateRoutesDeps {
  mandates: Mandates;
}

const tags = ['citizen api'];
const MandateParams = Type.Object({ mandate_id: Type.String({ maxLength: 100 }) });
const ActParams = Type.Object({ mandate_id: Type.String({ maxLength: 100 }), record_id: Type.String({ maxLength: 100 }) });
const MandateBody = Type.Object(
  {
    delegate_name: Type.String({ minLength: 1, maxLength: 120 }),
    delegate_identifier: Type.String({ maxLength: 20 }),
    services: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
    valid_until: Type.String({ maxLength: 40 }),
  },
  { additionalProperties: false },
);
const ActBody = Type.Object(
  {
    approve: Type.Optional(Type.Boolean()),
    withdraw: Type.Optional(Type.Literal(true)),
    choices: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);
/** The dashboard's forms: every field may be missing (the service then says what is wrong). */
const GrantForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  delegate_name: Type.Optional(Type.String()),
  delegate_identifier: Type.Optional(Type.String()),
  services: Type.Optional(FormList),
  valid_until: Type.Optional(Type.String()),
});
const CsrfForm = Type.Object({ _csrf: Type.Optional(Type.String()) });
const ActForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  decision: Type.Optional(Type.String()),
  choices: Type.Optional(FormList),
});

/** The act a form or an API body asks for. */
function actOf(body: { approve?: boolean; withdraw?: true; decision?: string; choices?: string | string[] }): DelegateAct {
  if (body.withdraw || body.decision === 'withdraw') return { withdraw: true };
  return { approve: body.approve ?? body.decision === 'approve', choices: formList(body.choices) };
}

/** Registers the mandate API and page. */
export function registerMandateRoutes(app: FastifyInstance, deps: MandateRoutesDeps): Mandates {
  const mandates = new Mandates(deps);
  registerMandateApi(app, { ...deps, mandates });
  registerMandatePage(app, { ...deps, mandates });
  return mandates;
}

function registerMandateApi(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/citizen/api/mandates', { schema: { summary: 'Mandates I have given and live ones given to me', tags } }, async (request) => {
    const s = await deps.sessions.require(request);
    return { given: await deps.mandates.given(s.accountId), received: await deps.mandates.received(s.accountId) };
  });
  r.post(
    '/citizen/api/mandates',
    { schema: { summary: 'Give a mandate to a trusted person', tags, body: MandateBody } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return reply.code(201).send(await deps.mandates.grant(s.accountId, request.body));
    },
  );
  r.post(
    '/citizen/api/mandates/:mandate_id/end',
    { schema: { summary: 'End a mandate I have given', tags, params: MandateParams } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await deps.mandates.end(s.accountId, request.params.mandate_id);
      return reply.code(204).send();
    },
  );
  r.post(
    '/citizen/api/mandates/:mandate_id/consents/:record_id/decision',
    {
      schema: { summary: 'As a delegate: decide or withdraw for the person who gave the mandate', tags, params: ActParams, body: ActBody },
    },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return deps.mandates.act(s.accountId, request.params.mandate_id, request.params.record_id, actOf(request.body));
    },
  );
}

function registerMandatePage(app: FastifyInstance, deps: Deps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  async function page(request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }, problem?: MandateProblem) {
    const locale = web.locale(request, s);
    const services = (await deps.registry.services()).flatMap((e) =>
      e.kind === 'gateway' || typeof e.definition.name === 'string'
        ? []
        : [{ client_id: e.client_id, name: pick(e.definition.name, locale) }],
    );
    const names = new Map(services.map((x) => [x.client_id, x.name]));
    const now = Date.now();
    const view: MandatesPageView = {
      given: await deps.mandates.given(s.accountId, now),
      received: await deps.mandates.received(s.accountId, now),
      services,
      serviceName: (id) => names.get(id) ?? id,
      minDate: isoDay(now + 24 * 3600_000),
      maxDate: isoDay(now + MAX_MANDATE_MS - 24 * 3600_000),
      card: { locale, csrf: s.data.csrf, labels: sourceLabels(await deps.registry.sources()) },
      ...(problem ? { problem } : {}),
    };
    if (problem) reply.code(400);
    return web.send(reply, request, s, t(locale, 'nav_mandates'), renderMandates(view), dashboardNav(locale, 'mandates'));
  }

  r.get('/dashboard/mandates', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    return s ? page(request, reply, s) : reply;
  });
  r.post('/dashboard/mandates', { schema: { hide: true, body: GrantForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    const b = request.body;
    const until = b.valid_until && /^\d{4}-\d{2}-\d{2}$/.test(b.valid_until) ? `${b.valid_until}T23:59:59+02:00` : (b.valid_until ?? '');
    const input = { delegate_name: b.delegate_name ?? '', delegate_identifier: b.delegate_identifier ?? '', valid_until: until };
    try {
      await deps.mandates.grant(s.accountId, { ...input, services: formList(b.services) });
    } catch (err) {
      // a form filled in wrong: the page again, saying what to fix in the person's language
      const problem = err instanceof ProblemError ? (err.extensions.mandate_problem as MandateProblem | undefined) : undefined;
      if (problem) return page(request, reply, s, problem);
      throw err;
    }
    return reply.redirect('/dashboard/mandates', 303);
  });
  r.post(
    '/dashboard/mandates/:mandate_id/end',
    { schema: { hide: true, params: MandateParams, body: CsrfForm } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await deps.mandates.end(s.accountId, request.params.mandate_id);
      return reply.redirect('/dashboard/mandates', 303);
    },
  );
  r.post(
    '/dashboard/mandates/:mandate_id/records/:record_id',
    { schema: { hide: true, params: ActParams, body: ActForm } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await deps.mandates.act(s.accountId, request.params.mandate_id, request.params.record_id, actOf(request.body));
      return reply.redirect('/dashboard/mandates', 303);
    },
  );
}
