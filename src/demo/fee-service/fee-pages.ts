/**
 * The Customer Fee Unit's pages for families, in Finnish, Swedish and English: an
 * application form that posts to the service's own JSON API, and the application page, which
 * asks the operators for the live records whenever it is looked at (so a withdrawal shows even
 * before its event arrives), reloads itself when a waiting application changes (`/version`), and
 * can re-read the incomes.
 */
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { html } from '../../web/html.ts';
import type { Locale } from '../../web/i18n.ts';
import { DEMO_RESIDENTS } from '../population/population.ts';
import { applicationVersion, applicationView, type FeeNames } from './application.view.ts';
import type { ApplicationBook } from './applications.ts';
import { ft } from './fee-i18n.ts';
import { sendErrorPage, sendFeePage } from './fee-layout.ts';

/** An operator a family can choose in the form, named in each language. */
export interface OperatorChoice {
  issuer: string;
  name: { fi: string; sv: string; en: string };
}

/** The form's fields, as the browser posts them (all strings; the JSON API checks them). */
const ApplyForm = Type.Object({
  child: Type.Optional(Type.String()),
  family_size: Type.Optional(Type.String()),
  name1: Type.Optional(Type.String()),
  guardian1: Type.Optional(Type.String()),
  operator1: Type.Optional(Type.String()),
  name2: Type.Optional(Type.String()),
  guardian2: Type.Optional(Type.String()),
  operator2: Type.Optional(Type.String()),
});

const ApplicationParams = Type.Object({ id: Type.String() });

/** Operators by display name in a language (the issuer when the service does not know it). */
export function operatorNames(operators: OperatorChoice[]): FeeNames {
  return { operator: (issuer, locale) => operators.find((o) => o.issuer === issuer)?.name[locale] ?? issuer };
}

/** Registers `/`, `/apply`, `/applications/:id/view` and `/applications/:id/recheck` on the service's app. */
export function registerFeePages(app: FastifyInstance, book: ApplicationBook, operators: OperatorChoice[]): void {
  const names = operatorNames(operators);
  app.register(async (plain) => {
    await plain.register(formbody);
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.get('/', async (request, reply) =>
      sendFeePage(
        request,
        reply,
        (l) => ft(l, 'form_title'),
        (l) => applicationForm(operators, l),
      ),
    );
    scope.post('/apply', { schema: { body: ApplyForm } }, async (request, reply) => {
      const f = request.body;
      const guardians = ([1, 2] as const)
        .map((i) => ({
          personal_identity_code: (f[`guardian${i}`] ?? '').trim(),
          operator: f[`operator${i}`] ?? '',
          ...(f[`name${i}`]?.trim() ? { name: f[`name${i}`]!.trim() } : {}),
        }))
        .filter((g) => g.personal_identity_code !== '');
      const res = await app.inject({
        method: 'POST',
        url: '/applications',
        payload: { child: (f.child ?? '').trim(), family_size: Number(f.family_size), guardians },
      });
      if (res.statusCode !== 201) return sendErrorPage(request, reply, 400, 'invalid_application');
      return reply.redirect(`/applications/${res.json<{ application_id: string }>().application_id}/view`, 303);
    });
    scope.get('/applications/:id/view', { schema: { params: ApplicationParams } }, async (request, reply) => {
      if (!book.applications.has(request.params.id)) return sendErrorPage(request, reply, 404, 'no_such_application');
      await book.refresh(request.params.id, 0);
      const a = book.applications.get(request.params.id)!;
      const refresh = a.status === 'waiting_for_consents' || a.status === 'reading_incomes';
      return sendFeePage(
        request,
        reply,
        (l) => ft(l, 'application_title'),
        (l) => applicationView(a, l, names, refresh),
        refresh,
      );
    });
    scope.get('/applications/:id/version', { schema: { params: ApplicationParams } }, async (request, reply) => {
      if (!book.applications.has(request.params.id)) return reply.code(404).send({ error: 'no such application' });
      await book.refresh(request.params.id);
      return { version: applicationVersion(book.applications.get(request.params.id)!) };
    });
    scope.post('/applications/:id/recheck', { schema: { params: ApplicationParams } }, async (request, reply) => {
      const a = book.applications.get(request.params.id);
      if (!a) return sendErrorPage(request, reply, 404, 'no_such_application');
      await book.refresh(a.application_id, 0);
      if (a.status === 'fee_decided' || a.status === 'reading_incomes') await book.readIncomes(a.application_id);
      return reply.redirect(`/applications/${a.application_id}/view`, 303);
    });
  });
}

function applicationForm(operators: OperatorChoice[], locale: Locale) {
  const select = (name: string, chosen: number) =>
    html`<select name="${name}" id="${name}">
      ${operators.map((op, i) => html`<option value="${op.issuer}" ${i === chosen ? html`selected` : ''}>${op.name[locale]}</option>`)}
    </select>`;
  const guardian = (i: 1 | 2, who: { name: string; personal_identity_code: string }) =>
    html`<fieldset>
      <legend>${ft(locale, 'guardian_n', { n: i })}</legend>
      <label for="name${i}">${ft(locale, 'guardian_name')}</label><input id="name${i}" name="name${i}" value="${who.name}" />
      <label for="guardian${i}">${ft(locale, i === 1 ? 'guardian_code' : 'guardian_code_optional')}</label
      ><input id="guardian${i}" name="guardian${i}" value="${who.personal_identity_code}" ${i === 1 ? html`required` : ''} />
      <label for="operator${i}">${ft(locale, 'operator')}</label>${select(`operator${i}`, Math.min(i - 1, operators.length - 1))}
    </fieldset>`;
  return html`<p>${ft(locale, 'form_intro')}</p>
    <form method="post" action="/apply">
      <label for="child">${ft(locale, 'child_code')}</label
      ><input id="child" name="child" value="${DEMO_RESIDENTS.eelis.personal_identity_code}" required />
      <label for="family_size">${ft(locale, 'family_size')}</label
      ><input id="family_size" name="family_size" type="number" min="2" max="20" value="3" required />
      ${guardian(1, DEMO_RESIDENTS.aino)} ${guardian(2, DEMO_RESIDENTS.mikko)}
      <p><button type="submit">${ft(locale, 'submit')}</button></p>
    </form>`;
}
