/**
 * The interactive authorization (PAR + authorize): oidc-provider hands the browser to
 * `/interaction/:uid`; the signed-in citizen sees the service, purpose, lawful basis,
 * retention and each attribute, unticks optional ones and approves or declines. An
 * approval creates an active consent record and puts its id into the grant's details.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { attrKey, isConsentBasis, type Purpose } from '../../core/consent.ts';
import { ProblemError } from '../../shared/errors.ts';
import { html } from '../../web/html.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import type { AuthorizationServer, PersonalDataAccessDetail } from './authorization-server.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import { checkCsrf, type Sessions } from '../accounts/sessions.ts';
import type { WebContext } from '../citizen/web-context.ts';

export interface InteractionDeps {
  as: AuthorizationServer;
  sessions: Sessions;
  accounts: Accounts;
  consents: ConsentService;
  registry: Registry;
  web: WebContext;
}

interface Prepared {
  detail: PersonalDataAccessDetail;
  purposes: Purpose[];
  validity: string | null;
  service: ServiceDefinition;
  sourceName: { fi: string; sv: string; en: string };
  labels: Map<string, { fi: string; sv: string; en: string }>;
  identifierType: string;
}

export function registerInteractionRoutes(app: FastifyInstance, deps: InteractionDeps): void {
  async function prepare(details: Awaited<ReturnType<AuthorizationServer['current']['interactionDetails']>>): Promise<Prepared[]> {
    const rar = ((details.prompt.details as { rar?: unknown[] }).rar ?? []) as PersonalDataAccessDetail[];
    const clientId = String(details.params.client_id);
    return Promise.all(
      rar.map(async (detail) => {
        const source = await deps.registry.sourceByResource(detail.locations[0]!);
        if (!source) throw new ProblemError(400, 'bad_request', 'unknown source in the request');
        const { purposes, service, validity } = await deps.consents.purposesFor(
          clientId,
          detail.purpose!,
          detail.datatypes.map((id) => ({ source: source.id, id })),
        );
        return {
          detail,
          purposes,
          service,
          validity: validity ?? null,
          sourceName: source.name,
          labels: new Map(source.attributes.map((a) => [a.id, a.label])),
          identifierType: source.identifier_type,
        };
      }),
    );
  }

  const interactionPath = { type: 'object', properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } };

  app.get('/interaction/:uid', { schema: { hide: true, params: interactionPath } }, async (request, reply) => {
    const { uid } = request.params as { uid: string };
    const details = await deps.as.current.interactionDetails(request.raw, reply.raw).catch(() => {
      throw new ProblemError(400, 'bad_request', 'this sign-in link has expired; start again from the service');
    });
    const session = await deps.sessions.get(request);
    if (!session?.accountId) return reply.redirect(`/signin?return_to=${encodeURIComponent(`/interaction/${uid}`)}`, 303);
    if (details.prompt.name === 'login') {
      reply.hijack();
      await deps.as.current.interactionFinished(
        request.raw,
        reply.raw,
        { login: { accountId: session.accountId } },
        { mergeWithLastSubmission: false },
      );
      return reply;
    }
    const locale = deps.web.locale(request, session);
    const prepared = await prepare(details);
    return deps.web.send(
      reply,
      request,
      session,
      t(locale, 'consent_request_title', { service: pick(prepared[0]?.service.name, locale) }),
      consentForm(uid, prepared, locale, session.data.csrf),
    );
  });

  app.post(
    '/interaction/:uid',
    {
      schema: {
        hide: true,
        params: interactionPath,
        body: {
          type: 'object',
          required: ['decision', '_csrf'],
          properties: {
            _csrf: { type: 'string' },
            decision: { enum: ['approve', 'decline'] },
            choices: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          },
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const session = await deps.sessions.require(request);
      checkCsrf(request, session);
      const body = request.body as { decision: string; choices?: string | string[] };
      const details = await deps.as.current.interactionDetails(request.raw, reply.raw);
      if (details.prompt.name !== 'consent') throw new ProblemError(400, 'bad_request', 'this step is not a consent step');
      const provider = deps.as.current;
      if (body.decision === 'decline') {
        reply.hijack();
        await provider.interactionFinished(
          request.raw,
          reply.raw,
          { error: 'access_denied', error_description: 'the person declined' },
          { mergeWithLastSubmission: false },
        );
        return reply;
      }
      const chosen = new Set(body.choices === undefined ? [] : Array.isArray(body.choices) ? body.choices : [body.choices]);
      const identifiers = await deps.accounts.identifiers(session.accountId);
      const grant = new provider.Grant({ accountId: session.accountId, clientId: String(details.params.client_id) });
      for (const p of await prepare(details)) {
        const id = identifiers.find((i) => i.identifier_type === p.identifierType);
        if (!id) throw new ProblemError(409, 'conflict', 'your identity carries no identifier this source uses; link one in your keychain');
        const items = p.purposes.flatMap((x) => x.pii_information);
        const choices = items.filter((i) => i.pii_optional && chosen.has(attrKey(i))).map(attrKey);
        const record = await deps.consents.createInteractive(
          String(details.params.client_id),
          session.accountId,
          id,
          p.purposes,
          choices,
          p.validity,
        );
        const datatypes = items.filter((i) => !i.pii_optional || chosen.has(attrKey(i))).map((i) => i.pii_attribute_id);
        grant.addRar({
          ...p.detail,
          actions: ['read'],
          datatypes,
          legal_basis: p.purposes[0]!.lawful_basis,
          consent_record_id: record.record_id,
        } as never);
      }
      const grantId = await grant.save();
      reply.hijack();
      await provider.interactionFinished(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return reply;
    },
  );
}

function consentForm(uid: string, prepared: Prepared[], locale: Locale, csrf: string) {
  const service = prepared[0]?.service;
  return html` <p>
      ${service ? html`${t(locale, 'controller')}: <strong>${service.controller.name}</strong>. <a href="${service.privacy_notice}">${t(locale, 'privacy_notice')}</a>` : ''}
    </p>
    <form method="post" action="/interaction/${uid}">
      <input type="hidden" name="_csrf" value="${csrf}" />
      ${prepared.map((p) => {
        const def = p.service.purposes.find((x) => x.purpose === p.detail.purpose);
        const basis = p.purposes[0]!.lawful_basis;
        return html`<section class="card">
          <dl class="facts">
            <dt>${t(locale, 'purpose')}</dt>
            <dd>${pick(def?.label, locale)}</dd>
            <dt>${t(locale, 'lawful_basis')}</dt>
            <dd>${isConsentBasis(basis) ? t(locale, 'lawful_basis_consent') : t(locale, 'lawful_basis_other', { basis })}</dd>
            <dt>${t(locale, 'retention')}</dt>
            <dd>${p.purposes[0]!.retention_period}</dd>
            <dt>${t(locale, 'source')}</dt>
            <dd>${pick(p.sourceName, locale)}</dd>
          </dl>
          <fieldset>
            <legend>${t(locale, 'attributes')}</legend>
            ${p.purposes[0]!.pii_information.map((i) => {
              const label = pick(p.labels.get(i.pii_attribute_id), locale) || i.pii_attribute_id;
              return i.pii_optional
                ? html`<label
                    ><input type="checkbox" name="choices" value="${attrKey(i)}" checked /> ${label} (${t(locale, 'optional')})</label
                  >`
                : html`<label><input type="checkbox" checked disabled /> ${label} (${t(locale, 'required')})</label>`;
            })}
          </fieldset>
        </section>`;
      })}
      <div class="actions">
        <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
        <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
      </div>
    </form>`;
}
