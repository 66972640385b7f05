/**
 * The house rules of the code base (docs/architecture.md), checked on the sources themselves:
 * which folder may import which, how large a folder, a file, a function and a line may grow,
 * and that route handlers take their request types from schemas instead of casts.
 * A rule broken anywhere names the place, so the fix is obvious.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const srcRoot = join(root, 'src');

/** Files that are tables of data or text, not logic: exempt from the size and line rules. */
const DATA_FILES = [/\.data\.ts$/, /^src\/web\/messages\.ts$/];
/** Runnable components: nothing below them may import them. */
const COMPONENTS = ['gateway', 'operator', 'pds', 'demo', 'idp', 'app', 'cli', 'trust'];
/** Shared layers: they import each other, never a component. */
const LAYERS = ['web', 'core', 'shared', 'store', 'audit'];

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const MAX_LINE = 140;
const MAX_FOLDER_LINES = 1500;

interface SourceFile {
  path: string;
  text: string;
  lines: string[];
  data: boolean;
  ast: ts.SourceFile;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files: SourceFile[] = walk(srcRoot).map((file) => {
  const text = readFileSync(file, 'utf8');
  const path = relative(root, file);
  return {
    path,
    text,
    lines: text.split('\n'),
    data: DATA_FILES.some((re) => re.test(path)),
    ast: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true),
  };
});

interface Import {
  spec: string;
  /** `import('...')` at run time. */
  dynamic: boolean;
  /** `import type`: erased at run time, but still an arrow between folders. */
  typeOnly: boolean;
}

/** Relative import specifiers of a file: static, type-only and dynamic. */
function imports(file: SourceFile): Import[] {
  const found: Import[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? !!node.importClause?.isTypeOnly : node.isTypeOnly;
      found.push({ spec: node.moduleSpecifier.text, dynamic: false, typeOnly });
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push({ spec: arg.text, dynamic: true, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found.filter((i) => i.spec.startsWith('.'));
}

/** The top folder under src/ that a relative import from `file` lands in. */
function topFolder(file: SourceFile, spec: string): string {
  return relative(srcRoot, resolve(dirname(join(root, file.path)), spec)).split('/')[0] ?? '';
}

/** A function's own lines: its span less the bodies of the functions nested in it. */
function ownLines(fn: ts.FunctionLikeDeclaration, ast: ts.SourceFile): number {
  const lineOf = (pos: number) => ast.getLineAndCharacterOfPosition(pos).line;
  const span = (node: ts.Node) => lineOf(node.end) - lineOf(node.getStart(ast)) + 1;
  let nested = 0;
  const visit = (node: ts.Node) => {
    if (node !== fn && ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      nested += span((node as ts.FunctionLikeDeclaration).body!);
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn, visit);
  return span(fn) - nested;
}

describe('the house', () => {
  it('shared layers (web, core, shared, store, audit) import no component', () => {
    const arrows = files.flatMap((file) => {
      const from = file.path.split('/')[1] ?? '';
      if (!LAYERS.includes(from)) return [];
      return imports(file)
        .filter((i) => COMPONENTS.includes(topFolder(file, i.spec)))
        .map((i) => `${file.path} → ${i.spec}`);
    });
    expect(arrows).toEqual([]);
  });

  it('gateway and operator never import each other', () => {
    const arrows = files.flatMap((file) => {
      const from = file.path.split('/')[1];
      const other = from === 'gateway' ? 'operator' : from === 'operator' ? 'gateway' : undefined;
      if (!other) return [];
      return imports(file)
        .filter((i) => topFolder(file, i.spec) === other)
        .map((i) => `${file.path} → ${i.spec}`);
    });
    expect(arrows).toEqual([]);
  });

  it('app/ loads the demo world only by dynamic import', () => {
    const arrows = files
      .filter((file) => file.path.startsWith('src/app/'))
      .flatMap((file) =>
        imports(file)
          .filter((i) => !i.dynamic && !i.typeOnly && topFolder(file, i.spec) === 'demo')
          .map((i) => `${file.path} → ${i.spec}`),
      );
    expect(arrows).toEqual([]);
  });

  it(`no folder holds more than ${MAX_FOLDER_LINES} lines of code`, () => {
    const byFolder = new Map<string, number>();
    for (const file of files.filter((f) => !f.data))
      byFolder.set(dirname(file.path), (byFolder.get(dirname(file.path)) ?? 0) + file.lines.length);
    expect([...byFolder].filter(([, n]) => n > MAX_FOLDER_LINES).map(([dir, n]) => `${dir}: ${n} lines`)).toEqual([]);
  });

  it(`no file over ${MAX_FILE_LINES} lines and no line over ${MAX_LINE} characters, outside data files`, () => {
    const code = files.filter((f) => !f.data);
    expect(code.filter((f) => f.lines.length > MAX_FILE_LINES).map((f) => `${f.path}: ${f.lines.length} lines`)).toEqual([]);
    const long = code.flatMap((f) => f.lines.flatMap((line, i) => (line.length > MAX_LINE ? [`${f.path}:${i + 1}: ${line.length}`] : [])));
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines of its own (nested functions counted apart)`, () => {
    const long: string[] = [];
    for (const file of files.filter((f) => !f.data)) {
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
          const n = ownLines(node as ts.FunctionLikeDeclaration, file.ast);
          const line = file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line + 1;
          if (n > MAX_FUNCTION_LINES) long.push(`${file.path}:${line}: ${n} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(file.ast);
    }
    expect(long).toEqual([]);
  });

  it('route handlers get request types from their schemas: no casts of request.params, body or query', () => {
    const casts = files.flatMap((f) =>
      f.lines.flatMap((line, i) => (/request\.(params|body|query)\s+as\s/.test(line) ? [`${f.path}:${i + 1}`] : [])),
    );
    expect(casts).toEqual([]);
  });

  it('the checks above see the code base (a broken walk would pass every rule)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.path === 'src/gateway/gateway.ts')).toBe(true);
  });
});
