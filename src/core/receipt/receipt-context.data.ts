/**
 * The JSON-LD context of Portti's consent receipts. DPV publishes no JSON-LD context of its own:
 * the W3C DPV guide for ISO/IEC TS 27560 (`guides/consent-27560`) writes its records with the
 * prefixes of its Namespaces section (`dpv:`, `pd:`, `loc:`, `eu-gdpr:`, `dct:`) and the schema
 * namespace `dpv-27560:`. This document is those prefixes plus which properties take IRIs and
 * which take dates, nothing else: no `@vocab`, so a key without a prefix cannot slip through.
 *
 * Receipts name it by URL (`<issuer>/contexts/dpv-27560-v1.jsonld`); the operator serves this
 * very object there, and offline processors (the tests) load this copy instead. It is frozen:
 * a change is a new file name (`-v2`), because signed receipts keep pointing at the old one.
 */

/** Path under the issuer where the operator serves {@link RECEIPT_CONTEXT}. */
export const RECEIPT_CONTEXT_PATH = '/contexts/dpv-27560-v1.jsonld';

/** The URL a receipt of `issuer` names as its `@context`. */
export const receiptContextUrl = (issuer: string): string => `${issuer.replace(/\/$/, '')}${RECEIPT_CONTEXT_PATH}`;

const iri = { '@type': '@id' } as const;
const dateTime = { '@type': 'xsd:dateTime' } as const;

/** The context document (JSON-LD 1.1, protected). */
export const RECEIPT_CONTEXT = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    dpv: 'https://w3id.org/dpv#',
    pd: 'https://w3id.org/dpv/pd#',
    loc: 'https://w3id.org/dpv/loc#',
    'eu-gdpr': 'https://w3id.org/dpv/legal/eu/gdpr#',
    'dpv-27560': 'https://w3id.org/dpv/schema/dpv-27560#',
    dct: 'http://purl.org/dc/terms/',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    'dct:conformsTo': iri,
    'dct:publisher': iri,
    'dct:audience': iri,
    'dct:replaces': iri,
    'dct:isReplacedBy': iri,
    'dct:source': iri,
    'dct:created': dateTime,
    'dct:modified': dateTime,
    'dpv:isIndicatedAtTime': dateTime,
    'dpv:hasRecordOfActivity': iri,
    'dpv:hasDataSubject': iri,
    'dpv:hasDataController': iri,
    'dpv:hasRecipient': iri,
    'dpv:hasService': iri,
    'dpv:hasPurpose': iri,
    'dpv:hasLegalBasis': iri,
    'dpv:hasPersonalData': iri,
    'dpv:hasNecessity': iri,
    'dpv:hasJurisdiction': iri,
    'dpv:hasPolicy': iri,
    'dpv:hasNotice': iri,
    'dpv:hasStatus': iri,
    'dpv:hasEntity': iri,
    'dpv:isIndicatedBy': iri,
    'dpv:isExercisedAt': iri,
    'dpv:isRepresentativeFor': iri,
  },
} as const;
