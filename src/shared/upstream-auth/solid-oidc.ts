/**
 * Upstream auth `solid-oidc`: the gateway is a Solid-OIDC client of `issuer` (e.g. a Community
 * Solid Server) with client credentials; every read carries a DPoP-bound token and a fresh
 * DPoP proof. When the pod refuses the token (401) it is renewed and the read tried once more.
 */
import { Type } from 'typebox';
import { Url } from '../common.schema.ts';
import { SolidOidcSession } from '../oauth/solid-oidc-session.ts';
import { defineAuthType } from './credential.ts';

/** A DPoP-bound token from `issuer` and a proof per request. */
export const solidOidcAuth = defineAuthType(
  'solid-oidc',
  {
    /** The OpenID provider that issues the gateway's tokens. */
    issuer: Url,
    /** The gateway's client credentials there. */
    client_id: Type.String({ minLength: 1 }),
    client_secret: Type.String({ minLength: 1 }),
  },
  (auth, context) => {
    const session = new SolidOidcSession({
      issuer: auth.issuer,
      client_id: auth.client_id,
      client_secret: auth.client_secret,
      timeoutMs: context.timeoutMs,
    });
    return {
      headers: {},
      async perRequest(method, url) {
        const { authorization, dpop } = await session.headers(method, url);
        return { authorization, dpop };
      },
      rejected(sent) {
        session.invalidate(String(sent.authorization).replace(/^DPoP /, ''));
        return true;
      },
    };
  },
  'a Solid-OIDC client: DPoP-bound token and a proof per request',
);
