/**
 * An embedded demo identity provider (OpenID Connect, oidc-provider) with a handful of
 * demo residents, so `portti start` works offline. Its sign-in page lists the residents;
 * choosing one signs in as them; `prompt=login` always shows the list again. It offers
 * RP-initiated logout (end_session_endpoint with id_token_hint and post_logout_redirect_uri)
 * and signs out at once when a relying party sends the browser there. Never for production:
 * there is no authentication.
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Provider, { type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { Type } from 'typebox';
import { html, SafeHtml } from '../web/html.ts';

/** A resident one can sign in as. */
export interface DemoResident {
  /** Stable key, e.g. `aino`. */
  key: string;
  name: string;
  given_name: string;
  family_name: string;
  personal_identity_code: string;
  birthdate: string;
}

/** The IdP's issuer, label, residents and the operators registered as its clients. */
export interface DemoIdpOptions {
  issuer: string;
  /** Label shown on the sign-in page. */
  label: string;
  residents: DemoResident[];
  clients: Array<{ client_id: string; client_secret: string; redirect_uris: string[]; post_logout_redirect_uris?: string[] }>;
  /** Authentication context class the IdP asserts (e.g. a LoA). */
  acr?: string;
  /** Offer RP-initiated logout (default true; false stands in for an IdP without an end_session_endpoint). */
  rpInitiatedLogout?: boolean;
}

/** Pairwise-free stable subject per IdP: different IdPs give different `sub` values. */
export function demoSub(issuer: string, resident: DemoResident): string {
  return createHash('sha256').update(`${issuer}|${resident.personal_identity_code}`).digest('base64url').slice(0, 22);
}

/** Process-local storage for the demo IdP's sessions and codes (demo only: lost on restart). */
function memoryAdapter() {
  const store = new Map<string, { payload: AdapterPayload; expires: number }>();
  return class DemoMemoryAdapter implements Adapter {
    private readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
    private key = (id: string) => `${this.name}:${id}`;
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      store.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
    }
    async find(id: string) {
      const e = store.get(this.key(id));
      return e && e.expires > Date.now() ? e.payload : undefined;
    }
    async findByUid(uid: string) {
      for (const [k, e] of store) if (k.startsWith(`${this.name}:`) && e.payload.uid === uid && e.expires > Date.now()) return e.payload;
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const e = store.get(this.key(id));
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      // this model's entries only: an interaction of the same grant must survive its tokens' revocation
      for (const [k, e] of store) if (k.startsWith(`${this.name}:`) && e.payload.grantId === grantId) store.delete(k);
    }
  };
}

/** Builds the demo IdP's Fastify app (provider mounted on it). */
export async function createDemoIdp(o: DemoIdpOptions): Promise<{ app: FastifyInstance; provider: Provider }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'demo-idp' };
  const provider = new Provider(o.issuer, providerConfiguration(o, signingKey));
  const app = Fastify({ logger: false });
  app.register(async (scope) => mountProvider(scope, provider));
  app.register(async (scope) => interactionRoutes(scope, provider, o));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.setErrorHandler((_err, _request, reply) => reply.code(400).type('text/html; charset=utf-8').send(expiredPage(o).value));
  return { app, provider };
}

/** oidc-provider's configuration: the clients, the residents as accounts, short lifetimes, PKCE, no consent screen. */
function providerConfiguration(o: DemoIdpOptions, signingKey: object): Configuration {
  const bySub = new Map(o.residents.map((r) => [demoSub(o.issuer, r), r]));
  return {
    adapter: memoryAdapter(),
    jwks: { keys: [signingKey] as never },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    clients: o.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'birthdate', 'personal_identity_code'] },
    findAccount: async (_ctx, sub) => {
      const r = bySub.get(sub);
      if (!r) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: r.name,
          given_name: r.given_name,
          family_name: r.family_name,
          birthdate: r.birthdate,
          personal_identity_code: r.personal_identity_code,
        }),
      };
    },
    conformIdTokenClaims: false,
    // own cookie names: on one host (the demo's 127.0.0.1) the operators' authorization servers use oidc-provider's defaults
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      names: { session: 'demo_idp_session', interaction: 'demo_idp_interaction', resume: 'demo_idp_resume' },
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: o.rpInitiatedLogout ?? true, logoutSource: logoutPage(o), postLogoutSuccessSource: signedOutPage(o) },
    },
    renderError: async (ctx) => {
      ctx.type = 'html';
      ctx.body = expiredPage(o).value;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
    acrValues: o.acr ? [o.acr] : [],
    ttl: { Session: 3600, Interaction: 600, AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Grant: 3600 },
  };
}

/** Hands the provider's own endpoints to it untouched (it reads the raw request bodies itself). */
function mountProvider(scope: FastifyInstance, provider: Provider): void {
  const handler = provider.callback();
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
  const handoff = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    handler(request.raw, reply.raw);
  };
  for (const path of ['/auth', '/auth/*', '/token', '/jwks', '/me', '/session/*', '/.well-known/*', '/reg', '/token/*'])
    scope.all(path, handoff);
}

/** The sign-in form's answer: the key of the chosen resident. */
const SignInForm = Type.Object({ resident: Type.Optional(Type.String()) });

/** The sign-in page (one button per resident) and its answer, which finishes the login as that resident. */
async function interactionRoutes(plain: FastifyInstance, provider: Provider, o: DemoIdpOptions): Promise<void> {
  await plain.register(formbody);
  const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
  scope.get('/interaction/:uid', async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:")
      .send(signInPage(o, details.uid).value);
  });
  scope.post('/interaction/:uid', { schema: { body: SignInForm } }, async (request, reply) => {
    const r = o.residents.find((x) => x.key === request.body.resident);
    if (!r) return reply.code(400).send({ error: 'unknown resident' });
    reply.hijack();
    await provider.interactionFinished(
      request.raw,
      reply.raw,
      { login: { accountId: demoSub(o.issuer, r), ...(o.acr ? { acr: o.acr } : {}), amr: ['demo'] } },
      { mergeWithLastSubmission: false },
    );
    return reply;
  });
}

/** A page of the demo IdP in its three languages (its visitors come from any of the operators). */
function plainPage(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            font:
              1.125rem/1.5 system-ui,
              sans-serif;
            max-width: 40rem;
            margin: 2rem auto;
            padding: 0 1rem;
          }
          button {
            font: inherit;
            min-height: 44px;
            padding: 0.5rem 1rem;
            margin: 0.25rem 0;
            width: 100%;
            text-align: left;
          }
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

function signInPage(o: DemoIdpOptions, uid: string): SafeHtml {
  return plainPage(
    o.label,
    html`<p>Demo identity provider – choose a demo resident. (Esittelytunnistus · Demoidentifiering)</p>
      <form method="post" action="/interaction/${uid}">
        ${o.residents.map((r) => html`<button type="submit" name="resident" value="${r.key}">${r.name}</button>`)}
      </form>`,
  );
}

/** Submits the logout form at once: the relying party that sent the browser here asked for it. */
const AUTO_SIGN_OUT = "document.querySelector('button[name=logout]').click();";
const AUTO_SIGN_OUT_HASH = createHash('sha256').update(AUTO_SIGN_OUT).digest('base64');

/** The end_session page: signs out without asking (a button without JavaScript); oidc-provider's form carries its xsrf token. */
function logoutPage(o: DemoIdpOptions) {
  return async (ctx: KoaContextWithOIDC, form: string) => {
    ctx.set(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${AUTO_SIGN_OUT_HASH}'; form-action 'self' http: https:`,
    );
    ctx.body = plainPage(
      `${o.label}: Signing out · Kirjaudutaan ulos · Loggar ut`,
      html`${new SafeHtml(form)}
        <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out · Kirjaudu ulos · Logga ut</button>
        ${new SafeHtml(`<script>${AUTO_SIGN_OUT}</script>`)}`,
    ).value;
  };
}

/** After a sign-out without a way back to the relying party. */
function signedOutPage(o: DemoIdpOptions) {
  return async (ctx: KoaContextWithOIDC) => {
    ctx.body = plainPage(o.label, html`<p>Signed out. · Olet kirjautunut ulos. · Du har loggat ut.</p>`).value;
  };
}

/** An expired or broken sign-in: back to the service to start again. */
function expiredPage(o: DemoIdpOptions): SafeHtml {
  return plainPage(
    o.label,
    html`<p>This sign-in has expired or is not valid. Go back to the service and start again.</p>
      <p lang="fi">Kirjautuminen on vanhentunut tai virheellinen. Palaa palveluun ja aloita alusta.</p>
      <p lang="sv">Inloggningen har gått ut eller är ogiltig. Gå tillbaka till tjänsten och börja om.</p>`,
  );
}
