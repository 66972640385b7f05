/**
 * "My data store": the citizen sees the documents their personal data store holds, with
 * who verified each and when, corrects the fields the depositor allows (the result is
 * marked corrected by the person), deletes documents, erases everything, and chooses
 * which aggregate services may include them. The operator calls the store for the citizen
 * with a short-lived signed assertion (`PdsClient`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import type { Accounts } from '../accounts/accounts.ts';
import { dashboardNav } from './dashboard.routes.ts';
import { flatten } from './insight.ts';
import type { PdsClient, PdsMetadata } from './pds-client.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import type { WebContext } from './web-context.ts';
import type { CitizenDocument } from '../../pds/pds.service.ts';
import { ProblemError } from '../../shared/errors.ts';

export interface DatastoreDeps {
  sessions: Sessions;
  accounts: Accounts;
  web: WebContext;
  pds?: PdsClient;
}

function day(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleDateString(locale === 'en' ? 'en-GB' : `${locale}-FI`, { dateStyle: 'medium', timeZone: 'Europe/Helsinki' });
}

function renderDocument(d: CitizenDocument, meta: PdsMetadata, locale: Locale, csrf: string) {
  const category = meta.categories.find((c) => c.id === d.category);
  const depositor = pick(meta.depositors.find((x) => x.id === d.provenance.depositor)?.name, locale) || d.provenance.depositor;
  const label = (pointer: string) => Object.entries(category?.attributes ?? {}).find(([, p]) => p === pointer)?.[0] ?? pointer;
  const provenance =
    d.provenance.status === 'verified'
      ? t(locale, 'datastore_verified', { depositor, date: day(d.provenance.issued_at, locale) })
      : t(locale, 'datastore_corrected', { depositor, date: day(d.history[0]?.stored_at ?? d.provenance.issued_at, locale) });
  const id = `doc-${d.category}`;
  const csrfField = html`<input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="category" value="${d.category}" />`;
  return html`<section class="card" aria-labelledby="${id}">
    <h2 id="${id}">${pick(category?.label, locale) || d.category}</h2>
    <p class="provenance provenance-${d.provenance.status}">${provenance}</p>
    <table>
      <thead>
        <tr>
          <th scope="col">${t(locale, 'item')}</th>
          <th scope="col">${t(locale, 'value')}</th>
        </tr>
      </thead>
      <tbody>
        ${flatten(d.document).map(
          ([k, v]) =>
            html`<tr>
              <th scope="row">${k}</th>
              <td>${v}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p>${t(locale, 'datastore_versions', { n: d.history.length })}</p>
    ${
      d.correctable.length === 0
        ? html`<p>${t(locale, 'datastore_not_correctable')}</p>`
        : html`<form method="post" action="/dashboard/datastore/correct">
            <fieldset>
              <legend>${t(locale, 'datastore_correct_legend', { depositor })}</legend>
              ${csrfField}
              ${d.correctable.map((p, i) => {
                const current = flatten(pointerValue(d.document, p))[0]?.[1] ?? '';
                return html`<p>
                  <label for="${id}-f${i}">${label(p)}</label>
                  <input type="text" id="${id}-f${i}" name="${p}" value="${current === '—' ? '' : current}" maxlength="500" />
                </p>`;
              })} <button type="submit">${t(locale, 'datastore_correct')}</button>
            </fieldset>
          </form>`
    }
    <form method="post" action="/dashboard/datastore/delete">
      ${csrfField}<button type="submit" class="secondary">${t(locale, 'datastore_delete')}</button>
    </form>
  </section>`;
}

function pointerValue(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node ?? null;
}

export function registerDatastoreRoutes(app: FastifyInstance, deps: DatastoreDeps): void {
  const { web, pds } = deps;

  async function page(request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }, saved = false) {
    const locale = web.locale(request, s);
    const send = (body: ReturnType<typeof html>) =>
      web.send(reply, request, s, t(locale, 'nav_datastore'), body, dashboardNav(locale, 'datastore'));
    if (!pds) return send(html`<p>${t(locale, 'datastore_not_configured')}</p>`);
    const meta = await pds.metadata();
    const { documents, sharing } = await pds.documents(await pds.identifierOf(await deps.accounts.identifiers(s.accountId)));
    const kMin = Math.min(...meta.aggregate_services.map((a) => a.k_min), Infinity);
    const body = html`<p>${t(locale, 'datastore_intro')}</p>
      ${saved ? html`<p role="status">${t(locale, 'datastore_saved')}</p>` : ''}
      ${documents.length === 0 ? html`<p>${t(locale, 'datastore_empty')}</p>` : documents.map((d) => renderDocument(d, meta, locale, s.data.csrf))}
      ${
        documents.length > 0 && meta.aggregate_services.length > 0
          ? html`<section class="card" aria-labelledby="sharing-h">
              <h2 id="sharing-h">${t(locale, 'datastore_sharing_title')}</h2>
              <p>${t(locale, 'datastore_sharing_intro', { k: kMin })}</p>
              <form method="post" action="/dashboard/datastore/sharing">
                <input type="hidden" name="_csrf" value="${s.data.csrf}" /><input type="hidden" name="aggregate_services" value="" />
                ${meta.aggregate_services.map((a) => html`<label><input type="checkbox" name="aggregate_services" value="${a.id}" ${sharing.includes(a.id) ? html`checked` : ''} />${pick(a.name, locale)}</label>`)}
                <button type="submit">${t(locale, 'datastore_sharing_save')}</button>
              </form>
            </section>`
          : ''
      }
      ${documents.length > 0 ? html`<form method="post" action="/dashboard/datastore/erase"><input type="hidden" name="_csrf" value="${s.data.csrf}" /><button type="submit" class="secondary">${t(locale, 'datastore_erase')}</button></form>` : ''}`;
    return send(body);
  }

  async function citizen(request: FastifyRequest) {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    if (!pds) throw new ProblemError(404, 'not_found', 'this operator has no data store');
    return { s, pds, identifier: await pds.identifierOf(await deps.accounts.identifiers(s.accountId)) };
  }
  const category = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' };
  const form = (props: Record<string, unknown>, required: string[]) => ({
    hide: true,
    body: { type: 'object', required: ['_csrf', ...required], properties: { _csrf: { type: 'string' }, ...props } },
  });

  app.get('/dashboard/datastore', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedInOrRedirect(deps.sessions, request, reply);
    if (!s) return reply;
    return page(request, reply, s);
  });

  app.post(
    '/dashboard/datastore/correct',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          required: ['_csrf', 'category'],
          maxProperties: 52,
          properties: { _csrf: { type: 'string' }, category },
          additionalProperties: { type: 'string', maxLength: 500 },
        },
      },
    },
    async (request, reply) => {
      const { s, pds: client, identifier } = await citizen(request);
      const body = request.body as Record<string, string>;
      const changes = Object.fromEntries(Object.entries(body).filter(([k]) => k.startsWith('/')));
      await client.correct(identifier, body.category!, changes);
      return page(request, reply, s as Session & { accountId: string }, true);
    },
  );

  app.post('/dashboard/datastore/delete', { schema: form({ category }, ['category']) }, async (request, reply) => {
    const { pds: client, identifier } = await citizen(request);
    await client.remove(identifier, (request.body as { category: string }).category);
    return reply.redirect('/dashboard/datastore', 303);
  });

  app.post('/dashboard/datastore/erase', { schema: form({}, []) }, async (request, reply) => {
    const { pds: client, identifier } = await citizen(request);
    await client.erase(identifier);
    return reply.redirect('/dashboard/datastore', 303);
  });

  app.post(
    '/dashboard/datastore/sharing',
    {
      schema: form(
        {
          aggregate_services: {
            anyOf: [
              { type: 'string', maxLength: 64 },
              { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 64 } },
            ],
          },
        },
        [],
      ),
    },
    async (request, reply) => {
      const { s, pds: client, identifier } = await citizen(request);
      const raw = (request.body as { aggregate_services?: string | string[] }).aggregate_services ?? [];
      await client.setSharing(
        identifier,
        (Array.isArray(raw) ? raw : [raw]).filter((x) => x !== ''),
      );
      return page(request, reply, s as Session & { accountId: string }, true);
    },
  );
}
