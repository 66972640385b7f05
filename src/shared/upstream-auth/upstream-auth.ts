/**
 * The upstream auth types, in one table keyed by type: the configuration schema of a source's
 * `upstream.auth` is the union of their schemas (discriminated by `type`, so a config error
 * names the fields of the type given), and {@link createUpstreamCredential} picks the factory.
 * Adding an auth type: one file beside this one, one entry in {@link AUTH_TYPES}.
 */
import { Type, type Static } from 'typebox';
import { bearerAuth } from './bearer.ts';
import type { CredentialContext, UpstreamCredential } from './credential.ts';
import { headerAuth } from './header.ts';
import { noneAuth } from './none.ts';
import { solidOidcAuth } from './solid-oidc.ts';

/** A table whose every key is the `type` of its entry. */
function byType<M extends { [K in keyof M]: { type: K } }>(table: M): M {
  return table;
}

/** Every upstream auth type by its `type`. */
export const AUTH_TYPES = byType({
  none: noneAuth,
  bearer: bearerAuth,
  header: headerAuth,
  'solid-oidc': solidOidcAuth,
});

type AuthTypes = typeof AUTH_TYPES;

/** A source's `upstream.auth`: one of the types' configurations. */
export type UpstreamAuth = { [T in keyof AuthTypes]: Static<AuthTypes[T]['schema']> }[keyof AuthTypes];

/**
 * How the gateway authenticates to an upstream source (the client's token is never forwarded):
 * the union of the auth types' schemas, checked against the branch that `type` names.
 */
export const UpstreamAuthSchema = Type.Unsafe<UpstreamAuth>(
  Type.Union(
    Object.values(AUTH_TYPES).map((t) => t.schema),
    { discriminator: { propertyName: 'type' } },
  ),
);

/** Makes the credential of one source from its `upstream.auth` (none when absent). */
export function createUpstreamCredential(auth: UpstreamAuth | undefined, context: CredentialContext): UpstreamCredential {
  const config: UpstreamAuth = auth ?? { type: 'none' };
  // the entry for `config.type` takes exactly that configuration (TypeScript cannot correlate the two)
  const create = AUTH_TYPES[config.type].create as (auth: UpstreamAuth, context: CredentialContext) => UpstreamCredential;
  return create(config, context);
}
