/**
 * The gateway's OpenAPI document names its sources: the one data route
 * `/sources/:source/*` becomes one path per configured source operation, each with the schema
 * of the attributes it can release (from the source's configuration) and the operators whose
 * tokens it admits.
 */
import type { OpenApiDocument } from '../shared/openapi/document.ts';
import type { CompiledOperation, CompiledSource } from './source-registry.ts';

/** The data route as @fastify/swagger documents it. */
const DATA_PATH = '/sources/{source}/{*}';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  description?: string;
}
interface Operation {
  parameters?: Array<{ in: string; name: string; description?: string }>;
  [member: string]: unknown;
}

/** The JSON pointers of an attribute in the gateway's answer (a Turtle operation's document has `/<id>`). */
function pointersOf(o: CompiledOperation, id: string): string[] {
  const p = o.config.format === 'turtle' ? `/${id}` : o.config.attributes[id]!;
  return Array.isArray(p) ? p : [p];
}

/** Places an attribute at a pointer in the schema: objects by name, arrays by index. */
function place(root: SchemaNode, pointer: string, id: string): void {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node = root;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (/^(0|[1-9][0-9]*|-)$/.test(segment)) {
      node.type = 'array';
      node.items ??= last ? {} : { type: 'object' };
      node = node.items;
    } else {
      node.type ??= 'object';
      node.properties ??= {};
      node = node.properties[segment] ??= last ? {} : { type: 'object' };
    }
    if (last) node.description = node.description ? `${node.description}, \`${id}\`` : `attribute \`${id}\``;
  });
}

/** The schema of an operation's answer: the source's JSON with only the consented attributes, each optional. */
export function attributeSchema(o: CompiledOperation): object {
  const root: SchemaNode = { type: 'object', properties: {}, description: 'only the attributes the consent covers are present' };
  for (const id of o.attributeIds) for (const pointer of pointersOf(o, id)) place(root, pointer, id);
  return root;
}

/** The document of one source operation, from the data route's. */
function operationOf(template: Operation, source: CompiledSource, o: CompiledOperation, schemes: Map<string, string>): Operation {
  const ids = o.attributeIds.map((id) => `\`${id}\``).join(', ');
  const parameters = (template.parameters ?? [])
    .filter((p) => p.in !== 'path')
    .map((p) => (p.name === 'attributes' ? { ...p, description: `comma-separated subset of: ${ids}` } : p));
  const responses = template.responses as Record<string, unknown>;
  return {
    ...template,
    operationId: `read_${source.id}_${o.config.name}`.replace(/[^A-Za-z0-9_]/g, '_'),
    summary: `Read \`${o.config.name}\` of source \`${source.id}\` (${o.config.identifier_type}): the consented attributes`,
    parameters,
    security: [...source.admitted].flatMap((issuer) => (schemes.has(issuer) ? [{ [schemes.get(issuer)!]: [] }] : [])),
    'x-portti-resource': source.resource,
    'x-portti-attributes': o.attributeIds,
    responses: {
      ...responses,
      200: { description: 'The consented attributes', content: { 'application/json': { schema: attributeSchema(o) } } },
    },
  };
}

/** One OAuth scheme per operator: a DPoP-bound token for the source's resource, from that operator. */
function operatorSchemes(issuers: string[]): Record<string, object> {
  return Object.fromEntries(
    issuers.map((issuer, i) => [
      `operator${i + 1}`,
      {
        type: 'oauth2',
        description:
          `A DPoP-bound RFC 9068 token from the operator ${issuer} (its RFC 8414 metadata names the token endpoint), ` +
          'with `resource` the source and an `authorization_details` entry of type `personal_data_access` naming the consent record; ' +
          'send `Authorization: DPoP <token>` and a `DPoP` proof.',
        flows: { clientCredentials: { tokenUrl: `${issuer}/oauth/token`, scopes: {} } },
      },
    ]),
  );
}

/**
 * The last pass over the gateway's document: one path per source operation in place of the
 * data route, and a security scheme per operator.
 */
export function documentSources(sources: Map<string, CompiledSource>, issuers: string[]) {
  return (document: OpenApiDocument): OpenApiDocument => {
    const { [DATA_PATH]: data, ...paths } = document.paths ?? {};
    const template = data?.get as Operation | undefined;
    if (!template) return document;
    const schemes = operatorSchemes(issuers);
    const names = new Map(issuers.map((issuer, i) => [issuer, `operator${i + 1}`]));
    for (const s of sources.values())
      for (const o of s.operations.values()) paths[`/sources/${s.id}/${o.config.name}`] = { get: operationOf(template, s, o, names) };
    const components = document.components ?? {};
    const securitySchemes = { ...(components.securitySchemes as object), ...schemes };
    return { ...document, paths, components: { ...components, securitySchemes } };
  };
}
