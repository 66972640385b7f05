/**
 * JSON-LD expansion of a consent receipt, offline: the `jsonld` processor gets the receipt
 * context from the copy in the repository (src/core/receipt-context.data.ts) and refuses every
 * other URL, so a test never touches the network. Safe mode makes a dropped key or a relative
 * IRI an error instead of a silent loss.
 */
import jsonld from 'jsonld';
import { RECEIPT_CONTEXT, RECEIPT_CONTEXT_PATH } from '../../src/core/receipt/receipt-context.data.ts';

/** Loads only the receipt context, from the vendored copy. */
async function documentLoader(url: string) {
  if (new URL(url).pathname !== RECEIPT_CONTEXT_PATH) throw new Error(`no network in tests: refused to load ${url}`);
  return { contextUrl: undefined, documentUrl: url, document: structuredClone(RECEIPT_CONTEXT) };
}

/** Expands a receipt document (safe mode). */
export async function expandReceipt(doc: object): Promise<unknown[]> {
  const options = { documentLoader, safe: true } as unknown as Parameters<typeof jsonld.expand>[1];
  return (await jsonld.expand(doc as never, options)) as unknown[];
}

/** The IRIs an expanded document uses, by role. */
export interface UsedIris {
  properties: Set<string>;
  /** `@type` of node objects (classes). */
  types: Set<string>;
  /** `@type` of value objects (datatypes). */
  datatypes: Set<string>;
  ids: Set<string>;
}

/** Collects every property, type, datatype and node IRI of an expanded document. */
export function usedIris(
  expanded: unknown,
  out: UsedIris = { properties: new Set(), types: new Set(), datatypes: new Set(), ids: new Set() },
) {
  if (Array.isArray(expanded)) for (const item of expanded) usedIris(item, out);
  else if (expanded && typeof expanded === 'object') {
    const node = expanded as Record<string, unknown>;
    for (const [key, value] of Object.entries(node)) {
      if (key === '@id') out.ids.add(String(value));
      else if (key === '@type') for (const t of [value].flat()) ('@value' in node ? out.datatypes : out.types).add(String(t));
      else if (key === '@value' || key === '@language') continue;
      else {
        if (!key.startsWith('@')) out.properties.add(key);
        usedIris(value, out);
      }
    }
  }
  return out;
}

/** DPV (with its extensions pd, loc, legal) and its 27560 schema, and DCMI terms. */
export const VOCABULARY = /^(https:\/\/w3id\.org\/dpv(\/[a-z0-9/-]+)?#[A-Za-z0-9-]+|http:\/\/purl\.org\/dc\/terms\/[A-Za-z]+)$/;
/** An absolute IRI: a scheme, then no white space. */
export const ABSOLUTE_IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;
