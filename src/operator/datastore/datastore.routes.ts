/**
 * "My data store": the citizen sees the documents their personal data store holds, with
 * who verified each and when, corrects the fields the depositor allows (the result is
 * marked corrected by the person), deletes documents, erases everything, and chooses
 * which aggregate services may include them. The operator calls the store for the citizen
 * with a short-lived signed assertion (`PdsClient`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../shared/errors.ts';
import { html } from '../../web/html.ts';
import { t } from '../../web/i18n.ts';
import type { Accounts } from '../accounts/accounts.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, type WebContext } from '../citizen/web-context.ts';
import { renderDatastore } from './datastore.page.ts';
import type { DatastoreView } from './datastore.view.ts';
import type { PdsClient } from './pds-client.ts';

/** What the data store pages use; without `pds` the operator has no data store. */
export interface DatastoreDeps {
  sessions: Sessions;
  accounts: Accounts;
  web: WebContext;
  pds?: PdsClient | undefined;
}

const Category = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const Csrf = Type.String();
/** The category and the corrected fields, each named by its JSON pointer. */
const CorrectForm = Type.Object(
  { _csrf: Csrf, category: Category },
  { maxProperties: 52, additionalProperties: Type.String({ maxLength: 500 }) },
);
const CategoryForm = Type.Object({ _csrf: Csrf, category: Category });
const EraseForm = Type.Object({ _csrf: Csrf });
const SharingForm = Type.Object({
  _csrf: Csrf,
  aggregate_services: Type.Optional(
    Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })]),
  ),
});

/** Registers the data store page and its forms. */
export function registerDatastoreRoutes(app: FastifyInstance, deps: DatastoreDeps): void {
  const { web, pds } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  async function page(request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }, saved = false) {
    const locale = web.locale(request, s);
    const send = (body: ReturnType<typeof html>) =>
      web.send(reply, request, s, t(locale, 'nav_datastore'), body, dashboardNav(locale, 'datastore'));
    if (!pds) return send(html`<p>${t(locale, 'datastore_not_configured')}</p>`);
    const meta = await pds.metadata();
    const { documents, sharing } = await pds.documents(await pds.identifierOf(await deps.accounts.identifiers(s.accountId)));
    const view: DatastoreView = { meta, documents, sharing, csrf: s.data.csrf, saved };
    return send(renderDatastore(view, locale));
  }

  /** The signed-in citizen of a form post (CSRF checked) and their identifier at the store. */
  async function citizen(request: FastifyRequest) {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    if (!pds) throw new ProblemError(404, 'not_found', 'this operator has no data store');
    return { s, pds, identifier: await pds.identifierOf(await deps.accounts.identifiers(s.accountId)) };
  }

  r.get('/dashboard/datastore', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    return page(request, reply, s);
  });

  r.post('/dashboard/datastore/correct', { schema: { hide: true, body: CorrectForm } }, async (request, reply) => {
    const { s, pds: client, identifier } = await citizen(request);
    const changes = Object.fromEntries(Object.entries(request.body).filter(([k]) => k.startsWith('/')));
    await client.correct(identifier, request.body.category, changes);
    return page(request, reply, s, true);
  });

  r.post('/dashboard/datastore/delete', { schema: { hide: true, body: CategoryForm } }, async (request, reply) => {
    const { pds: client, identifier } = await citizen(request);
    await client.remove(identifier, request.body.category);
    return reply.redirect('/dashboard/datastore', 303);
  });

  r.post('/dashboard/datastore/erase', { schema: { hide: true, body: EraseForm } }, async (request, reply) => {
    const { pds: client, identifier } = await citizen(request);
    await client.erase(identifier);
    return reply.redirect('/dashboard/datastore', 303);
  });

  r.post('/dashboard/datastore/sharing', { schema: { hide: true, body: SharingForm } }, async (request, reply) => {
    const { s, pds: client, identifier } = await citizen(request);
    const raw = request.body.aggregate_services ?? [];
    await client.setSharing(
      identifier,
      (Array.isArray(raw) ? raw : [raw]).filter((x) => x !== ''),
    );
    return page(request, reply, s, true);
  });
}
