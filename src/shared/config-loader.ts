/**
 * Loads a YAML or JSON configuration file, expands `${ENV}` references and checks it
 * against a TypeBox schema. Every failure names the file, the line and column, the
 * path inside the document and the reason, so an operator can fix it without guessing.
 */
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { Settings } from 'typebox/system';
import { schemaIssues, type SchemaError } from './config-issues.ts';

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
  const source = readYaml(file, text);
  const value = Value.Default(schema, Value.Clone(expandedValue(file, source, env)));
  const errors = [...Value.Errors(schema, value)] as SchemaError[];
  if (errors.length > 0) throw schemaError(file, source, schema, value, errors);
  const problems = check?.(value as Static<S>) ?? [];
  if (problems.length > 0)
    throw new ConfigError(
      file,
      problems.map((p) => source.issueAt(p.path, p.reason)),
    );
  return value as Static<S>;
}

/** A parsed YAML document and how to place an issue at a path in its text. */
interface YamlSource {
  doc: Document;
  issueAt(segments: Segment[], reason: string, key?: string): ConfigIssue;
}

/** Parses the text; a syntax error is thrown with its line and column. */
function readYaml(file: string, text: string): YamlSource {
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
  const issueAt = (segments: Segment[], reason: string, key?: string): ConfigIssue => {
    const offset = locate(doc.contents, segments, key);
    const pos = offset === undefined ? { line: 1, col: 1 } : at(offset);
    return { path: formatPath(key === undefined ? segments : [...segments, key]), line: pos.line, column: pos.col, reason };
  };
  return { doc, issueAt };
}

/** The document as plain data with `${ENV}` references expanded; unset variables are thrown as issues. */
function expandedValue(file: string, source: YamlSource, env: NodeJS.ProcessEnv): unknown {
  let raw: unknown;
  try {
    raw = source.doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (err) {
    // e.g. an alias to an anchor that does not exist, or an alias bomb
    throw new ConfigError(file, [{ path: '', line: 1, column: 1, reason: (err as Error).message.split('\n')[0] ?? 'unreadable document' }]);
  }
  const missing: Segment[][] = [];
  const expanded = expandEnv(raw, env, [], missing);
  if (missing.length > 0) {
    throw new ConfigError(
      file,
      missing.map((m) => source.issueAt(m.slice(0, -1), `environment variable ${String(m.at(-1))} is not set`)),
    );
  }
  return expanded;
}

/** The error for a document the schema refuses: at most ten issues, each path and reason once. */
function schemaError(file: string, source: YamlSource, schema: TSchema, value: unknown, errors: SchemaError[]): ConfigError {
  const issues = schemaIssues(schema, value, errors).map((i) => source.issueAt(i.segments, i.reason, i.key));
  // Union schemas report one error per branch; keep the first per path to stay readable.
  const seen = new Set<string>();
  const unique = issues.filter((i) => (seen.has(i.path + i.reason) ? false : (seen.add(i.path + i.reason), true)));
  return new ConfigError(file, unique.slice(0, 10));
}
