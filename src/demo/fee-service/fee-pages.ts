/**
 * The Customer Fee Unit's small pages for people clicking through the demo (`npm start`):
 * an application form that posts to the service's own JSON API, and a status page that
 * refreshes itself while the application waits for consents or reads incomes.
 */
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { html, type SafeHtml } from '../../web/html.ts';
import { DEMO_RESIDENTS } from '../population/population.ts';
import type { Application, ApplicationBook } from './applications.ts';

/** An operator a family can choose in the form. */
export interface OperatorChoice {
  issuer: string;
  name: string;
}

const STYLE = [
  'body{font:1.125rem/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}',
  'label{display:block;margin:.6rem 0}',
  'input,select{font:inherit;padding:.3rem;min-height:40px}',
  'button{font:inherit;min-height:44px;padding:.5rem 1.2rem}',
  'table{border-collapse:collapse}',
  'td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}',
  '.notice{background:#fff8e1;padding:.6rem 1rem;border-left:4px solid #f5a623}',
].join('');

/** The form's fields, as the browser posts them (all strings; the JSON API checks them). */
const ApplyForm = Type.Object({
  child: Type.Optional(Type.String()),
  family_size: Type.Optional(Type.String()),
  guardian1: Type.Optional(Type.String()),
  operator1: Type.Optional(Type.String()),
  guardian2: Type.Optional(Type.String()),
  operator2: Type.Optional(Type.String()),
});

const ApplicationParams = Type.Object({ id: Type.String() });

/** Registers `/`, `/apply` and `/applications/:id/view` on the service's app. */
export function registerFeePages(app: FastifyInstance, book: ApplicationBook, operators: OperatorChoice[]): void {
  app.register(async (plain) => {
    await plain.register(formbody);
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.get('/', async (_request, reply) => sendPage(reply, 'Reduced daycare fee', applicationForm(operators)));
    scope.post('/apply', { schema: { body: ApplyForm } }, async (request, reply) => {
      const f = request.body;
      const guardians = ([1, 2] as const)
        .map((i) => ({ personal_identity_code: (f[`guardian${i}`] ?? '').trim(), operator: f[`operator${i}`] ?? '' }))
        .filter((g) => g.personal_identity_code !== '');
      const res = await app.inject({
        method: 'POST',
        url: '/applications',
        payload: { child: (f.child ?? '').trim(), family_size: Number(f.family_size), guardians },
      });
      if (res.statusCode !== 201) {
        const reason = res.json<{ message?: string }>().message ?? 'Check the form.';
        return sendPage(
          reply.code(400),
          'Application not accepted',
          html`<p>${reason}</p>
            <p><a href="/">Back</a></p>`,
        );
      }
      return reply.redirect(`/applications/${res.json<{ application_id: string }>().application_id}/view`, 303);
    });
    scope.get('/applications/:id/view', { schema: { params: ApplicationParams } }, async (request, reply) => {
      const a = book.applications.get(request.params.id);
      if (!a) return sendPage(reply.code(404), 'No such application', html`<p><a href="/">Back</a></p>`);
      const refresh = a.status === 'waiting_for_consents' || a.status === 'reading_incomes';
      return sendPage(reply, `Application for ${a.child}`, applicationView(a), refresh);
    });
  });
}

function sendPage(reply: FastifyReply, title: string, body: SafeHtml, refresh = false) {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            ${refresh ? html`<meta http-equiv="refresh" content="2" />` : ''}
            <title>${title} – City of Helsinki Customer Fee Unit (demo)</title>
            <style>
              ${STYLE}
            </style>
          </head>
          <body>
            <header>
              <p><strong>City of Helsinki · Customer Fee Unit</strong> (demo service)</p>
            </header>
            <main>
              <h1>${title}</h1>
              ${body}
            </main>
          </body>
        </html>`.value,
    );
}

function applicationForm(operators: OperatorChoice[]) {
  const select = (name: string, chosen: number) =>
    html`<select name="${name}" id="${name}">
      ${operators.map((op, i) => html`<option value="${op.issuer}" ${i === chosen ? html`selected` : ''}>${op.name}</option>`)}
    </select>`;
  return html`<p>
      Both guardians' income decides the fee. Instead of mailing income proofs, each guardian can consent, through the MyData operator of
      their choice, to us reading their income from the Incomes Register.
    </p>
    <form method="post" action="/apply">
      <label for="child">Child's personal identity code</label
      ><input id="child" name="child" value="${DEMO_RESIDENTS.eelis.personal_identity_code}" required />
      <label for="family_size">Persons in the family</label
      ><input id="family_size" name="family_size" type="number" min="2" max="20" value="3" required />
      <fieldset>
        <legend>Guardian 1</legend>
        <label for="guardian1">Personal identity code</label
        ><input id="guardian1" name="guardian1" value="${DEMO_RESIDENTS.aino.personal_identity_code}" required />
        <label for="operator1">MyData operator</label>${select('operator1', 0)}
      </fieldset>
      <fieldset>
        <legend>Guardian 2</legend>
        <label for="guardian2">Personal identity code (leave empty for one guardian)</label
        ><input id="guardian2" name="guardian2" value="${DEMO_RESIDENTS.mikko.personal_identity_code}" />
        <label for="operator2">MyData operator</label>${select('operator2', Math.min(1, operators.length - 1))}
      </fieldset>
      <p><button type="submit">Apply and ask the guardians for consent</button></p>
    </form>`;
}

function applicationView(a: Application) {
  return html`<p class="notice" role="status">${a.message}</p>
    <h2>Consents</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Operator</th>
          <th scope="col">Record</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        ${a.consents.map(
          (c) =>
            html`<tr>
              <td>${c.operator}</td>
              <td>${c.record_id}</td>
              <td>${c.status}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      a.fee
        ? html`<h2>Fee</h2>
            <p><strong>${a.fee.monthly_fee_eur} € per month</strong></p>
            <p>${a.fee.explanation}</p>`
        : ''
    }
    <h2>Reads through the Access Gateway</h2>
    ${
      a.reads.length === 0
        ? html`<p>None yet.</p>`
        : html`<ul>
            ${a.reads.map((r) => html`<li>${r.at}: ${r.status === 200 ? 'read' : `refused (${r.status})`} ${r.access_id ?? ''}</li>`)}
          </ul>`
    }
    <p><a href="/">New application</a></p>`;
}
