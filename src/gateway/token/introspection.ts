/**
 * RFC 7662 introspection at the token's operator: the fallback when that operator's consent
 * feed is not fresh, so the replica cannot be trusted to know about a revocation. Any failure
 * (no endpoint, unreachable, an error status) counts as "not active": default deny.
 */
import type { OperatorClient } from '../operators/operator-client.ts';

/** Whether operator `iss` reports `token` (and so its consent) as active now. */
export async function isTokenActive(operators: OperatorClient, iss: string, token: string): Promise<boolean> {
  try {
    const res = await operators.call(iss, 'introspection_endpoint', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { active?: unknown };
    return body.active === true;
  } catch {
    return false;
  }
}
