/**
 * Sign-in with an identity of the citizen's choice: the operator is an OpenID Connect
 * relying party (openid-client) of every configured identity provider. Authorization
 * code + PKCE + state + nonce; a fresh session id at sign-in; `link=1` adds the new
 * identity to the signed-in account's keychain (both authenticated in one session).
 * Sign-out ends the session at the identity provider too (RP-initiated logout with
 * `id_token_hint` where it offers an end_session_endpoint), and the next sign-in in this
 * browser asks who one is (`prompt=login`) in any case.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import * as oidc from 'openid-client';
import { Type } from 'typebox';
import type { IdentityProviderConfig } from '../../shared/config.schema.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Accounts } from './accounts.ts';
import type { Session, Sessions } from './sessions.ts';

/** What sign-in uses. */
export interface LoginDeps {
  issuer: string;
  providers: IdentityProviderConfig[];
  accounts: Accounts;
  sessions: Sessions;
}

/** Only same-origin relative paths are accepted as return targets (no open redirects). */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\w\-./?=&%:~+]*$/.test(value) ? value : '/dashboard';
}

/** Longest return target kept (an action asked again carries its form's choices). */
export const RETURN_TO_MAX = 2000;
/** Signed cookie set at sign-out: the next sign-in in this browser sends `prompt=login`. */
const REAUTH_COOKIE = 'portti_reauth';
/** How long a sign-out keeps asking the next sign-in who one is (until a sign-in clears it). */
const REAUTH_MAX_AGE_S = 30 * 24 * 3600;
/** The authorization server's (oidc-provider's) session cookies, ended with the dashboard session. */
const AS_SESSION_COOKIES = ['_session', '_session.sig'];

const LoginParams = Type.Object({ idp: Type.String({ maxLength: 64 }) });
const LoginQuery = Type.Object({
  return_to: Type.Optional(Type.String({ maxLength: RETURN_TO_MAX })),
  link: Type.Optional(Type.Enum(['1'])),
});

/** Registers sign-in (start and callback) and sign-out. */
export function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const configs = new Map<string, Promise<oidc.Configuration>>();
  const config = (idp: IdentityProviderConfig) => {
    let c = configs.get(idp.id);
    if (!c) {
      const insecure = idp.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined;
      c = oidc.discovery(new URL(idp.issuer), idp.client_id, idp.client_secret, undefined, insecure);
      c.catch(() => configs.delete(idp.id));
      configs.set(idp.id, c);
    }
    return c;
  };
  const redirectUri = `${deps.issuer}/login/callback`;

  r.get('/login/:idp', { schema: { hide: true, params: LoginParams, querystring: LoginQuery } }, async (request, reply) => {
    const { idp: idpId } = request.params;
    const query = request.query;
    const idp = deps.providers.find((p) => p.id === idpId);
    if (!idp) throw new ProblemError(404, 'not_found', `no identity provider "${idpId}"`);
    const session = await deps.sessions.getOrCreate(request, reply);
    const link = query.link === '1';
    if (link && !session.accountId) throw new ProblemError(401, 'session_required', 'sign in before linking another identity');
    const verifier = oidc.randomPKCECodeVerifier();
    const login = {
      idp: idp.id,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier,
      returnTo: safeReturnTo(query.return_to),
      link,
    };
    session.data.login = login;
    await deps.sessions.save(session);
    const url = oidc.buildAuthorizationUrl(await config(idp), {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
      ...(session.data.locale ? { ui_locales: session.data.locale } : {}),
      ...(request.unsignCookie(request.cookies[REAUTH_COOKIE] ?? '').valid ? { prompt: 'login' } : {}),
    });
    return reply.redirect(url.href, 303);
  });

  r.get('/login/callback', { schema: { hide: true } }, async (request, reply: FastifyReply) => {
    const session = await deps.sessions.get(request);
    const login = session?.data.login;
    if (!session || !login) throw new ProblemError(400, 'bad_request', 'no sign-in is in progress in this browser; start again');
    const idp = deps.providers.find((p) => p.id === login.idp)!;
    const current = new URL(request.url, deps.issuer);
    let claims;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(await config(idp), current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      idToken = tokens.id_token;
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'sign-in failed');
      throw new ProblemError(400, 'bad_request', 'the identity provider did not confirm the sign-in; please try again');
    }
    if (!claims) throw new ProblemError(400, 'bad_request', 'no ID token from the identity provider');
    const identifier = claims[idp.identifier_claim];
    const accountId = await deps.accounts.signIn(
      {
        idp: idp.id,
        iss: claims.iss,
        sub: claims.sub,
        ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
        ...(Array.isArray(claims.amr) ? { amr: claims.amr as string[] } : {}),
        ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
        ...(typeof identifier === 'string' ? { identifier: { type: idp.identifier_type, value: identifier } } : {}),
      },
      login.link ? (session.accountId ?? undefined) : undefined,
    );
    const authenticated = [...(login.link ? session.data.authenticated : []), { iss: claims.iss, sub: claims.sub }];
    const { login: _done, csrf: _old, ...rest } = session.data;
    const idpSession = idToken ? { idp_session: { idp: idp.id, id_token: idToken } } : {};
    // a new session id and a new CSRF token on every sign-in defeat session fixation
    await deps.sessions.create(
      reply,
      accountId,
      { ...rest, ...idpSession, csrf: randomBytes(24).toString('base64url'), authenticated },
      session,
    );
    reply.clearCookie(REAUTH_COOKIE, { path: '/' });
    return reply.redirect(login.returnTo, 303);
  });

  /** Where sign-out goes on: the identity provider's end_session_endpoint (back to /signed-out), or /signed-out. */
  const afterSignOut = async (session: Session | undefined): Promise<string> => {
    const locale = session?.data.locale ?? '';
    const local = `/signed-out${locale ? `?lang=${encodeURIComponent(locale)}` : ''}`;
    const ended = session?.data.idp_session;
    const idp = ended && deps.providers.find((p) => p.id === ended.idp);
    if (!ended || !idp) return local;
    try {
      const c = await config(idp);
      if (!c.serverMetadata().end_session_endpoint) return `${local}${locale ? '&' : '?'}idp=kept`;
      const params = { id_token_hint: ended.id_token, post_logout_redirect_uri: `${deps.issuer}/signed-out` };
      return oidc.buildEndSessionUrl(c, { ...params, ...(locale ? { ui_locales: locale, state: locale } : {}) }).href;
    } catch {
      return `${local}${locale ? '&' : '?'}idp=kept`;
    }
  };

  r.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    const session = await deps.sessions.get(request);
    if (session) await deps.sessions.destroy(session.id);
    reply.clearCookie('portti_session', { path: '/' });
    for (const name of AS_SESSION_COOKIES) reply.clearCookie(name, { path: '/' });
    reply.setCookie(REAUTH_COOKIE, '1', {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.issuer.startsWith('https://'),
      signed: true,
      maxAge: REAUTH_MAX_AGE_S,
    });
    return reply.redirect(await afterSignOut(session), 303);
  });
}
