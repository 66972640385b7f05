/**
 * The interactive authorization (PAR + authorize): oidc-provider hands the browser to
 * `/interaction/:uid`; the signed-in citizen sees the service, purpose, lawful basis,
 * retention and each attribute, unticks optional ones and approves or declines. An
 * approval creates an active consent record and puts its id into the grant's details.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Interaction } from 'oidc-provider';
import { Type } from 'typebox';
import { attrKey } from '../../core/consent.ts';
import { ProblemError } from '../../shared/errors.ts';
import { pick, t } from '../../web/i18n.ts';
import type { Accounts } from '../accounts/accounts.ts';
import { formSession, type AskAgain, type Session, type Sessions } from '../accounts/sessions.ts';
import { formList, FormList, type WebContext } from '../citizen/web-context.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import type { AuthorizationServer, PersonalDataAccessDetail } from './authorization-server.ts';
import { renderConsentPrompt } from './consent-prompt.page.ts';
import { promptTerms, type ConsentPromptItem, type ConsentPromptView } from './consent-prompt.view.ts';

/** What the interaction pages use. */
export interface InteractionDeps {
  as: AuthorizationServer;
  sessions: Sessions;
  accounts: Accounts;
  consents: ConsentService;
  registry: Registry;
  web: WebContext;
}

const InteractionParams = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
/** A decision asked again (after a sign-in or a stale form): the optional items already ticked, and why. */
const PromptQuery = Type.Object({ choices: Type.Optional(FormList), again: Type.Optional(Type.Enum(['signed_in', 'stale'])) });
const ConsentForm = Type.Object({
  _csrf: Type.String(),
  decision: Type.Enum(['approve', 'decline']),
  choices: Type.Optional(FormList),
});

/** Each requested source of the interaction with the purposes the service's agreement gives it. */
async function prepare(deps: InteractionDeps, details: Interaction): Promise<ConsentPromptItem[]> {
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

/** Records a consent per requested source (with the chosen optional attributes) and saves the grant naming them. */
async function grantConsents(
  deps: InteractionDeps,
  session: Session & { accountId: string },
  details: Interaction,
  { chosen, language }: { chosen: Set<string>; language: string },
) {
  const provider = deps.as.current;
  const clientId = String(details.params.client_id);
  const identifiers = await deps.accounts.identifiers(session.accountId);
  const grant = new provider.Grant({ accountId: session.accountId, clientId });
  for (const p of await prepare(deps, details)) {
    const id = identifiers.find((i) => i.identifier_type === p.identifierType);
    if (!id) throw new ProblemError(409, 'conflict', 'your identity carries no identifier this source uses; link one in your keychain');
    const items = p.purposes.flatMap((x) => x.pii_information);
    const choices = items.filter((i) => i.pii_optional && chosen.has(attrKey(i))).map(attrKey);
    const record = await deps.consents.createInteractive(clientId, session.accountId, id, p.purposes, choices, {
      validity: p.validity,
      language,
    });
    const datatypes = items.filter((i) => !i.pii_optional || chosen.has(attrKey(i))).map((i) => i.pii_attribute_id);
    grant.addRar({
      ...p.detail,
      actions: ['read'],
      datatypes,
      legal_basis: p.purposes[0]!.lawful_basis,
      consent_record_id: record.record_id,
    } as never);
  }
  return grant.save();
}

/** Registers the interaction page and its decision. */
export function registerInteractionRoutes(app: FastifyInstance, deps: InteractionDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/interaction/:uid', { schema: { hide: true, params: InteractionParams, querystring: PromptQuery } }, async (request, reply) => {
    const { uid } = request.params;
    const details = await deps.as.current.interactionDetails(request.raw, reply.raw).catch(() => {
      throw new ProblemError(400, 'bad_request', 'this sign-in link has expired; start again from the service');
    });
    const session = await deps.sessions.get(request);
    if (!session?.accountId) return reply.redirect(`/signin?return_to=${encodeURIComponent(request.url)}`, 303);
    // the login step, or a consent step of another person's authorization-server session in this
    // browser: the provider then ends that session and starts again as the signed-in citizen
    if (details.prompt.name === 'login' || (details.session?.accountId && details.session.accountId !== session.accountId)) {
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
    const items = await prepare(deps, details);
    const title = t(locale, 'consent_request_title', { service: pick(items[0]?.service.name, locale) });
    const { again } = request.query;
    const view: ConsentPromptView = {
      uid,
      csrf: session.data.csrf,
      terms: items.map((p) => promptTerms(p, locale)),
      chosen: new Set(formList(request.query.choices)),
      ...(again ? { notice: again === 'stale' ? 'stale_form_notice' : 'confirm_decision_intro' } : {}),
    };
    return deps.web.send(reply, request, session, title, renderConsentPrompt(view, locale));
  });

  r.post('/interaction/:uid', { schema: { hide: true, params: InteractionParams, body: ConsentForm } }, async (request, reply) => {
    const again = (why: AskAgain) => {
      const query = new URLSearchParams([...formList(request.body.choices).map((c) => ['choices', c]), ['again', why]]);
      return `/interaction/${request.params.uid}?${query}`;
    };
    const session = await formSession(deps.sessions, request, reply, again);
    if (!session) return reply;
    const details = await deps.as.current.interactionDetails(request.raw, reply.raw);
    if (details.prompt.name !== 'consent') throw new ProblemError(400, 'bad_request', 'this step is not a consent step');
    const provider = deps.as.current;
    if (request.body.decision === 'decline') {
      reply.hijack();
      await provider.interactionFinished(
        request.raw,
        reply.raw,
        { error: 'access_denied', error_description: 'the person declined' },
        { mergeWithLastSubmission: false },
      );
      return reply;
    }
    const chosen = new Set(formList(request.body.choices));
    const grantId = await grantConsents(deps, session, details, { chosen, language: deps.web.locale(request, session) });
    reply.hijack();
    await provider.interactionFinished(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return reply;
  });
}
