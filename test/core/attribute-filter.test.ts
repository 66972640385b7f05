import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import {
  compileAttributeMap,
  compilePointer,
  filterAttributes,
  filterByPointers,
  readPointer,
  type Pointer,
} from '../../src/core/attribute-filter.ts';

/** Shorthand: compile several pointer strings. */
const ptrs = (...p: string[]): Pointer[] => p.map(compilePointer);

/** RFC 6901 encoding of one reference token. */
const escapeToken = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');
const toPointerString = (tokens: readonly string[]) => tokens.map((t) => `/${escapeToken(t)}`).join('');

describe('compilePointer', () => {
  it('compiles the empty pointer to no tokens (the whole document)', () => {
    expect(compilePointer('')).toEqual([]);
  });

  it('splits on "/" into reference tokens', () => {
    expect(compilePointer('/a')).toEqual(['a']);
    expect(compilePointer('/a/b/0')).toEqual(['a', 'b', '0']);
  });

  it('keeps empty tokens: "/" is the key "" and "//" is two empty keys', () => {
    expect(compilePointer('/')).toEqual(['']);
    expect(compilePointer('//')).toEqual(['', '']);
    expect(compilePointer('/a/')).toEqual(['a', '']);
  });

  it('decodes ~1 to "/" and ~0 to "~"', () => {
    expect(compilePointer('/a~1b')).toEqual(['a/b']);
    expect(compilePointer('/m~0n')).toEqual(['m~n']);
    expect(compilePointer('/~0~1/~1~0')).toEqual(['~/', '/~']);
  });

  it('decodes ~01 to the literal "~1" (~1 is decoded before ~0, as RFC 6901 requires)', () => {
    expect(compilePointer('/~01')).toEqual(['~1']);
    expect(compilePointer('/~00')).toEqual(['~0']);
  });

  it('handles the RFC 6901 section 5 examples', () => {
    const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };
    const cases: Array<[string, unknown]> = [
      ['', doc],
      ['/foo', ['bar', 'baz']],
      ['/foo/0', 'bar'],
      ['/', 0],
      ['/a~1b', 1],
      ['/c%d', 2],
      ['/e^f', 3],
      ['/g|h', 4],
      ['/i\\j', 5],
      ['/k"l', 6],
      ['/ ', 7],
      ['/m~0n', 8],
    ];
    for (const [p, expected] of cases) expect(readPointer(doc, compilePointer(p))).toEqual(expected);
  });

  // BUG (src/core/attribute-filter.ts compilePointer): RFC 6901 §3/§7 only allows "~0" and "~1";
  // a "~" followed by anything else (or at the end) is an invalid pointer, but it is accepted verbatim.
  it('rejects a "~" that is not followed by 0 or 1 (RFC 6901 §3)', () => {
    expect(() => compilePointer('/a~2')).toThrow();
    expect(() => compilePointer('/a~')).toThrow();
  });

  it('rejects a pointer that does not start with "/"', () => {
    expect(() => compilePointer('a')).toThrow(/must start with "\/"/);
    expect(() => compilePointer('a/b')).toThrow(/JSON pointer/);
    expect(() => compilePointer('#/a')).toThrow(/must start with "\/"/);
    expect(() => compilePointer(' /a')).toThrow();
  });
});

describe('readPointer', () => {
  const doc = { a: { b: [10, { c: 'x' }] }, n: null };

  it('reads nested objects and array indices', () => {
    expect(readPointer(doc, ['a', 'b', '0'])).toBe(10);
    expect(readPointer(doc, ['a', 'b', '1', 'c'])).toBe('x');
    expect(readPointer(doc, ['n'])).toBeNull();
  });

  it('returns undefined for missing steps, non-canonical indices and steps through primitives', () => {
    expect(readPointer(doc, ['zz'])).toBeUndefined();
    expect(readPointer(doc, ['a', 'b', '2'])).toBeUndefined();
    expect(readPointer(doc, ['a', 'b', '01'])).toBeUndefined();
    expect(readPointer(doc, ['a', 'b', '-'])).toBeUndefined();
    expect(readPointer(doc, ['a', 'b', 'length'])).toBeUndefined();
    expect(readPointer(doc, ['a', 'b', '0', 'x'])).toBeUndefined();
    expect(readPointer(doc, ['n', 'x'])).toBeUndefined();
  });

  it('does not read inherited properties', () => {
    expect(readPointer({}, ['toString'])).toBeUndefined();
    expect(readPointer({}, ['__proto__'])).toBeUndefined();
    expect(readPointer({}, ['constructor', 'prototype'])).toBeUndefined();
  });
});

describe('filterByPointers', () => {
  const person = {
    name: 'Aino',
    address: { street: 'Esplanadi 1', city: 'Helsinki', postal: { code: '00100', box: 7 } },
    incomes: [
      { year: 2023, amount: 100, employer: 'A' },
      { year: 2024, amount: 200, employer: 'B' },
    ],
    secret: 'do not leak',
  };

  it('keeps a single top-level field and drops the rest', () => {
    expect(filterByPointers(person, ptrs('/name'))).toEqual({ name: 'Aino' });
  });

  it('keeps a nested value inside copies of its parent objects only', () => {
    expect(filterByPointers(person, ptrs('/address/postal/code'))).toEqual({ address: { postal: { code: '00100' } } });
  });

  it('keeps whole sub-trees', () => {
    expect(filterByPointers(person, ptrs('/address'))).toEqual({ address: person.address });
  });

  it('merges several pointers into one document in the source shape', () => {
    expect(filterByPointers(person, ptrs('/name', '/address/city', '/address/postal/box'))).toEqual({
      name: 'Aino',
      address: { city: 'Helsinki', postal: { box: 7 } },
    });
  });

  it('a whole sub-tree and a pointer inside it give the whole sub-tree, in either order', () => {
    expect(filterByPointers(person, ptrs('/address', '/address/city'))).toEqual({ address: person.address });
    expect(filterByPointers(person, ptrs('/address/city', '/address'))).toEqual({ address: person.address });
  });

  it('keeps arrays as arrays, values at their index', () => {
    const out = filterByPointers(person, ptrs('/incomes/1/amount')) as { incomes: unknown[] };
    expect(Array.isArray(out.incomes)).toBe(true);
    expect(out.incomes).toHaveLength(2);
    expect(0 in out.incomes).toBe(false); // index 0 not selected: left as a hole
    expect(out.incomes[1]).toEqual({ amount: 200 });
  });

  it('selects several array elements and fields inside them', () => {
    expect(filterByPointers(person, ptrs('/incomes/0/year', '/incomes/1/year', '/incomes/1/employer'))).toEqual({
      incomes: [{ year: 2023 }, { year: 2024, employer: 'B' }],
    });
  });

  it('copies the whole array when the array itself is pointed at', () => {
    expect(filterByPointers(person, ptrs('/incomes'))).toEqual({ incomes: person.incomes });
  });

  it('ignores pointers to missing values', () => {
    expect(filterByPointers(person, ptrs('/nope', '/address/zip', '/incomes/5/year', '/name/first'))).toEqual({});
    expect(filterByPointers(person, ptrs('/nope', '/name'))).toEqual({ name: 'Aino' });
  });

  it('keeps null values (null is present, not missing)', () => {
    expect(filterByPointers({ a: null, b: 1 }, ptrs('/a'))).toEqual({ a: null });
  });

  it('keeps falsy values (0, "", false)', () => {
    expect(filterByPointers({ z: 0, e: '', f: false, x: 1 }, ptrs('/z', '/e', '/f'))).toEqual({ z: 0, e: '', f: false });
  });

  it('returns an empty object for no pointers', () => {
    expect(filterByPointers(person, [])).toEqual({});
  });

  it('the empty pointer selects the whole document, as a copy', () => {
    const out = filterByPointers(person, ptrs(''));
    expect(out).toEqual(person);
    expect(out).not.toBe(person);
    (out as { address: { city: string } }).address.city = 'changed';
    expect(person.address.city).toBe('Helsinki');
  });

  it('the empty pointer wins over others', () => {
    expect(filterByPointers(person, ptrs('/name', ''))).toEqual(person);
  });

  it('the empty pointer returns a primitive document as is', () => {
    expect(filterByPointers(42, ptrs(''))).toBe(42);
    expect(filterByPointers('text', ptrs(''))).toBe('text');
    expect(filterByPointers(null, ptrs(''))).toBeNull();
  });

  it('returns undefined for a non-object document with non-empty pointers', () => {
    expect(filterByPointers(42, ptrs('/a'))).toBeUndefined();
    expect(filterByPointers('text', ptrs('/0'))).toBeUndefined();
    expect(filterByPointers(null, ptrs('/a'))).toBeUndefined();
    expect(filterByPointers(undefined, ptrs('/a'))).toBeUndefined();
  });

  it('filters a top-level array document into an array', () => {
    const out = filterByPointers(
      [
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ],
      ptrs('/0/a', '/1/b'),
    );
    expect(out).toEqual([{ a: 1 }, { b: 4 }]);
    expect(Array.isArray(out)).toBe(true);
  });

  it('treats numeric-looking keys of objects as keys, not indices', () => {
    const out = filterByPointers({ m: { '0': 'zero', '1': 'one' } }, ptrs('/m/1'));
    expect(out).toEqual({ m: { '1': 'one' } });
    expect(Array.isArray((out as { m: unknown }).m)).toBe(false);
  });

  it('follows escaped keys', () => {
    const doc = { 'a/b': { 'c~d': 1, other: 2 }, a: { b: 'wrong' } };
    expect(filterByPointers(doc, ptrs('/a~1b/c~0d'))).toEqual({ 'a/b': { 'c~d': 1 } });
  });

  it('returns copies, never references into the source', () => {
    const out = filterByPointers(person, ptrs('/address/postal')) as typeof person;
    expect(out.address.postal).toEqual(person.address.postal);
    expect(out.address.postal).not.toBe(person.address.postal);
    out.address.postal.code = 'changed';
    expect(person.address.postal.code).toBe('00100');
  });

  it('does not modify the source document', () => {
    const doc = structuredClone(person);
    filterByPointers(doc, ptrs('/address/city', '/incomes/0', '/name'));
    expect(doc).toEqual(person);
  });

  describe('unknown upstream fields never leak', () => {
    it('drops fields added next to, inside and below selected values', () => {
      const upstream = {
        id: 'p1',
        hetu: '010101-123N',
        extra_top: 'leak?',
        profile: { nick: 'ai', internal_score: 99, nested: { deep: 'leak?' } },
        list: [
          { v: 1, hidden: true },
          { v: 2, hidden: true },
        ],
      };
      const out = filterByPointers(upstream, ptrs('/id', '/profile/nick', '/list/0/v', '/list/1/v'));
      expect(out).toEqual({ id: 'p1', profile: { nick: 'ai' }, list: [{ v: 1 }, { v: 2 }] });
      const text = JSON.stringify(out);
      for (const leaked of ['hetu', '010101-123N', 'extra_top', 'internal_score', 'nested', 'deep', 'hidden']) {
        expect(text).not.toContain(leaked);
      }
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      // undo anything a failed test may have done, so other tests are not affected
      delete (Object.prototype as Record<string, unknown>).polluted;
    });

    it('"/__proto__/polluted" on a plain object neither pollutes nor crashes', () => {
      const doc = { a: 1 };
      expect(() => filterByPointers(doc, ptrs('/__proto__/polluted'))).not.toThrow();
      expect(filterByPointers(doc, ptrs('/__proto__/polluted'))).toEqual({});
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('"/__proto__/polluted" with an own "__proto__" key (from JSON.parse) copies it as data only', () => {
      const doc = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}') as unknown;
      const out = filterByPointers(doc, ptrs('/__proto__/polluted')) as Record<string, unknown>;
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'yes' });
      expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__": {"polluted": "yes"}}'));
      expect(out.polluted).toBeUndefined();
    });

    it('"/__proto__" as a whole with an own key copies it as data only', () => {
      const doc = JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown;
      const out = filterByPointers(doc, ptrs('/__proto__')) as Record<string, unknown>;
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(out.polluted).toBeUndefined();
      expect(Object.hasOwn(out, '__proto__')).toBe(true);
    });

    it('"/constructor/prototype/polluted" neither pollutes nor crashes', () => {
      const doc = { a: 1 };
      expect(filterByPointers(doc, ptrs('/constructor/prototype/polluted', '/constructor/prototype', '/constructor'))).toEqual({});
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('own "constructor"/"prototype" keys are copied as plain data', () => {
      const doc = JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') as unknown;
      const out = filterByPointers(doc, ptrs('/constructor/prototype/polluted')) as Record<string, unknown>;
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.constructor).toBe(Object);
      expect(JSON.stringify(out)).toBe('{"constructor":{"prototype":{"polluted":"yes"}}}');
    });

    it('"__proto__" as an array token is ignored', () => {
      expect(filterByPointers({ list: [1, 2] }, ptrs('/list/__proto__/polluted', '/list/constructor'))).toEqual({});
      expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});

describe('compileAttributeMap / filterAttributes', () => {
  const map = compileAttributeMap({
    name: '/name',
    address: ['/address/street', '/address/city'],
    employer: '/incomes/0/employer',
  });
  const doc = {
    name: 'Aino',
    address: { street: 'Esplanadi 1', city: 'Helsinki', postal: '00100' },
    incomes: [{ employer: 'A', amount: 1 }],
  };

  it('compiles single pointers and lists of pointers', () => {
    expect(map.get('name')).toEqual([['name']]);
    expect(map.get('address')).toEqual([
      ['address', 'street'],
      ['address', 'city'],
    ]);
  });

  it('throws on an invalid pointer in the map', () => {
    expect(() => compileAttributeMap({ bad: 'name' })).toThrow(/JSON pointer/);
  });

  it('filters to the chosen attributes only', () => {
    expect(filterAttributes(doc, map, ['address'])).toEqual({ address: { street: 'Esplanadi 1', city: 'Helsinki' } });
    expect(filterAttributes(doc, map, ['name', 'employer'])).toEqual({ name: 'Aino', incomes: [{ employer: 'A' }] });
  });

  it('ignores attribute ids the map does not know, and releases nothing for none', () => {
    expect(filterAttributes(doc, map, ['unknown'])).toEqual({});
    expect(filterAttributes(doc, map, [])).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------
// Property: output ⊆ input at the same pointers, and every selected leaf is present.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Leaf pointers of a JSON value: primitives, empty arrays and empty objects. */
function leaves(value: unknown, path: string[] = []): string[][] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [path];
    return value.flatMap((v, i) => leaves(v, [...path, String(i)]));
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return [path];
    return keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], [...path, k]));
  }
  return [path];
}

/** Every defined value in `out` (own properties, array holes skipped) with its path. */
function walk(value: unknown, visit: (path: string[], v: unknown) => void, path: string[] = []): void {
  visit(path, value);
  if (typeof value === 'object' && value !== null) {
    for (const k of Object.keys(value)) walk((value as Record<string, unknown>)[k], visit, [...path, k]);
  }
}

const jsonObject = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('a/b', 'm~n', '~1', '~0', '', '0', '__proto__')),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
) as fc.Arbitrary<Record<string, Json>>;

describe('filterByPointers (property)', () => {
  it('everything in the output is at the same pointer in the input, and every selected leaf is present and equal', () => {
    fc.assert(
      fc.property(
        jsonObject.chain((doc) => {
          const all = leaves(doc);
          return fc.tuple(fc.constant(doc), fc.subarray(all));
        }),
        ([doc, selected]) => {
          const snapshot = structuredClone(doc);
          // go through the string form so escapes are exercised too
          const pointers = selected.map((tokens) => compilePointer(toPointerString(tokens)));
          pointers.forEach((p, i) => expect(p).toEqual(selected[i]));
          const out = filterByPointers(doc, pointers);

          // 1. soundness: every value in the output sits at the same pointer in the input
          walk(out, (path, v) => {
            const src = readPointer(doc, path);
            expect(src).not.toBeUndefined();
            if (typeof v === 'object' && v !== null) {
              expect(typeof src).toBe('object');
              expect(Array.isArray(v)).toBe(Array.isArray(src));
            } else {
              expect(v).toEqual(src);
            }
          });

          // 2. completeness: every selected pointer's value is present and deep-equal
          for (const p of pointers) expect(readPointer(out, p)).toEqual(readPointer(doc, p));

          // 3. nothing beyond the selection: every output leaf is one of the selected pointers
          //    (an empty selection gives an empty object)
          if (selected.length === 0) {
            expect(out).toEqual({});
          } else {
            const chosen = new Set(selected.map((s) => JSON.stringify(s)));
            for (const leaf of leaves(out)) expect(chosen.has(JSON.stringify(leaf))).toBe(true);
          }

          // 4. the input is not modified and no prototype got polluted
          expect(doc).toEqual(snapshot);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with all leaves selected, the output equals the input', () => {
    fc.assert(
      fc.property(jsonObject, (doc) => {
        const all = leaves(doc);
        // the root of an empty object is the empty pointer: filterByPointers copies the whole doc
        const out = filterByPointers(doc, all);
        expect(JSON.stringify(out)).toBe(JSON.stringify(doc));
      }),
      { numRuns: 200 },
    );
  });
});
