/**
 * Turns an RDF resource (Turtle, e.g. from a Solid pod) into the JSON document the attribute
 * filter works on: one member per attribute id, holding the values of that attribute's
 * predicate on the operation's subject node. Nothing else in the resource reaches the
 * document, so the normal JSON-pointer filter (`/<attribute id>`) then releases only what
 * the consent covers.
 */
import type { Quad } from 'n3';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const NUMERIC = new Set(
  ['integer', 'decimal', 'double', 'float', 'long', 'int', 'short', 'nonNegativeInteger', 'positiveInteger'].map((t) => XSD + t),
);
/** How deep blank nodes (e.g. a vCard address) are followed. */
const MAX_DEPTH = 4;

/** A JSON value made of RDF terms. */
export type RdfJson = string | number | boolean | { [predicate: string]: RdfJson | RdfJson[] } | RdfJson[];

/** The predicates of one operation: attribute id → predicate IRI, and the subject (relative IRI). */
export interface RdfMapping {
  subject: string;
  predicates: ReadonlyMap<string, string>;
}

/** Thrown when the body is not Turtle; the upstream client turns it into a 502 problem. */
export class NotRdfError extends Error {}

/**
 * Parses Turtle `text` (relative IRIs resolved against `url`) and builds the attribute document.
 * One value gives a scalar, several an array (in a stable order); literals become strings,
 * numbers or booleans by datatype, IRIs strings, blank nodes objects keyed by predicate IRI.
 *
 * @example await turtleToDocument('<#me> <http://xmlns.com/foaf/0.1/givenName> "Aino".', 'https://pod.example/aino/card',
 *   { subject: '#me', predicates: new Map([['given_name', 'http://xmlns.com/foaf/0.1/givenName']]) }) // → { given_name: 'Aino' }
 */
export async function turtleToDocument(text: string, url: string, mapping: RdfMapping): Promise<Record<string, RdfJson>> {
  // loaded on first use: gateways without RDF sources (and the CLI) never pay for the parser
  const { Parser } = await import('n3');
  let quads: Quad[];
  try {
    quads = new Parser({ baseIRI: url, format: 'text/turtle' }).parse(text);
  } catch {
    throw new NotRdfError('the source answered with something that is not valid Turtle');
  }
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const key = `${q.subject.termType}:${q.subject.value}`;
    let list = bySubject.get(key);
    if (!list) bySubject.set(key, (list = []));
    list.push(q);
  }
  const subject = `NamedNode:${new URL(mapping.subject, url).href}`;
  const doc: Record<string, RdfJson> = {};
  for (const [id, predicate] of mapping.predicates) {
    const values = (bySubject.get(subject) ?? [])
      .filter((q) => q.predicate.value === predicate)
      .map((q) => termValue(q.object, bySubject, 0, new Set()));
    const value = collapse(values);
    // defineProperty: an attribute id never touches a prototype
    if (value !== undefined) Object.defineProperty(doc, id, { value, enumerable: true, writable: true, configurable: true });
  }
  return doc;
}

function termValue(term: Quad['object'], bySubject: Map<string, Quad[]>, depth: number, seen: Set<string>): RdfJson {
  if (term.termType === 'Literal') {
    const type = term.datatype.value;
    if (NUMERIC.has(type) && Number.isFinite(Number(term.value))) return Number(term.value);
    if (type === `${XSD}boolean`) return term.value === 'true' || term.value === '1';
    return term.value;
  }
  if (term.termType === 'BlankNode' && depth < MAX_DEPTH && !seen.has(term.value)) {
    const node: Record<string, RdfJson[]> = {};
    const inner = new Set(seen).add(term.value);
    for (const q of bySubject.get(`BlankNode:${term.value}`) ?? []) {
      const list = Object.hasOwn(node, q.predicate.value) ? node[q.predicate.value]! : [];
      list.push(termValue(q.object, bySubject, depth + 1, inner));
      Object.defineProperty(node, q.predicate.value, { value: list, enumerable: true, writable: true, configurable: true });
    }
    const out: Record<string, RdfJson> = {};
    for (const key of Object.keys(node).sort()) {
      Object.defineProperty(out, key, { value: collapse(node[key]!)!, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  // a blank node too deep or in a cycle: its label means nothing outside this parse
  if (term.termType === 'BlankNode') return {};
  return term.value;
}

function collapse(values: RdfJson[]): RdfJson | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  return values
    .map((v) => [JSON.stringify(v), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => v);
}
