/**
 * The trust-group document: a JSON document signed (compact JWS, `typ: trust-group+jws`) by
 * the group's governance key, listing the member operators, the sources and which members
 * each admits, and the rulebook. Whoever loads it verifies the signature and the validity
 * period, and refuses anything outside it.
 */
import { CompactSign, compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { Type, type Static } from 'typebox';
import Value from 'typebox/value';

const strict = { additionalProperties: false } as const;
const Url = Type.String({ pattern: '^https?://[^\\s]+$' });
/** A name in the dashboards' three languages (what citizens read; `name` stays the group's own). */
const Localized = Type.Object(
  { fi: Type.String({ minLength: 1 }), sv: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  strict,
);

export const TrustGroupSchema = Type.Object(
  {
    group_id: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1 }),
    display_name: Type.Optional(Localized),
    rulebook: Type.Object(
      {
        version: Type.String({ minLength: 1 }),
        url: Url,
        /**
         * What happens to a consent when its citizen moves to another member: `carry_over`
         * (it stays active under the new operator), `reconfirm_sensitive` (the citizen confirms
         * again when it covers attributes whose sensitivity is not `normal`), `reconfirm_all`.
         */
        moved_consents: Type.Optional(Type.Enum(['carry_over', 'reconfirm_sensitive', 'reconfirm_all'])),
        /**
         * Whether a service that registers itself with a software statement (RFC 7591) waits for
         * review by the operator's staff before it gets tokens (`required`) or not (`none`, the default).
         */
        registration_review: Type.Optional(Type.Enum(['required', 'none'])),
      },
      strict,
    ),
    members: Type.Array(
      Type.Object(
        { issuer: Url, name: Type.String({ minLength: 1 }), display_name: Type.Optional(Localized), metadata_url: Type.Optional(Url) },
        strict,
      ),
    ),
    sources: Type.Array(Type.Object({ resource: Url, admitted: Type.Array(Url) }, strict)),
    issued_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  strict,
);

export type TrustGroupDocument = Static<typeof TrustGroupSchema>;

export const TRUST_GROUP_TYP = 'trust-group+jws';

/** Raised for a document that must not be trusted; `message` says why. */
export class TrustGroupError extends Error {
  override readonly name = 'TrustGroupError';
}

/** Problems of a document's content (schema, admitted issuers that are not members). */
export function trustGroupProblems(doc: unknown): string[] {
  const errors = [...Value.Errors(TrustGroupSchema, doc)]
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => `${e.instancePath || '/'} ${e.message}`);
  if (errors.length > 0) return errors;
  const d = doc as TrustGroupDocument;
  const members = new Set(d.members.map((m) => m.issuer));
  return d.sources.flatMap((s) =>
    s.admitted.filter((i) => !members.has(i)).map((i) => `/sources ${s.resource} admits ${i}, which is not a member`),
  );
}

/** Signs a document with the governance key. */
export async function signTrustGroup(doc: TrustGroupDocument, key: { privateKey: CryptoKey; alg: string; kid: string }): Promise<string> {
  const problems = trustGroupProblems(doc);
  if (problems.length > 0) throw new TrustGroupError(`the document is not valid: ${problems.join('; ')}`);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(doc)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TRUST_GROUP_TYP })
    .sign(key.privateKey);
}

/**
 * Verifies a signed document with the governance JWKS and its validity period.
 * Throws {@link TrustGroupError} for a forged, tampered, expired or malformed document.
 */
export async function verifyTrustGroup(jws: string, governance: { keys: JWK[] }, now = Date.now()): Promise<TrustGroupDocument> {
  let payload: Uint8Array;
  try {
    const verified = await compactVerify(jws.trim(), createLocalJWKSet(governance));
    if (verified.protectedHeader.typ !== TRUST_GROUP_TYP)
      throw new TrustGroupError(`not a trust-group document (typ ${verified.protectedHeader.typ})`);
    payload = verified.payload;
  } catch (err) {
    if (err instanceof TrustGroupError) throw err;
    throw new TrustGroupError('the signature does not verify with the governance keys');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new TrustGroupError('the signed content is not JSON');
  }
  const problems = trustGroupProblems(doc);
  if (problems.length > 0) throw new TrustGroupError(`the document is not valid: ${problems.join('; ')}`);
  const d = doc as TrustGroupDocument;
  if (Date.parse(d.expires_at) <= now) throw new TrustGroupError(`the document expired at ${d.expires_at}`);
  if (Date.parse(d.issued_at) > now + 5 * 60_000) throw new TrustGroupError(`the document is issued in the future (${d.issued_at})`);
  return d;
}

/** Issuers the group admits to a source (empty when the source is not in the group). */
export function admittedTo(doc: TrustGroupDocument, resource: string): Set<string> {
  return new Set(doc.sources.find((s) => s.resource === resource)?.admitted ?? []);
}

/** A new governance key pair (ES256) as JWKs. */
export async function generateGovernanceKey(kid: string): Promise<{ privateJwk: JWK; jwks: { keys: JWK[] } }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const meta = { kid, alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, jwks: { keys: [{ ...(await exportJWK(publicKey)), ...meta }] } };
}

/** Imports a private governance JWK for signing. */
export async function importGovernanceKey(jwk: JWK): Promise<{ privateKey: CryptoKey; alg: string; kid: string }> {
  if (!jwk.d) throw new TrustGroupError('the key file holds no private key');
  return { privateKey: (await importJWK(jwk, jwk.alg ?? 'ES256')) as CryptoKey, alg: jwk.alg ?? 'ES256', kid: jwk.kid ?? 'governance' };
}
