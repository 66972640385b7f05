/**
 * The City employee's case list: every application with its status (waiting for consents,
 * consented, fee decided, consent withdrawn, declined or ended), who still has to consent and
 * the fee, filtered by status. The demo has no staff identity provider, so the list is behind
 * the configured staff token (`demo.fee_service.staff_token`): entered once on a sign-in form,
 * it opens a session kept in memory (an HttpOnly, SameSite=Strict cookie; sign-out needs the
 * session's CSRF token). Without a configured token the list is off.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { html, type SafeHtml } from '../../web/html.ts';
import { listOf, type Locale } from '../../web/i18n.ts';
import { localTime } from '../../web/local-time.ts';
import { guardianName } from './application.view.ts';
import type { Application, ApplicationBook } from './applications.ts';
import { CASE_STATUSES, caseStatus, stillToConsent, type CaseStatus } from './case-status.ts';
import { eur, ft, ftn, requestCookie } from './fee-i18n.ts';
import { sendFeePage } from './fee-layout.ts';
import { CASE_STATUS_LABELS } from './fee-messages.data.ts';

const COOKIE = 'fee_staff';
const ListQuery = Type.Object({ status: Type.Optional(Type.String()), lang: Type.Optional(Type.String()) });
const TokenForm = Type.Object({ token: Type.Optional(Type.String()) });
const CsrfForm = Type.Object({ _csrf: Type.Optional(Type.String()) });

const same = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The applications shown for a filter (all when `status` is none of the case statuses), newest first. */
export function casesFor(applications: Iterable<Application>, status: string | undefined): Application[] {
  const wanted = CASE_STATUSES.find((s) => s === status);
  return [...applications].filter((a) => !wanted || caseStatus(a) === wanted).sort((x, y) => y.created_at.localeCompare(x.created_at));
}

/** Registers `/staff` (sign-in form or case list), `/staff/sign-in` and `/staff/sign-out`. */
export function registerCaseList(app: FastifyInstance, book: ApplicationBook, staffToken: string | undefined): void {
  const sessions = new Map<string, string>();
  const sessionOf = (request: FastifyRequest) => {
    const id = requestCookie(request, COOKIE);
    const csrf = id ? sessions.get(id) : undefined;
    return id && csrf ? { id, csrf } : undefined;
  };
  const title = (l: Locale) => ft(l, 'staff_title');
  const signInPage = (request: FastifyRequest, reply: FastifyReply, wrong = false) =>
    sendFeePage(request, reply, title, (l) => signInForm(l, wrong));
  app.register(async (plain) => {
    await plain.register(formbody);
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();

    scope.get('/staff', { schema: { querystring: ListQuery } }, async (request, reply) => {
      if (!staffToken) return sendFeePage(request, reply.code(503), title, (l) => html`<p>${ft(l, 'staff_disabled')}</p>`);
      const session = sessionOf(request);
      if (!session) return signInPage(request, reply);
      const live = [...book.applications.values()].filter((a) => a.status !== 'paper_process');
      await Promise.all(live.map((a) => book.refresh(a.application_id)));
      const shown = casesFor(book.applications.values(), request.query.status);
      return sendFeePage(request, reply, title, (l) => caseList(shown, request.query.status, l, session.csrf));
    });
    scope.post('/staff/sign-in', { schema: { body: TokenForm } }, async (request, reply) => {
      if (!staffToken || !same(request.body.token ?? '', staffToken)) return signInPage(request, reply.code(401), true);
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, randomBytes(24).toString('base64url'));
      reply.header('set-cookie', `${COOKIE}=${id}; Path=/staff; HttpOnly; SameSite=Strict`);
      return reply.redirect('/staff', 303);
    });
    scope.post('/staff/sign-out', { schema: { body: CsrfForm } }, async (request, reply) => {
      const session = sessionOf(request);
      if (session && same(request.body._csrf ?? '', session.csrf)) sessions.delete(session.id);
      reply.header('set-cookie', `${COOKIE}=; Path=/staff; HttpOnly; SameSite=Strict; Max-Age=0`);
      return reply.redirect('/staff', 303);
    });
  });
}

function signInForm(locale: Locale, wrong: boolean): SafeHtml {
  return html`<p>${ft(locale, 'staff_sign_in_note')}</p>
    ${wrong ? html`<p class="notice" role="alert">${ft(locale, 'staff_wrong_token')}</p>` : ''}
    <form method="post" action="/staff/sign-in">
      <label for="token">${ft(locale, 'staff_token')}</label>
      <input id="token" name="token" type="password" autocomplete="off" required />
      <p><button type="submit">${ft(locale, 'sign_in')}</button></p>
    </form>`;
}

function filterForm(status: string | undefined, locale: Locale): SafeHtml {
  const option = (value: CaseStatus | '', label: string) =>
    html`<option value="${value}" ${value === (status ?? '') ? html`selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/staff">
    <label for="status">${ft(locale, 'filter')}</label>
    <select id="status" name="status">
      ${option('', ft(locale, 'filter_all'))} ${CASE_STATUSES.map((s) => option(s, CASE_STATUS_LABELS[s][locale]))}
    </select>
    <button type="submit">${ft(locale, 'apply_filter')}</button>
  </form>`;
}

function caseRow(a: Application, locale: Locale): SafeHtml {
  const status = caseStatus(a);
  const waiting = stillToConsent(a).map((g) => guardianName(a, g.personal_identity_code, locale));
  const fee =
    a.monthly_fee_eur === undefined
      ? ft(locale, 'nobody')
      : ft(locale, a.fee_basis === 'maximum' ? 'per_month_maximum' : 'per_month', { fee: eur(a.monthly_fee_eur, locale) });
  return html`<tr data-status="${status}">
    <td>${localTime(a.created_at, locale)}</td>
    <td>${a.child}</td>
    <td class="status">${CASE_STATUS_LABELS[status][locale]}</td>
    <td>${waiting.length > 0 ? listOf(locale, waiting) : ft(locale, 'nobody')}</td>
    <td>${fee}</td>
    <td>
      <a href="/applications/${a.application_id}/view">${ft(locale, 'open')}<span class="skip"> ${a.child}</span></a>
    </td>
  </tr>`;
}

function caseList(shown: Application[], status: string | undefined, locale: Locale, csrf: string): SafeHtml {
  const headers = ['filed', 'child', 'status', 'still_to_consent', 'fee', 'application_title'] as const;
  return html`${filterForm(status, locale)}
    <p role="status">${ftn(locale, 'applications', shown.length)}</p>
    <div class="scroll" role="region" tabindex="0" aria-label="${ft(locale, 'staff_title')}">
      <table>
        <thead>
          <tr>
            ${headers.map((k) => html`<th scope="col">${ft(locale, k)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${shown.map((a) => caseRow(a, locale))}
        </tbody>
      </table>
    </div>
    <form method="post" action="/staff/sign-out">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <p><button type="submit">${ft(locale, 'sign_out')}</button></p>
    </form>`;
}
