/**
 * The City's "Customer Fee Unit" as a demo data-using service. For a child's daycare
 * application it asks both guardians for consent asynchronously, each at the operator
 * of their choice (one request with `all_activators_activate` when both use the same
 * operator), hears about decisions by signed webhooks (SETs), reads each parent's income
 * through the gateway with DPoP-bound tokens, and computes the monthly fee. Without both
 * consents the family falls back to the paper process, and the service says so plainly.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { createDpopKey, createDpopProof, type DpopKey } from '../../shared/oauth/dpop.ts';
import {
  clientCredentialsToken,
  discover,
  type AuthorizationServerMetadata,
  type ClientCredentials,
} from '../../shared/oauth/oauth-client.ts';
import formbody from '@fastify/formbody';
import type { FastifyReply } from 'fastify';
import { monthlyFee, type FeeResult } from './fee-formula.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { DEMO_RESIDENTS } from '../population/population.ts';

const STYLE =
  'body{font:1.125rem/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input,select{font:inherit;padding:.3rem;min-height:40px}button{font:inherit;min-height:44px;padding:.5rem 1.2rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}.notice{background:#fff8e1;padding:.6rem 1rem;border-left:4px solid #f5a623}';

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

function applicationForm(operators: Array<{ issuer: string; name: string }>) {
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

export const FEE_PURPOSE = 'https://w3id.org/dpv#ServiceProvision';
export const FEE_CLIENT_ID = 'customer-fee-unit';

export interface Guardian {
  personal_identity_code: string;
  /** Issuer of the operator this guardian uses. */
  operator: string;
}

export interface ConsentTrack {
  operator: string;
  record_id: string;
  status: string;
  /** Party refs of the guardians in this record (for `?subject=`). */
  subjects: Array<{ ref: string; identifier: string }>;
}

export type ApplicationStatus = 'waiting_for_consents' | 'reading_incomes' | 'fee_decided' | 'paper_process';

export interface Application {
  application_id: string;
  child: string;
  family_size: number;
  guardians: Guardian[];
  consents: ConsentTrack[];
  status: ApplicationStatus;
  fee?: FeeResult;
  reads: Array<{ guardian: string; status: number; access_id?: string | null; at: string }>;
  message: string;
}

export interface FeeServiceOptions {
  publicUrl: string;
  /** Resource URI of the Incomes Register at the gateway. */
  incomesResource: string;
  /** Operators a family can choose from in the form (issuer and a name). */
  operators?: Array<{ issuer: string; name: string }>;
}

export interface FeeService {
  app: FastifyInstance;
  jwks: { keys: JWK[] };
  applications: Map<string, Application>;
  /** Resolves when the application's status changes. */
  waitFor(id: string, predicate: (a: Application) => boolean, timeoutMs?: number): Promise<Application>;
  /** Reads both guardians' incomes again (e.g. to check a renewal); returns the statuses. */
  readIncomes(id: string): Promise<number[]>;
  /** Files any consent request of this service at an operator (demo and test use). */
  fileRequest(
    issuer: string,
    body: Record<string, unknown>,
  ): Promise<{
    record_id: string;
    status: string;
    sources: Array<{ source: string; subjects: Array<{ ref: string; datatypes: string[] }> }>;
    parties: Array<{ party_id: string; role: string; identifier?: string }>;
  }>;
  /** Reads `operation` of a source for a record's subject with a fresh DPoP-bound token. */
  read(
    issuer: string,
    recordId: string,
    resource: string,
    operation: string,
    datatypes: string[],
    subject?: string,
  ): Promise<{ status: number; body: unknown }>;
}

const PAPER_MESSAGE =
  'Both guardians have not (or no longer) consented to reading their income from the Incomes Register. ' +
  'Please send the income proofs by post or secure e-mail to the Customer Fee Unit, as before.';

/** Builds the demo service (keys are generated at start). */
export async function createFeeService(o: FeeServiceOptions): Promise<FeeService> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `fee-${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const client: ClientCredentials = { clientId: FEE_CLIENT_ID, key: { privateKey, alg: 'ES256', kid } };
  const dpop: DpopKey = await createDpopKey();
  const operators = new Map<string, { meta: AuthorizationServerMetadata; keys: JWTVerifyGetKey }>();
  const applications = new Map<string, Application>();
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());

  async function operator(issuer: string) {
    let entry = operators.get(issuer);
    if (!entry) {
      const meta = await discover(issuer);
      entry = { meta, keys: createRemoteJWKSet(new URL(meta.jwks_uri)) };
      operators.set(issuer, entry);
    }
    return entry;
  }

  async function api(issuer: string, method: string, path: string, body?: unknown) {
    const { meta } = await operator(issuer);
    const token = (await clientCredentialsToken(meta, client, dpop, { scope: 'consent_request', resource: `${issuer}/api` })).access_token;
    const url = `${issuer}${path}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await createDpopProof(dpop, method, url, token),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${issuer} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{
      record_id: string;
      status: string;
      sources: Array<{ source: string; subjects: Array<{ ref: string; datatypes: string[] }> }>;
      parties: Array<{ party_id: string; role: string; identifier?: string }>;
    }>;
  }

  /** Tokens are reused until shortly before they expire, as a real service would. */
  const tokens = new Map<string, { token: string; expires: number }>();
  async function sourceToken(meta: AuthorizationServerMetadata, recordId: string): Promise<string> {
    const cached = tokens.get(recordId);
    if (cached && cached.expires > Date.now() + 10_000) return cached.token;
    const res = await clientCredentialsToken(meta, client, dpop, {
      resource: o.incomesResource,
      authorization_details: JSON.stringify([
        {
          type: 'personal_data_access',
          locations: [o.incomesResource],
          actions: ['read'],
          datatypes: ['annual_income', 'income_year'],
          consent_record_id: recordId,
        },
      ]),
    });
    tokens.set(recordId, { token: res.access_token, expires: Date.now() + res.expires_in * 1000 });
    return res.access_token;
  }

  async function readIncomes(id: string): Promise<number[]> {
    const application = applications.get(id)!;
    const statuses: number[] = [];
    const incomes: number[] = [];
    for (const track of application.consents) {
      const { meta } = await operator(track.operator);
      for (const subject of track.subjects) {
        let status = 0;
        let accessId: string | null = null;
        try {
          const token = await sourceToken(meta, track.record_id);
          const url = `${o.incomesResource}/income?subject=${encodeURIComponent(subject.ref)}`;
          const res = await fetch(url, {
            headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', url, token) },
          });
          status = res.status;
          accessId = res.headers.get('portti-access-id');
          if (res.ok) incomes.push(((await res.json()) as { annual_income: { gross_eur: number } }).annual_income.gross_eur / 12);
        } catch {
          status = 403; // the operator refused to issue a token: the consent is not live
        }
        statuses.push(status);
        application.reads.push({ guardian: subject.identifier, status, access_id: accessId, at: new Date().toISOString() });
      }
    }
    if (statuses.every((s) => s === 200) && incomes.length === application.guardians.length) {
      application.fee = monthlyFee({ family_size: application.family_size, monthly_incomes: incomes });
      application.status = 'fee_decided';
      application.message = `Monthly fee ${application.fee.monthly_fee_eur} €. ${application.fee.explanation}`;
    }
    notify();
    return statuses;
  }

  async function reconsider(application: Application) {
    if (application.consents.some((c) => ['declined', 'withdrawn', 'expired', 'suspended', 'moved'].includes(c.status))) {
      application.status = 'paper_process';
      application.message = PAPER_MESSAGE;
    } else if (application.consents.every((c) => c.status === 'active') && application.status === 'waiting_for_consents') {
      application.status = 'reading_incomes';
      await readIncomes(application.application_id);
    }
    notify();
  }

  async function read(issuer: string, recordId: string, resource: string, operation: string, datatypes: string[], subject?: string) {
    const { meta } = await operator(issuer);
    let token: string;
    try {
      token = (
        await clientCredentialsToken(meta, client, dpop, {
          resource,
          authorization_details: JSON.stringify([
            { type: 'personal_data_access', locations: [resource], actions: ['read'], datatypes, consent_record_id: recordId },
          ]),
        })
      ).access_token;
    } catch (err) {
      return { status: 403, body: { error: (err as Error).message } };
    }
    const url = `${resource}/${operation}${subject ? `?subject=${encodeURIComponent(subject)}` : ''}`;
    const res = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', url, token) } });
    return { status: res.status, body: await res.json() };
  }

  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/secevent+jwt', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.get('/.well-known/jwks.json', async () => jwks);
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.post(
    '/applications',
    {
      schema: {
        body: {
          type: 'object',
          required: ['child', 'guardians', 'family_size'],
          additionalProperties: false,
          properties: {
            validity_duration: { type: 'string', pattern: '^P' },
            child: { type: 'string', minLength: 11, maxLength: 11 },
            family_size: { type: 'integer', minimum: 2, maximum: 20 },
            guardians: {
              type: 'array',
              minItems: 1,
              maxItems: 2,
              items: {
                type: 'object',
                required: ['personal_identity_code', 'operator'],
                additionalProperties: false,
                properties: { personal_identity_code: { type: 'string' }, operator: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { child: string; family_size: number; guardians: Guardian[]; validity_duration?: string };
      const application: Application = {
        application_id: randomUUID(),
        child: body.child,
        family_size: body.family_size,
        guardians: body.guardians,
        consents: [],
        status: 'waiting_for_consents',
        reads: [],
        message: 'Waiting for both guardians to decide in their MyData operator.',
      };
      const byOperator = new Map<string, Guardian[]>();
      for (const g of body.guardians) byOperator.set(g.operator, [...(byOperator.get(g.operator) ?? []), g]);
      for (const [issuer, guardians] of byOperator) {
        const record = await api(issuer, 'POST', '/api/consent-requests', {
          subjects: guardians.map((g) => ({ identifier_type: 'fi_hetu', identifier: g.personal_identity_code })),
          activation_mode: guardians.length > 1 ? 'all_activators_activate' : 'data_subject_activates',
          purpose: FEE_PURPOSE,
          language: 'fi',
          ...(body.validity_duration ? { validity_duration: body.validity_duration } : {}),
        });
        const subjects = record.sources[0]!.subjects.map((s) => ({
          ref: s.ref,
          identifier: record.parties.find((p) => p.party_id === s.ref)?.identifier ?? '',
        }));
        application.consents.push({ operator: issuer, record_id: record.record_id, status: record.status, subjects });
      }
      applications.set(application.application_id, application);
      return reply.code(201).send(application);
    },
  );

  app.get('/applications/:id', async (request, reply) => {
    const a = applications.get((request.params as { id: string }).id);
    return a ?? reply.code(404).send({ error: 'no such application' });
  });

  // a small page for people clicking through the demo (npm start): apply and watch the status
  app.register(async (scope) => {
    await scope.register(formbody);
    scope.get('/', async (_request, reply) => sendPage(reply, 'Reduced daycare fee', applicationForm(o.operators ?? [])));
    scope.post('/apply', async (request, reply) => {
      const f = request.body as Record<string, string>;
      const guardians = [1, 2]
        .map((i) => ({ personal_identity_code: (f[`guardian${i}`] ?? '').trim(), operator: f[`operator${i}`] ?? '' }))
        .filter((g) => g.personal_identity_code !== '');
      const res = await app.inject({
        method: 'POST',
        url: '/applications',
        payload: { child: (f.child ?? '').trim(), family_size: Number(f.family_size), guardians },
      });
      if (res.statusCode !== 201)
        return sendPage(
          reply.code(400),
          'Application not accepted',
          html`<p>${res.json<{ message?: string }>().message ?? 'Check the form.'}</p>
            <p><a href="/">Back</a></p>`,
        );
      return reply.redirect(`/applications/${res.json<{ application_id: string }>().application_id}/view`, 303);
    });
    scope.get('/applications/:id/view', async (request, reply) => {
      const a = applications.get((request.params as { id: string }).id);
      if (!a) return sendPage(reply.code(404), 'No such application', html`<p><a href="/">Back</a></p>`);
      return sendPage(
        reply,
        `Application for ${a.child}`,
        applicationView(a),
        a.status === 'waiting_for_consents' || a.status === 'reading_incomes',
      );
    });
  });

  app.post('/webhooks', async (request, reply) => {
    const set = String(request.body ?? '');
    let payload;
    try {
      const iss = decodeJwt(set).iss ?? '';
      const { keys } = await operator(iss);
      ({ payload } = await jwtVerify(set, keys, { issuer: iss, audience: FEE_CLIENT_ID, typ: 'secevent+jwt' }));
    } catch {
      return reply.code(400).send({ err: 'invalid_request', description: 'the event could not be verified' });
    }
    const events = payload.events as Record<string, { record_id: string; status: string }>;
    for (const event of Object.values(events)) {
      for (const a of applications.values()) {
        const track = a.consents.find((c) => c.record_id === event.record_id && c.operator === payload.iss);
        if (!track) continue;
        track.status = event.status;
        await reconsider(a);
      }
    }
    return reply.code(202).send();
  });

  return {
    app,
    jwks,
    applications,
    readIncomes,
    read,
    fileRequest: (issuer, body) => api(issuer, 'POST', '/api/consent-requests', body),
    waitFor(id, predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const a = applications.get(id);
          if (a && predicate(a)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(a);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`application ${id} did not reach the expected state in ${timeoutMs} ms (now ${applications.get(id)?.status})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
