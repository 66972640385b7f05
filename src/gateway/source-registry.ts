/**
 * Source definitions compiled for the request path: operations by name with their
 * compiled attribute maps, the resource URI, and the admitted operators.
 */
import { compileAttributeMap, type CompiledAttributeMap } from '../core/attribute-filter.ts';
import type { OperationConfig, SourceConfig } from '../shared/gateway.schema.ts';
import { turtleToDocument } from './upstream/rdf-document.ts';
import { JSON_FORMAT, Upstream, type ResponseFormat } from './upstream/upstream.ts';

/** One operation of a source, ready for the request path. */
export interface CompiledOperation {
  config: OperationConfig;
  attributeIds: string[];
  map: CompiledAttributeMap;
  /** What the source is asked for and how its answer becomes the document `map` points into. */
  format: ResponseFormat;
}

/** One source the gateway fronts, ready for the request path. */
export interface CompiledSource {
  id: string;
  /** RFC 8707 resource URI: `<public_url>/sources/<id>`; the tokens' audience. */
  resource: string;
  /** RFC 9728 metadata URL for this resource. */
  metadataUrl: string;
  admitted: Set<string>;
  operations: Map<string, CompiledOperation>;
  upstream: Upstream;
  config: SourceConfig;
}

/** Compiles every source of a gateway. */
export function compileSources(publicUrl: string, sources: SourceConfig[]): Map<string, CompiledSource> {
  const base = publicUrl.replace(/\/$/, '');
  const origin = new URL(base).origin;
  const basePath = new URL(base).pathname.replace(/\/$/, '');
  return new Map(
    sources.map((s) => [
      s.id,
      {
        id: s.id,
        resource: `${base}/sources/${s.id}`,
        metadataUrl: `${origin}/.well-known/oauth-protected-resource${basePath}/sources/${s.id}`,
        admitted: new Set(s.admitted_operators),
        operations: new Map(s.operations.map((o) => [o.name, compileOperation(o)])),
        upstream: new Upstream(s),
        config: s,
      },
    ]),
  );
}

/**
 * A JSON operation points into the source's own document. A Turtle operation first turns the
 * resource into `{ <attribute id>: <values of its predicate> }`, so its pointers are `/<id>`.
 */
export function compileOperation(o: OperationConfig): CompiledOperation {
  const attributeIds = Object.keys(o.attributes);
  if (o.format !== 'turtle')
    return { config: o, attributeIds, map: compileAttributeMap(o.attributes as Record<string, string | string[]>), format: JSON_FORMAT };
  const predicates = new Map<string, string>();
  for (const [id, iri] of Object.entries(o.attributes)) {
    if (typeof iri !== 'string' || !/^https?:\/\//.test(iri))
      throw new Error(`operation ${o.name}: attribute ${id} of a turtle operation needs one predicate IRI`);
    predicates.set(id, iri);
  }
  const mapping = { subject: o.subject ?? '#me', predicates };
  return {
    config: o,
    attributeIds,
    map: compileAttributeMap(Object.fromEntries(attributeIds.map((id) => [id, `/${id}`]))),
    format: {
      accept: 'text/turtle',
      decode(text, url, contentType) {
        if (contentType !== 'text/turtle') throw new Error('the source answered with something that is not Turtle');
        return turtleToDocument(text, url, mapping);
      },
    },
  };
}

/**
 * Builds the upstream path for a person. The identifier is percent-encoded, and dot
 * segments are refused, so no identifier can move the request to another upstream path.
 */
export function upstreamPath(template: string, identifier: string): string {
  if (identifier === '' || identifier === '.' || identifier === '..') throw new Error('identifier is not usable in a path');
  return template.replaceAll('{identifier}', encodeURIComponent(identifier));
}
