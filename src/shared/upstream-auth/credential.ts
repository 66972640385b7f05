/**
 * The upstream credential port: how the gateway authenticates to a source (the client's own
 * token is never forwarded). Each auth type is one file in this folder with its config schema
 * and a factory for its credential; upstream-auth.ts lists them in one table. They live in
 * shared/ because the configuration schema unions their schemas (shared imports no component).
 */
import { Type, type Static, type TLiteral, type TObject, type TProperties } from 'typebox';
import { strict } from '../common.schema.ts';

/** What one source's requests carry. */
export interface UpstreamCredential {
  /** Headers sent with every request, computed once (an API key, a bearer token). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Headers made for one request (e.g. a DPoP proof for its method and URL); absent for fixed
   * credentials, which then cost the request path no await.
   */
  perRequest?(method: string, url: string): Promise<Record<string, string>>;
  /**
   * The source answered 401 to a request sent with `sent` (from {@link perRequest}): forget what
   * made them. True when one retry with new headers may succeed.
   */
  rejected?(sent: Record<string, string>): boolean;
}

/** What a credential factory knows about its source. */
export interface CredentialContext {
  sourceId: string;
  /** The source's timeout, for calls the credential itself makes (e.g. a token request). */
  timeoutMs: number;
}

/** The config schema of auth type `T`: `{ type: T, ...its own fields }`, nothing else. */
export type AuthSchema<T extends string, P extends TProperties> = TObject<{ type: TLiteral<T> } & P>;

/** One upstream auth type: its name, its config schema, and how its credential is made. */
export interface UpstreamAuthType<T extends string, P extends TProperties> {
  type: T;
  schema: AuthSchema<T, P>;
  create(auth: Static<AuthSchema<T, P>>, context: CredentialContext): UpstreamCredential;
}

/**
 * Defines an auth type from its own fields; the schema adds `type` and refuses other fields.
 *
 * @example
 * export const bearerAuth = defineAuthType('bearer', { token: Type.String() }, (auth) => ({
 *   headers: { authorization: `Bearer ${auth.token}` },
 * }));
 */
export function defineAuthType<const T extends string, P extends TProperties>(
  type: T,
  fields: P,
  create: UpstreamAuthType<T, P>['create'],
  description?: string,
): UpstreamAuthType<T, P> {
  const schema = Type.Object({ type: Type.Literal(type), ...fields } as { type: TLiteral<T> } & P, {
    ...strict,
    ...(description ? { description } : {}),
  });
  return { type, schema, create };
}
