/**
 * ISO/IEC TS 27560 consent receipts as DPV JSON-LD (`dpv-27560:receipt-full`), signed
 * as compact JWS with the operator's key. The signing key's public JWK rides in the
 * protected header so a receipt verifies offline; `--jwks` ties the key to the operator.
 */
import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { ConsentState, HistoryEntry } from './consent.ts';

export const RECEIPT_CONTEXT = {
  dpv: 'https://w3id.org/dpv#',
  'dpv-27560': 'https://w3id.org/dpv/guides/consent-27560#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  '@vocab': 'https://w3id.org/dpv/guides/consent-27560#',
  event_time: { '@type': 'xsd:dateTime' },
  purpose: { '@type': '@id' },
  lawful_basis: { '@type': '@id' },
  pii_type: { '@type': '@id' },
};

export interface ReceiptContext {
  issuer: string;
  operatorName: string;
  jurisdiction: string;
  language: string;
  privacyNotice: string;
  controller: string;
  /** Pairwise or account id of the person the receipt is for. */
  piiPrincipalId: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Builds the receipt document for a record after `event`. */
export function buildReceipt(state: ConsentState, history: HistoryEntry[], ctx: ReceiptContext, receiptId: string) {
  return {
    '@context': RECEIPT_CONTEXT,
    '@type': 'dpv-27560:receipt-full',
    receipt_id: receiptId,
    record_id: state.record_id,
    schema_version: 'ISO/IEC TS 27560:2023 (DPV guide)',
    pii_principal_id: ctx.piiPrincipalId,
    language: ctx.language,
    privacy_notice: ctx.privacyNotice,
    jurisdiction: ctx.jurisdiction,
    pii_controllers: [{ name: ctx.controller, recipient: state.client_id }],
    operator: { issuer: ctx.issuer, name: ctx.operatorName },
    status: state.status,
    activation_mode: state.activation_mode,
    replaces: state.replaces,
    validity_duration: state.validity_duration,
    expires_at: iso(state.expires_at),
    purposes: state.purposes.map((p) => ({
      purpose: p.purpose,
      purpose_type: p.purpose_type ?? null,
      lawful_basis: p.lawful_basis,
      pii_information: p.pii_information,
      recipient_third_parties: p.recipient_third_parties,
      retention_period: p.retention_period,
      withdrawal_method: p.withdrawal_method,
      agreement_uid: p.agreement_uid,
    })),
    parties: state.parties.map((p) => ({
      party_id: p.party_id,
      role: p.role,
      status: p.status,
      acting_for: p.acting_for,
      choices: p.choices,
    })),
    events: history.map((h) => ({
      event_time: new Date(h.time).toISOString(),
      event_type: h.event_type,
      event_state: h.to_status,
      event_by: h.actor.startsWith('account:') ? 'dpv:DataSubject' : h.actor,
      party_id: h.party_id,
      ...(h.reason ? { reason: h.reason } : {}),
    })),
    issued_at: new Date().toISOString(),
  };
}

/** Signs a receipt document as compact JWS (public key in the header). */
export async function signReceipt(doc: unknown, key: { privateKey: CryptoKey; alg: string; kid: string; publicJwk: JWK }): Promise<string> {
  const { d: _d, ...publicJwk } = key.publicJwk as JWK & { d?: string };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(doc)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'consent-receipt+jws', cty: 'application/ld+json', jwk: publicJwk })
    .sign(key.privateKey);
}

export interface ReceiptVerdict {
  ok: boolean;
  reason?: string;
  /** JWK thumbprint of the signing key. */
  key_thumbprint?: string;
  /** True when `jwks` was given and contains the signing key. */
  key_trusted?: boolean;
  receipt?: Record<string, unknown>;
}

/**
 * Verifies a receipt offline with the key in its header; with `jwks`, the key must also
 * be one of the operator's published keys.
 */
export async function verifyReceipt(jws: string, jwks?: { keys: JWK[] }): Promise<ReceiptVerdict> {
  try {
    const header = decodeProtectedHeader(jws.trim());
    if (header.typ !== 'consent-receipt+jws' || !header.jwk || typeof header.alg !== 'string') {
      return { ok: false, reason: 'not a Portti consent receipt (typ or jwk missing)' };
    }
    const thumbprint = await calculateJwkThumbprint(header.jwk);
    const key = jwks ? createLocalJWKSet(jwks) : await importJWK(header.jwk, header.alg);
    const { payload } = await compactVerify(jws.trim(), key as never);
    return {
      ok: true,
      key_thumbprint: thumbprint,
      ...(jwks ? { key_trusted: true } : {}),
      receipt: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>,
    };
  } catch (err) {
    return { ok: false, reason: `signature verification failed: ${(err as Error).message}` };
  }
}
