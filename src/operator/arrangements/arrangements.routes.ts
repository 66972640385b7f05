/**
 * Permission arrangements for the citizen: a JSON API (the ODRL `Set` of each rule) and
 * dashboard pages to list, create, edit and delete them. Plain forms, no JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { ArrangementRule } from '../../core/odrl.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, formList, FormList, type WebContext } from '../citizen/web-context.ts';
import type { Registry } from '../registry/registry.ts';
import { renderArrangementForm, renderArrangements } from './arrangements.page.ts';
import type { Arrangement, Arrangements } from './arrangements.ts';
import { arrangementCatalogue, type ArrangementFormView, type ArrangementListView } from './arrangements.view.ts';

/** What the arrangement API and pages use. */
export interface ArrangementRoutesDeps {
  sessions: Sessions;
  arrangements: Arrangements;
  registry: Registry;
  web: WebContext;
  /** The trust group this operator is in (its `group_id` and display names), if any. */
  trustGroup: () => { id: string; name: { fi: string; sv: string; en: string } } | undefined;
}

const tags = ['citizen api'];
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const RuleSchema = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 120 }),
    purpose: Type.String({ maxLength: 300 }),
    service_kind: Type.Optional(Type.String({ maxLength: 64 })),
    trust_group: Type.Optional(Type.String({ maxLength: 200 })),
    recipients: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })),
    attributes: Type.Array(Type.String({ maxLength: 400 }), { minItems: 1, maxItems: 200 }),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
/** The dashboard's form: every field may be missing (the service then says what is wrong). */
const RuleForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  label: Type.Optional(Type.String()),
  purpose: Type.Optional(Type.String()),
  service_kind: Type.Optional(Type.String()),
  in_group: Type.Optional(Type.String()),
  attributes: Type.Optional(FormList),
  until: Type.Optional(Type.String()),
});

/** A form's values as a rule. */
function ruleFromForm(body: Static<typeof RuleForm>, groupId: string | undefined): ArrangementRule {
  const until = body.until ? `${body.until}T23:59:59+02:00` : undefined;
  return {
    label: body.label ?? '',
    purpose: body.purpose ?? '',
    attributes: formList(body.attributes),
    ...(body.service_kind ? { service_kind: body.service_kind } : {}),
    ...(body.in_group === 'yes' && groupId ? { trust_group: groupId } : {}),
    ...(until ? { until } : {}),
  };
}

/** Registers the arrangement API and pages. */
export function registerArrangementRoutes(app: FastifyInstance, deps: ArrangementRoutesDeps): void {
  registerArrangementApi(app, deps);
  registerArrangementPages(app, deps);
  registerArrangementForms(app, deps);
}

function registerArrangementApi(app: FastifyInstance, deps: ArrangementRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/citizen/api/arrangements',
    { schema: { summary: 'My permission arrangements (each an ODRL 2.2 Set)', tags } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.arrangements.list(s.accountId);
    },
  );
  r.post(
    '/citizen/api/arrangements',
    { schema: { summary: 'Create a permission arrangement', tags, body: RuleSchema } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return reply.code(201).send(await deps.arrangements.create(s.accountId, request.body));
    },
  );
  r.get('/citizen/api/arrangements/:id', { schema: { summary: 'One permission arrangement', tags, params: IdParams } }, async (request) => {
    const s = await deps.sessions.require(request);
    return deps.arrangements.get(s.accountId, request.params.id);
  });
  r.put(
    '/citizen/api/arrangements/:id',
    { schema: { summary: 'Change a permission arrangement', tags, params: IdParams, body: RuleSchema } },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return deps.arrangements.update(s.accountId, request.params.id, request.body);
    },
  );
  r.delete(
    '/citizen/api/arrangements/:id',
    { schema: { summary: 'Delete a permission arrangement', tags, params: IdParams } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await deps.arrangements.remove(s.accountId, request.params.id);
      return reply.code(204).send();
    },
  );
}

function registerArrangementPages(app: FastifyInstance, deps: ArrangementRoutesDeps): void {
  const { web } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  async function formView(locale: Locale, s: Session, current?: Arrangement): Promise<ArrangementFormView> {
    const catalogue = arrangementCatalogue(await deps.registry.sources(), await deps.registry.services(), locale);
    const group = deps.trustGroup();
    return {
      catalogue,
      csrf: s.data.csrf,
      ...(group ? { group: group.id, groupName: pick(group.name, locale) } : {}),
      ...(current ? { current } : {}),
    };
  }

  async function listPage(request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }) {
    const locale = web.locale(request, s);
    const form = await formView(locale, s);
    const view: ArrangementListView = { arrangements: await deps.arrangements.list(s.accountId), form };
    return web.send(
      reply,
      request,
      s,
      t(locale, 'nav_arrangements'),
      renderArrangements(view, locale),
      dashboardNav(locale, 'arrangements'),
    );
  }

  r.get('/dashboard/arrangements', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    return s ? listPage(request, reply, s) : reply;
  });

  r.get('/dashboard/arrangements/:id/edit', { schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const form = await formView(locale, s, await deps.arrangements.get(s.accountId, request.params.id));
    const body = renderArrangementForm(form, locale);
    return web.send(reply, request, s, t(locale, 'arrangement_edit_title'), body, dashboardNav(locale, 'arrangements'));
  });
}

function registerArrangementForms(app: FastifyInstance, deps: ArrangementRoutesDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/dashboard/arrangements', { schema: { hide: true, body: RuleForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.create(s.accountId, ruleFromForm(request.body, deps.trustGroup()?.id));
    return reply.redirect('/dashboard/arrangements', 303);
  });

  r.post('/dashboard/arrangements/:id', { schema: { hide: true, params: IdParams, body: RuleForm } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.update(s.accountId, request.params.id, ruleFromForm(request.body, deps.trustGroup()?.id));
    return reply.redirect('/dashboard/arrangements', 303);
  });

  r.post('/dashboard/arrangements/:id/delete', { schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.remove(s.accountId, request.params.id);
    return reply.redirect('/dashboard/arrangements', 303);
  });
}
