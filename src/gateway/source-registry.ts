/**
 * Source definitions compiled for the request path: operations by name with their
 * compiled attribute maps, the resource URI, and the admitted operators.
 */
import { compileAttributeMap, type CompiledAttributeMap } from '../core/attribute-filter.ts';
import type { OperationConfig, SourceConfig } from '../shared/config.schema.ts';
import { Upstream } from './upstream.ts';

export interface CompiledOperation {
  config: OperationConfig;
  attributeIds: string[];
  map: CompiledAttributeMap;
}

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
        operations: new Map(
          s.operations.map((o) => [o.name, { config: o, attributeIds: Object.keys(o.attributes), map: compileAttributeMap(o.attributes) }]),
        ),
        upstream: new Upstream(s),
        config: s,
      },
    ]),
  );
}

/**
 * Builds the upstream path for a person. The identifier is percent-encoded, and dot
 * segments are refused, so no identifier can move the request to another upstream path.
 */
export function upstreamPath(template: string, identifier: string): string {
  if (identifier === '' || identifier === '.' || identifier === '..') throw new Error('identifier is not usable in a path');
  return template.replaceAll('{identifier}', encodeURIComponent(identifier));
}
