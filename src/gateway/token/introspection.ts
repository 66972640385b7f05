/**
 * RFC 7662 introspection at the token's operator: the fallback when that operator's consent
 * feed is not fresh, so the replica cannot be trusted to know about a revocation. The gateway
 * authenticates as the operator's client (`private_key_jwt`, as the operator's metadata
 * publishes). Any failure (no endpoint, unreachable, an error status) counts as "not active":
 * default deny.
 */
import { postToAs } from '../../shared/oauth/oauth-client.ts';
import type { OperatorClient } from '../operators/operator-client.ts';

/** Whether operator `iss` reports `token` (and so its consent) as active now. */
export async function isTokenActive(operators: OperatorClient, iss: string, token: string): Promise<boolean> {
  try {
    const { metadata, credentials } = await operators.directory.clientOf(iss);
    if (typeof metadata.introspection_endpoint !== 'string') return false;
    const res = await postToAs(metadata, metadata.introspection_endpoint, credentials, { token, token_type_hint: 'access_token' });
    if (!res.ok) return false;
    const body = (await res.json()) as { active?: unknown };
    return body.active === true;
  } catch {
    return false;
  }
}
