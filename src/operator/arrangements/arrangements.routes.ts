/**
 * Permission arrangements for the citizen: a JSON API (the ODRL `Set` of each rule) and
 * dashboard pages to list, create, edit and delete them. Plain forms, no JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DPV_PURPOSES, purposeLabel as dpvPurposeLabel } from '../../core/dpv.ts';
import type { ArrangementRule } from '../../core/odrl.ts';
import { html } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import type { Arrangement, Arrangements } from './arrangements.ts';
import type { Registry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import { checkCsrf, signedInOrRedirect, type Session, type Sessions } from '../accounts/sessions.ts';
import { dashboardNav, type WebContext } from '../citizen/web-context.ts';

export interface ArrangementRoutesDeps {
  sessions: Sessions;
  arrangements: Arrangements;
  registry: Registry;
  web: WebContext;
  /** The trust group this operator is in (`group_id`), if any. */
  trustGroupId: () => string | undefined;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } };
const ruleSchema = {
  type: 'object',
  required: ['label', 'purpose', 'attributes'],
  additionalProperties: false,
  properties: {
    label: { type: 'string', minLength: 1, maxLength: 120 },
    purpose: { type: 'string', maxLength: 300 },
    service_kind: { type: 'string', maxLength: 64 },
    trust_group: { type: 'string', maxLength: 200 },
    recipients: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 200 } },
    attributes: { type: 'array', minItems: 1, maxItems: 200, items: { type: 'string', maxLength: 400 } },
    until: { type: 'string', format: 'date-time' },
  },
};

/** A form's values as a rule (checkbox lists arrive as a string or an array). */
function ruleFromForm(body: Record<string, unknown>, groupId: string | undefined): ArrangementRule {
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  const until = typeof body.until === 'string' && body.until !== '' ? `${body.until}T23:59:59+02:00` : undefined;
  return {
    label: String(body.label ?? ''),
    purpose: String(body.purpose ?? ''),
    attributes: list(body.attributes),
    ...(typeof body.service_kind === 'string' && body.service_kind !== '' ? { service_kind: body.service_kind } : {}),
    ...(body.in_group === 'yes' && groupId ? { trust_group: groupId } : {}),
    ...(until ? { until } : {}),
  };
}

export function registerArrangementRoutes(app: FastifyInstance, deps: ArrangementRoutesDeps): void {
  const tags = ['citizen api'];
  const { web } = deps;

  app.get(
    '/citizen/api/arrangements',
    { schema: { summary: 'My permission arrangements (each an ODRL 2.2 Set)', tags } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.arrangements.list(s.accountId);
    },
  );
  app.post(
    '/citizen/api/arrangements',
    { schema: { summary: 'Create a permission arrangement', tags, body: ruleSchema } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return reply.code(201).send(await deps.arrangements.create(s.accountId, request.body as ArrangementRule));
    },
  );
  app.get(
    '/citizen/api/arrangements/:id',
    { schema: { summary: 'One permission arrangement', tags, params: idParams } },
    async (request) => {
      const s = await deps.sessions.require(request);
      return deps.arrangements.get(s.accountId, (request.params as { id: string }).id);
    },
  );
  app.put(
    '/citizen/api/arrangements/:id',
    { schema: { summary: 'Change a permission arrangement', tags, params: idParams, body: ruleSchema } },
    async (request) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      return deps.arrangements.update(s.accountId, (request.params as { id: string }).id, request.body as ArrangementRule);
    },
  );
  app.delete(
    '/citizen/api/arrangements/:id',
    { schema: { summary: 'Delete a permission arrangement', tags, params: idParams } },
    async (request, reply) => {
      const s = await deps.sessions.require(request);
      checkCsrf(request, s);
      await deps.arrangements.remove(s.accountId, (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  // ---- dashboard pages ------------------------------------------------------------------

  const signedIn = (request: FastifyRequest, reply: FastifyReply) => signedInOrRedirect(deps.sessions, request, reply);

  async function catalogue(locale: Locale) {
    const sources = await deps.registry.sources();
    const services = await deps.registry.services();
    const kinds = [...new Set(services.filter((x) => x.kind !== 'gateway').map((x) => (x.definition as ServiceDefinition).kind))].sort();
    const purposeLabel = (iri: string) => dpvPurposeLabel(iri, locale);
    // registry kinds are lower-case ids (`public_service`, `commercial`): other kinds show as they are
    const kindLabel = (k: string) => (k === 'public_service' ? t(locale, 'kind_public_service') : k);
    const attributeLabel = (key: string) => {
      const [resource, id] = [key.slice(0, key.lastIndexOf('#')), key.slice(key.lastIndexOf('#') + 1)];
      const src = sources.find((x) => x.resource === resource);
      return `${pick(src?.attributes.find((a) => a.id === id)?.label, locale) || id} (${pick(src?.name, locale) || resource})`;
    };
    return { sources, kinds, purposeLabel, kindLabel, attributeLabel };
  }

  async function form(locale: Locale, csrf: string, current?: Arrangement) {
    const c = await catalogue(locale);
    const rule = current?.rule;
    const group = deps.trustGroupId();
    const action = current ? `/dashboard/arrangements/${encodeURIComponent(current.arrangement_id)}` : '/dashboard/arrangements';
    return html`<form method="post" action="${action}" class="card">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <p>
        <label
          >${t(locale, 'arrangement_name')}<br /><input type="text" name="label" required maxlength="120" value="${rule?.label ?? ''}"
        /></label>
      </p>
      <p>
        <label
          >${t(locale, 'arrangement_purpose')}<br /><select name="purpose">
            ${DPV_PURPOSES.map((p) => html`<option value="${p}" ${(rule?.purpose ?? 'https://w3id.org/dpv#ServiceProvision') === p ? 'selected' : ''}>${c.purposeLabel(p)}</option>`)}
          </select></label
        >
      </p>
      <p>
        <label
          >${t(locale, 'arrangement_kind')}<br /><select name="service_kind">
            <option value="">${t(locale, 'any_kind')}</option>
            ${c.kinds.map((k) => html`<option value="${k}" ${rule?.service_kind === k ? 'selected' : ''}>${c.kindLabel(k)}</option>`)}
          </select></label
        >
      </p>
      ${
        group
          ? html`<p>
              <label
                ><input type="checkbox" name="in_group" value="yes" ${!rule || rule.trust_group ? 'checked' : ''} />
                ${t(locale, 'arrangement_group', { group })}</label
              >
            </p>`
          : ''
      }
      ${c.sources.map(
        (src) =>
          html`<fieldset>
            <legend>${t(locale, 'arrangement_attributes')} – ${pick(src.name, locale)}</legend>
            ${src.attributes.map((a) => {
              const key = `${src.resource}#${a.id}`;
              return html`<label
                ><input type="checkbox" name="attributes" value="${key}" ${rule?.attributes.includes(key) ? 'checked' : ''} />
                ${pick(a.label, locale)}</label
              > `;
            })}
          </fieldset>`,
      )}
      <p>
        <label
          >${t(locale, 'arrangement_until')}<br /><input type="date" name="until" value="${rule?.until ? rule.until.slice(0, 10) : ''}"
        /></label>
      </p>
      <div class="actions"><button type="submit">${t(locale, 'arrangement_save')}</button></div>
    </form>`;
  }

  async function listPage(request: FastifyRequest, reply: FastifyReply, s: Session & { accountId: string }) {
    const locale = web.locale(request, s);
    const c = await catalogue(locale);
    const list = await deps.arrangements.list(s.accountId);
    const body = html`<p>${t(locale, 'arrangements_intro')}</p>
      ${list.length === 0 ? html`<p>${t(locale, 'no_arrangements')}</p>` : ''}
      ${list.map((a) => {
        const id = encodeURIComponent(a.arrangement_id);
        return html`<article class="card" aria-labelledby="a-${id}">
          <h2 id="a-${id}">${a.label}</h2>
          <dl class="facts">
            <dt>${t(locale, 'purpose')}</dt>
            <dd>${c.purposeLabel(a.rule.purpose)}</dd>
            <dt>${t(locale, 'arrangement_kind')}</dt>
            <dd>${a.rule.service_kind ? c.kindLabel(a.rule.service_kind) : t(locale, 'any_kind')}</dd>
            ${
              a.rule.trust_group
                ? html`<dt>${t(locale, 'trust_group_label')}</dt>
                    <dd>${a.rule.trust_group}</dd>`
                : ''
            }
            <dt>${t(locale, 'expires')}</dt>
            <dd>
              ${a.rule.until ? new Date(a.rule.until).toLocaleDateString(locale === 'en' ? 'en-GB' : `${locale}-FI`, { timeZone: 'Europe/Helsinki' }) : t(locale, 'no_end')}
            </dd>
          </dl>
          <h3>${t(locale, 'arrangement_attributes')}</h3>
          <ul>
            ${a.rule.attributes.map((k) => html`<li>${c.attributeLabel(k)}</li>`)}
          </ul>
          <details>
            <summary>${t(locale, 'arrangement_policy')}</summary>
            <pre>${JSON.stringify(a.policy, null, 2)}</pre>
          </details>
          <div class="actions">
            <a class="button secondary" href="/dashboard/arrangements/${id}/edit">${t(locale, 'arrangement_edit')}</a>
            <form method="post" action="/dashboard/arrangements/${id}/delete">
              <input type="hidden" name="_csrf" value="${s.data.csrf}" /><button type="submit" class="danger">
                ${t(locale, 'arrangement_delete')}
              </button>
            </form>
          </div>
        </article>`;
      })}
      <h2>${t(locale, 'arrangement_new')}</h2>
      ${await form(locale, s.data.csrf)}`;
    return web.send(reply, request, s, t(locale, 'nav_arrangements'), body, dashboardNav(locale, 'arrangements'));
  }

  app.get('/dashboard/arrangements', { schema: { hide: true } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    return s ? listPage(request, reply, s) : reply;
  });

  app.get('/dashboard/arrangements/:id/edit', { schema: { hide: true, params: idParams } }, async (request, reply) => {
    const s = await signedIn(request, reply);
    if (!s) return reply;
    const locale = web.locale(request, s);
    const current = await deps.arrangements.get(s.accountId, (request.params as { id: string }).id);
    return web.send(
      reply,
      request,
      s,
      t(locale, 'arrangement_edit_title'),
      await form(locale, s.data.csrf, current),
      dashboardNav(locale, 'arrangements'),
    );
  });

  app.post('/dashboard/arrangements', { schema: { hide: true } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.create(s.accountId, ruleFromForm(request.body as Record<string, unknown>, deps.trustGroupId()));
    return reply.redirect('/dashboard/arrangements', 303);
  });

  app.post('/dashboard/arrangements/:id', { schema: { hide: true, params: idParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.update(
      s.accountId,
      (request.params as { id: string }).id,
      ruleFromForm(request.body as Record<string, unknown>, deps.trustGroupId()),
    );
    return reply.redirect('/dashboard/arrangements', 303);
  });

  app.post('/dashboard/arrangements/:id/delete', { schema: { hide: true, params: idParams } }, async (request, reply) => {
    const s = await deps.sessions.require(request);
    checkCsrf(request, s);
    await deps.arrangements.remove(s.accountId, (request.params as { id: string }).id);
    return reply.redirect('/dashboard/arrangements', 303);
  });
}
