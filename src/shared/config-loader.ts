/**
 * Loads a YAML or JSON configuration file, expands `${ENV}` references and checks it
 * against a TypeBox schema. Every failure names the file, the line and column, the
 * path inside the document and the reason, so an operator can fix it without guessing.
 */
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { Settings } from 'typebox/system';

// report every problem in a file at once, not the first eight
Settings.Set({ maxErrors: 1000 });

/** One problem found in a configuration file. */
export interface ConfigIssue {
  /** JSON-pointer-like path inside the document, shown as `a.b[0].c`. */
  path: string;
  line: number;
  column: number;
  reason: string;
}

/** Thrown for a configuration that cannot be used. The CLI prints `message` and exits 2. */
export class ConfigError extends Error {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${file}:${i.line}:${i.column}: ${i.path || '(document)'}: ${i.reason}`);
    super(`Configuration file ${file} is not valid:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }
}

/** One step of a path inside a document: a field name or an array index. */
export type Segment = string | number;

/** A cross-field check run after the schema passes; returns problems by path. */
export type ConfigCheck<T> = (value: T) => Array<{ path: Segment[]; reason: string }>;

function formatPath(segments: Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function pointerToSegments(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Finds the YAML node at `segments` (or, with `key`, that key inside it); falls back to the deepest ancestor. */
function locate(root: YamlNode | null, segments: Segment[], key?: string): number | undefined {
  let node: unknown = root;
  let best = isNode(node) ? node.range?.[0] : undefined;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      best = (isNode(pair.value) ? pair.value.range?.[0] : undefined) ?? (isNode(pair.key) ? pair.key.range?.[0] : best);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isNode(node)) best = node.range?.[0] ?? best;
    } else return best;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isNode(pair.key)) best = pair.key.range?.[0] ?? best;
  }
  return best;
}

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` / `${NAME:-default}` in every string; collects unset names as issues. */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: Segment[], missing: Segment[][]): unknown {
  if (typeof value === 'string') {
    // a value that is only `${VAR}` takes the variable's type: `port: ${PORT}` becomes a number
    const whole = /^\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}$/.exec(value);
    if (whole) {
      const v = env[whole[1]!] || whole[2];
      if (v !== undefined && /^-?\d+$/.test(v)) return Number(v);
      if (v === 'true' || v === 'false') return v === 'true';
    }
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      missing.push([...path, `\${${name}}`]);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...path, i], missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, [...path, k], missing)]));
  }
  return value;
}

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

type SchemaError = { keyword: string; message: string; params: Record<string, unknown>; schemaPath: string; instancePath: string };
type Issue = { segments: Segment[]; reason: string; key?: string };
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
function discriminatedIssues(union: JsonObject, value: unknown, path: Segment[]): Issue[] {
  const prop = String((union.discriminator as JsonObject).propertyName);
  const branches = (union.anyOf as JsonObject[]).map((b) => ({ b, tag: at(b, `/properties/${prop}/const`) }));
  if (!isObject(value)) return [{ segments: path, reason: 'must be object' }];
  if (value[prop] === undefined) return [{ segments: path, reason: `missing required field ${prop}` }];
  const branch = branches.find((x) => x.tag === value[prop])?.b;
  if (!branch) return [{ segments: [...path, prop], reason: `must be one of: ${branches.map((x) => String(x.tag)).join(', ')}` }];
  const tag = String(value[prop]);
  const own = (branch.properties ?? {}) as JsonObject;
  const issues: Issue[] = Object.keys(value)
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
function schemaIssues(schema: TSchema, value: unknown, errors: SchemaError[]): Issue[] {
  const unions = errors
    .filter((e) => e.keyword === 'anyOf')
    .map((e) => ({ e, union: at(schema, e.schemaPath) }))
    .filter((u): u is { e: SchemaError; union: JsonObject } => isObject(u.union) && isObject(u.union.discriminator));
  const inBranch = (e: SchemaError) => unions.some((u) => e.schemaPath.startsWith(`${u.e.schemaPath}/anyOf/`));
  const issues: Issue[] = [];
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

/**
 * Reads `file` (YAML or JSON), expands environment references, applies schema defaults and
 * validates. Unknown fields are errors. Throws {@link ConfigError} naming file, line and field.
 *
 * @example const cfg = loadConfigFile('config/demo.yaml', PorttiConfigSchema);
 */
export function loadConfigFile<S extends TSchema>(
  file: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  check?: ConfigCheck<Static<S>>,
): Static<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError(file, [{ path: '', line: 0, column: 0, reason }]);
  }
  return parseConfigText(file, text, schema, env, check);
}

/** Like {@link loadConfigFile} but on text already read (used by tests and the fuzzer). */
export function parseConfigText<S extends TSchema>(
  file: string,
  text: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  check?: ConfigCheck<Static<S>>,
): Static<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    // the first syntax error explains the rest; later ones are usually its echoes
    throw new ConfigError(
      file,
      doc.errors.slice(0, 3).map((e) => {
        const pos = at(e.pos[0]);
        return { path: '', line: pos.line, column: pos.col, reason: e.message.split('\n')[0] ?? e.code };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (err) {
    // e.g. an alias to an anchor that does not exist, or an alias bomb
    throw new ConfigError(file, [{ path: '', line: 1, column: 1, reason: (err as Error).message.split('\n')[0] ?? 'unreadable document' }]);
  }
  const missing: Segment[][] = [];
  const expanded = expandEnv(raw, env, [], missing);
  const issueAt = (segments: Segment[], reason: string, key?: string): ConfigIssue => {
    const offset = locate(doc.contents, segments, key);
    const pos = offset === undefined ? { line: 1, col: 1 } : at(offset);
    return { path: formatPath(key === undefined ? segments : [...segments, key]), line: pos.line, column: pos.col, reason };
  };
  if (missing.length > 0) {
    throw new ConfigError(
      file,
      missing.map((m) => issueAt(m.slice(0, -1), `environment variable ${String(m.at(-1))} is not set`)),
    );
  }
  const value = Value.Default(schema, Value.Clone(expanded));
  const errors = [...Value.Errors(schema, value)];
  if (errors.length === 0) {
    const problems = check?.(value as Static<S>) ?? [];
    if (problems.length === 0) return value as Static<S>;
    throw new ConfigError(
      file,
      problems.map((p) => issueAt(p.path, p.reason)),
    );
  }
  const issues = schemaIssues(schema, value, errors as SchemaError[]).map((i) => issueAt(i.segments, i.reason, i.key));
  // Union schemas report one error per branch; keep the first per path to stay readable.
  const seen = new Set<string>();
  const unique = issues.filter((i) => (seen.has(i.path + i.reason) ? false : (seen.add(i.path + i.reason), true)));
  throw new ConfigError(file, unique.slice(0, 10));
}
