/**
 * ISO/IEC TS 27560 consent receipts as the W3C DPV guide `consent-27560` profiles them: a
 * `dpv:ConsentReceipt` (`dct:conformsTo dpv-27560:receipt`) wrapping a copy of the
 * `dpv:ConsentRecord` (`dpv-27560:record`) with its processes, entities and consent events,
 * in JSON-LD with the context of receipt-context.data.ts, signed by the operator as compact JWS.
 *
 * A receipt carries no key of its own: who signed it is decided by the issuer's published keys
 * (`verifyReceipt` takes them from the caller), never by anything inside the receipt.
 */
import { CompactSign, type CryptoKey } from 'jose';
import { attrKey, isConsentBasis, type ConsentState, type HistoryEntry, type Party, type Purpose } from '../consent.ts';
import { receiptContextUrl } from './receipt-context.data.ts';
import { consentType, eventStatus, ROLE_TERMS, STATUS_TERMS, VALID_FOR_PROCESSING } from './receipt-terms.ts';
import { RECEIPT_JWS_TYP } from './receipt-verify.ts';

/** Who issues the receipt and what it says about the people and the service. */
export interface ReceiptContext {
  issuer: string;
  operatorName: string;
  /** ISO 3166 code of the jurisdiction (`loc:` concept). */
  jurisdiction: string;
  /** The language of the request that started the record (fi, sv or en). */
  language: string;
  privacyNotice: string;
  controller: { name: string; id?: string | undefined; contact?: string | undefined };
  /** The service's name in `language`. */
  serviceName?: string | undefined;
  /** The pairwise subject (as the service knows the person) of each data-subject party with an account, by party id. */
  subjects: ReadonlyMap<string, string>;
}

/** A receipt document (compacted JSON-LD). */
export type ReceiptDocument = Record<string, unknown>;

const iso = (ms: number) => new Date(ms).toISOString();
const partyIri = (partyId: string) => `urn:uuid:${partyId}`;
const duration = (d: string) => ({ '@value': d, '@type': 'xsd:duration' });
const isIri = (s: string) => /^[a-z][a-z0-9+.-]*:\S+$/i.test(s);

/** The IRIs the receipt names the service and its controller by. */
function serviceIris(issuer: string, clientId: string) {
  const service = `${issuer}/services/${encodeURIComponent(clientId)}`;
  return { service, controller: `${service}#controller` };
}

/** One `dpv:Process` per purpose: what data, why, on what basis, kept how long, withdrawn where. */
function processOf(p: Purpose, state: ConsentState, ctx: ReceiptContext) {
  const iris = serviceIris(ctx.issuer, state.client_id);
  const thirdParties = p.recipient_third_parties.map((r) => (isIri(r) ? r : { '@type': 'dpv:ThirdParty', 'dpv:hasName': r }));
  return {
    '@type': 'dpv:Process',
    'dpv:hasPurpose': p.purpose,
    'dpv:hasLegalBasis': p.lawful_basis,
    'dpv:hasPersonalData': p.pii_information.map((i) => ({
      '@id': attrKey(i),
      '@type': i.pii_type,
      'dct:identifier': i.pii_attribute_id,
      'dct:source': i.source,
      'dpv:hasNecessity': i.pii_optional ? 'dpv:Optional' : 'dpv:Required',
    })),
    'dpv:hasDataController': iris.controller,
    'dpv:hasRecipient': [iris.controller, ...thirdParties],
    'dpv:hasService': {
      '@id': iris.service,
      '@type': 'dpv:Service',
      'dct:identifier': state.client_id,
      ...(ctx.serviceName ? { 'dct:title': { '@value': ctx.serviceName, '@language': ctx.language } } : {}),
    },
    'dpv:hasStorageCondition': { '@type': 'dpv:StorageDuration', 'dpv:hasDuration': duration(p.retention_period) },
    'dpv:hasConsentControl': { '@type': 'dpv:WithdrawConsent', 'dpv:isExercisedAt': p.withdrawal_method },
    'dpv:hasJurisdiction': `loc:${ctx.jurisdiction}`,
    'dpv:hasPolicy': p.agreement_uid,
  };
}

/** The parties, the service's controller and the operator, as the guide's entities (type = role). */
function entitiesOf(state: ConsentState, ctx: ReceiptContext) {
  const { controller } = serviceIris(ctx.issuer, state.client_id);
  const parties = state.parties.map((p) => {
    const subject = ctx.subjects.get(p.party_id);
    return {
      '@id': partyIri(p.party_id),
      '@type': ROLE_TERMS[p.role],
      'dpv:hasIdentifier': partyIri(p.party_id),
      ...(subject ? { 'dct:identifier': subject } : {}),
      ...(p.acting_for ? { 'dpv:isRepresentativeFor': partyIri(p.acting_for) } : {}),
    };
  });
  return [
    ...parties,
    {
      '@id': controller,
      '@type': ['dpv:Organisation', 'dpv:DataController'],
      'dpv:hasName': ctx.controller.name,
      'dpv:hasIdentifier': ctx.controller.id ?? controller,
      ...(ctx.controller.contact ? { 'dpv:hasContact': ctx.controller.contact } : {}),
    },
    { '@id': ctx.issuer, '@type': 'dpv:Organisation', 'dpv:hasName': ctx.operatorName, 'dpv:hasIdentifier': ctx.issuer },
  ];
}

/** Who expressed an event: the participant, the service's controller, or the operator. */
function indicatedBy(h: HistoryEntry, state: ConsentState, issuer: string): string {
  if (h.actor.startsWith('client:')) return serviceIris(issuer, state.client_id).controller;
  if (h.actor.startsWith('account:') || h.actor.startsWith('arrangement:')) return h.party_id ? partyIri(h.party_id) : 'dpv:DataSubject';
  return issuer;
}

/** What a participant's consent covers: the required attributes and the optional ones they chose. */
function coveredBy(party: Party | undefined, state: ConsentState): string[] {
  const items = state.purposes.flatMap((p) => p.pii_information);
  return items.filter((i) => !i.pii_optional || (party?.choices ?? []).includes(attrKey(i))).map(attrKey);
}

/** One consent event: its state (and, for a given consent, its type), time, who and how long it holds. */
function eventOf(h: HistoryEntry, state: ConsentState, ctx: ReceiptContext, consentBased: boolean) {
  const status = eventStatus(h, consentBased);
  const given = status === 'dpv:ConsentGiven' && h.party_id !== null;
  return {
    '@type': given ? [status, consentType(state.purposes[0]?.lawful_basis ?? '')] : status,
    'dpv:isIndicatedAtTime': iso(h.time),
    'dpv:isIndicatedBy': indicatedBy(h, state, ctx.issuer),
    ...(given
      ? {
          'dpv:hasPersonalData': coveredBy(
            state.parties.find((p) => p.party_id === h.party_id),
            state,
          ),
        }
      : {}),
    ...(VALID_FOR_PROCESSING.has(status)
      ? {
          'dpv:hasDuration': state.validity_duration
            ? duration(state.validity_duration)
            : { '@type': 'dpv:UntilEventDuration', 'dct:description': 'until the consent is withdrawn' },
        }
      : {}),
    ...(h.reason ? { 'dct:description': h.reason } : {}),
  };
}

/** The consent record the receipt is a copy of (27560 record fields in DPV terms). */
function recordOf(state: ConsentState, history: HistoryEntry[], ctx: ReceiptContext) {
  const consentBased = state.purposes.every((p) => isConsentBasis(p.lawful_basis));
  return {
    '@id': state.record_id,
    '@type': 'dpv:ConsentRecord',
    'dct:identifier': state.record_id,
    'dpv:hasIdentifier': state.record_id,
    'dct:conformsTo': 'dpv-27560:record',
    'dct:created': iso(state.created_at),
    'dct:modified': iso(state.updated_at),
    ...(state.replaces ? { 'dct:replaces': state.replaces } : {}),
    ...(state.replaced_by ? { 'dct:isReplacedBy': state.replaced_by } : {}),
    'dpv:hasDataSubject': state.parties.filter((p) => p.role === 'data_subject').map((p) => partyIri(p.party_id)),
    'dpv:hasDataController': serviceIris(ctx.issuer, state.client_id).controller,
    'dpv:hasJurisdiction': `loc:${ctx.jurisdiction}`,
    'dpv:hasNotice': { '@id': ctx.privacyNotice, '@type': 'dpv:PrivacyNotice', 'dct:language': ctx.language },
    'dpv:hasProcess': state.purposes.map((p) => processOf(p, state, ctx)),
    'dpv:hasEntity': entitiesOf(state, ctx),
    'dpv:hasStatus': STATUS_TERMS[state.status][consentBased ? 'consent' : 'other'],
    [consentBased ? 'dpv:hasConsentStatus' : 'dpv:hasActivityStatus']: history.map((h) => eventOf(h, state, ctx, consentBased)),
  };
}

/** Builds the receipt of a record after a change, with its whole history. */
export function buildReceipt(state: ConsentState, history: HistoryEntry[], ctx: ReceiptContext, receiptId: string, now = Date.now()) {
  return {
    '@context': receiptContextUrl(ctx.issuer),
    '@id': receiptId,
    '@type': 'dpv:ConsentReceipt',
    'dct:identifier': receiptId,
    'dpv:hasIdentifier': receiptId,
    'dct:conformsTo': 'dpv-27560:receipt',
    'dct:created': iso(now),
    'dct:publisher': ctx.issuer,
    'dct:language': ctx.language,
    'dct:audience': state.parties.map((p) => partyIri(p.party_id)),
    'dpv:hasRecordOfActivity': recordOf(state, history, ctx),
  } satisfies ReceiptDocument;
}

/** Signs a receipt document as compact JWS; the header names the key (`kid`) and carries no key. */
export async function signReceipt(doc: ReceiptDocument, key: { privateKey: CryptoKey; alg: string; kid: string }): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(doc)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: RECEIPT_JWS_TYP, cty: 'application/ld+json' })
    .sign(key.privateKey);
}

/** Verification lives beside: the caller brings the issuer's keys. */
export {
  inspectReceipt,
  receiptSummary,
  verifyReceipt,
  RECEIPT_JWS_TYP,
  type ReceiptSummary,
  type ReceiptVerdict,
} from './receipt-verify.ts';
