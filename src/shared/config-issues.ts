/**
 * How schema errors in a configuration document become issues a person can act on:
 * unknown fields by name, required fields by name, and a discriminated union (such as an
 * upstream's `auth`) checked against the one branch its `type` names, so the problem
 * speaks of that type only.
 */
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Segment } from './config-loader.ts';

/** The segments of a JSON pointer (`/a/0/b` → `['a', 0, 'b']`). */
function pointerToSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The reason a schema error gives, in the words of the configuration. */
function describe(error: { keyword: string; message: string; params: Record<string, unknown> }): string {
  if (error.keyword === 'required') {
    const props = (error.params.requiredProperties ?? error.params.missingProperty) as unknown;
    return `missing required field ${Array.isArray(props) ? props.join(', ') : String(props)}`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues ?? error.params.values) as unknown;
    return Array.isArray(allowed) ? `must be one of: ${allowed.join(', ')}` : error.message;
  }
  return error.message;
}

/** A schema error as TypeBox reports it. */
export type SchemaError = { keyword: string; message: string; params: Record<string, unknown>; schemaPath: string; instancePath: string };
/** One problem by path, with the offending key when it is one. */
export type SchemaIssue = { segments: Segment[]; reason: string; key?: string };
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a JSON pointer (`#/properties/a/items`, or `/a/0` into a document) points at, if anything. */
function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointerToSegments(pointer.replace(/^#/, ''))) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isObject(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/**
 * A union marked `discriminator: { propertyName }` (each branch an object whose property is a
 * constant) is checked against the one branch its value names, so the problems speak of that
 * type only: "not a field of type X", "type X needs Y", or the list of types.
 */
function discriminatedIssues(union: JsonObject, value: unknown, path: Segment[]): SchemaIssue[] {
  const prop = String((union.discriminator as JsonObject).propertyName);
  const branches = (union.anyOf as JsonObject[]).map((b) => ({ b, tag: at(b, `/properties/${prop}/const`) }));
  if (!isObject(value)) return [{ segments: path, reason: 'must be object' }];
  if (value[prop] === undefined) return [{ segments: path, reason: `missing required field ${prop}` }];
  const branch = branches.find((x) => x.tag === value[prop])?.b;
  if (!branch) return [{ segments: [...path, prop], reason: `must be one of: ${branches.map((x) => String(x.tag)).join(', ')}` }];
  const tag = String(value[prop]);
  const own = (branch.properties ?? {}) as JsonObject;
  const issues: SchemaIssue[] = Object.keys(value)
    .filter((k) => !Object.hasOwn(own, k))
    .map((key) => ({ segments: path, key, reason: `not a field of type ${tag}` }));
  for (const key of (branch.required ?? []) as string[]) {
    if (value[key] === undefined) issues.push({ segments: path, key, reason: `type ${tag} needs ${key}` });
  }
  for (const e of Value.Errors(branch as TSchema, value) as Iterable<SchemaError>) {
    if (['required', 'additionalProperties', 'boolean'].includes(e.keyword)) continue;
    issues.push({ segments: [...path, ...pointerToSegments(e.instancePath)], reason: describe(e) });
  }
  return issues;
}

/** Turns schema errors into issues: unknown fields by name, union branches by what was meant. */
export function schemaIssues(schema: TSchema, value: unknown, errors: SchemaError[]): SchemaIssue[] {
  const unions = errors
    .filter((e) => e.keyword === 'anyOf')
    .map((e) => ({ e, union: at(schema, e.schemaPath) }))
    .filter((u): u is { e: SchemaError; union: JsonObject } => isObject(u.union) && isObject(u.union.discriminator));
  const inBranch = (e: SchemaError) => unions.some((u) => e.schemaPath.startsWith(`${u.e.schemaPath}/anyOf/`));
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    const union = unions.find((u) => u.e === e);
    if (union) issues.push(...discriminatedIssues(union.union, at(value, e.instancePath), pointerToSegments(e.instancePath)));
    if (inBranch(e) || e.keyword === 'boolean') continue; // `boolean`: reported as additionalProperties below
    if (e.keyword === 'anyOf' || e.keyword === 'const') continue; // union branches: the specific errors say more
    const segments = pointerToSegments(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const key of extra) issues.push({ segments, key, reason: `unknown field "${key}"` });
      continue;
    }
    issues.push({ segments, reason: describe(e) });
  }
  return issues;
}
