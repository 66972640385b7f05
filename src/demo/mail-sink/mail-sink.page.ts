/**
 * The demo's inbox: an HTML page listing the mails the sink received (newest first) and a
 * page per mail with its headers and text, links made clickable. For a person trying the
 * demo: the notifications the operators send arrive here instead of anyone's mailbox.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { html, SafeHtml } from '../../web/html.ts';
import type { MailSink, ReceivedMail } from './mail-sink.ts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.5}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ccc;vertical-align:top}
pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem}a{color:#0b4fa0}`;

function frame(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.toString();
}

/** The text with its http(s) links as links (everything else escaped). */
function linked(text: string): SafeHtml {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return html`${parts.map((p, i) => (i % 2 === 1 ? html`<a href="${p}">${p}</a>` : p))}`;
}

function list(mails: ReceivedMail[]): SafeHtml {
  if (mails.length === 0) return html`<p>No mail yet. Add and confirm an address under Notifications on an operator's dashboard.</p>`;
  const row = (m: ReceivedMail) =>
    html`<tr>
      <td><time datetime="${m.received_at}">${m.received_at.replace('T', ' ').slice(0, 19)} UTC</time></td>
      <td>${m.envelope_to.join(', ')}</td>
      <td><a href="/mail/${m.id}">${m.subject || '(no subject)'}</a></td>
    </tr>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Received</th>
        <th scope="col">To</th>
        <th scope="col">Subject</th>
      </tr>
    </thead>
    <tbody>
      ${[...mails].reverse().map(row)}
    </tbody>
  </table>`;
}

function one(m: ReceivedMail): SafeHtml {
  return html`<p><a href="/">All mail</a></p>
    <table>
      ${m.headers.map(
        ([name, value]) =>
          html`<tr>
            <th scope="row">${name}</th>
            <td>${value}</td>
          </tr>`,
      )}
    </table>
    <h2>Text</h2>
    <pre>${linked(m.text)}</pre>`;
}

/** The inbox's web app over a running sink. */
export function createMailSinkApp(sink: MailSink): FastifyInstance {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  const page = (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    reply
      .code(status)
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(frame(title, body));
  const missing = (reply: FastifyReply) => page(reply, 'No such mail', html`<p><a href="/">All mail</a></p>`, 404);
  app.get('/', async (_request, reply) => page(reply, 'Demo inbox', list(sink.mails)));
  app.get('/mail/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 12 }) }) } }, async (request, reply) => {
    const mail = sink.mails.find((m) => String(m.id) === request.params.id);
    return mail ? page(reply, mail.subject || '(no subject)', one(mail)) : missing(reply);
  });
  app.setNotFoundHandler((_request, reply) => missing(reply));
  app.setErrorHandler((_err, _request, reply) => page(reply, 'Bad request', html`<p><a href="/">All mail</a></p>`, 400));
  return app;
}
