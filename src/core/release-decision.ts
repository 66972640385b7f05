/**
 * Which attributes a gateway may release for one request: the intersection of what the
 * operation offers, what the live consent allows for this data subject, what the token
 * grants and what the client asked for. Pure; no I/O.
 */

export interface ReleaseInput {
  /** Attribute ids the operation can return. */
  operation: readonly string[];
  /** Attribute ids the live consent record allows for this subject. */
  consented: readonly string[];
  /** `datatypes` of the token's authorization_details entry; undefined = not narrowed. */
  token?: readonly string[];
  /** Attributes the client asked for explicitly (`?attributes=`), if any. */
  requested?: readonly string[];
}

export type ReleaseDecision = { ok: true; released: string[] } | { ok: false; missing: string[]; detail: string };

/**
 * Decides the released attributes. A token claiming attributes the consent does not
 * allow is refused outright (it was issued before the consent narrowed, or forged):
 * the gateway never serves more than the live consent.
 */
export function decideRelease(input: ReleaseInput): ReleaseDecision {
  const consented = new Set(input.consented);
  if (input.token) {
    const beyond = input.token.filter((a) => !consented.has(a));
    if (beyond.length > 0) {
      return { ok: false, missing: beyond, detail: `token asks for attributes not covered by the consent: ${beyond.join(', ')}` };
    }
  }
  const granted = input.token ? new Set(input.token.filter((a) => consented.has(a))) : consented;
  if (input.requested && input.requested.length > 0) {
    const unknown = input.requested.filter((a) => !input.operation.includes(a));
    if (unknown.length > 0) {
      return { ok: false, missing: unknown, detail: `this operation has no attributes: ${unknown.join(', ')}` };
    }
    const missing = input.requested.filter((a) => !granted.has(a));
    if (missing.length > 0) {
      return { ok: false, missing, detail: `attributes not covered by the consent: ${missing.join(', ')}` };
    }
    return { ok: true, released: [...input.requested] };
  }
  const released = input.operation.filter((a) => granted.has(a));
  if (released.length === 0) {
    return {
      ok: false,
      missing: [...input.operation],
      detail: `none of this operation's attributes is covered by the consent (${input.operation.join(', ')})`,
    };
  }
  return { ok: true, released };
}
