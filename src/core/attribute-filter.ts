/**
 * Pure attribute-level filtering: keeps only the parts of a JSON document that the
 * consented attributes point at (RFC 6901 JSON pointers), in the document's own shape.
 * Everything not pointed at is dropped, so unknown upstream fields never leak.
 */

/** A compiled JSON pointer: its reference tokens. */
export type Pointer = readonly string[];

/** Parses an RFC 6901 JSON pointer into reference tokens. */
export function compilePointer(pointer: string): Pointer {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  if (/~(?![01])/.test(pointer)) throw new Error(`JSON pointer has an invalid ~ escape (only ~0 and ~1): ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function child(container: Container, token: string): unknown {
  if (Array.isArray(container)) {
    if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
    return container[Number(token)];
  }
  return Object.hasOwn(container, token) ? container[token] : undefined;
}

function assign(container: Container, token: string, value: unknown): void {
  if (Array.isArray(container)) {
    container[Number(token)] = value;
    return;
  }
  // defineProperty keeps "__proto__" and friends as plain data, never touching prototypes
  Object.defineProperty(container, token, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads the value at `pointer`, or undefined when any step is missing. */
export function readPointer(doc: unknown, pointer: Pointer): unknown {
  let cur = doc;
  for (const token of pointer) {
    if (!isContainer(cur)) return undefined;
    cur = child(cur, token);
  }
  return cur;
}

/**
 * Returns a new document holding only the values at `pointers`, with the containers on
 * the way copied in the source's shape (objects stay objects, arrays stay arrays).
 *
 * @example filterByPointers({ a: 1, b: { c: 2, d: 3 } }, [['b', 'c']]) // → { b: { c: 2 } }
 */
export function filterByPointers(doc: unknown, pointers: readonly Pointer[]): unknown {
  if (pointers.some((p) => p.length === 0)) return structuredClone(doc);
  if (!isContainer(doc)) return undefined;
  const out: Container = Array.isArray(doc) ? [] : {};
  for (const pointer of pointers) {
    const value = readPointer(doc, pointer);
    if (value === undefined) continue;
    let src: unknown = doc;
    let dst: Container = out;
    for (let i = 0; i < pointer.length - 1; i += 1) {
      const token = pointer[i] as string;
      src = child(src as Container, token);
      let next = child(dst, token);
      if (!isContainer(next)) {
        next = Array.isArray(src) ? [] : {};
        assign(dst, token, next);
      }
      dst = next as Container;
    }
    assign(dst, pointer[pointer.length - 1] as string, structuredClone(value));
  }
  return out;
}

/** An operation's attribute map, compiled: attribute id → pointers. */
export type CompiledAttributeMap = ReadonlyMap<string, readonly Pointer[]>;

/** Compiles a source definition's attribute map. */
export function compileAttributeMap(map: Record<string, string | string[]>): CompiledAttributeMap {
  return new Map(Object.entries(map).map(([id, p]) => [id, (Array.isArray(p) ? p : [p]).map(compilePointer)] as const));
}

/** Filters `doc` to the given attributes of `map`. */
export function filterAttributes(doc: unknown, map: CompiledAttributeMap, attributes: Iterable<string>): unknown {
  const pointers: Pointer[] = [];
  for (const id of attributes) pointers.push(...(map.get(id) ?? []));
  return filterByPointers(doc, pointers);
}
