/**
 * What a source answered on the "My data" page, as rows a citizen reads: each attribute's
 * parts found by the pointers the gateway publishes, named by the registry's labels
 * (`label`, `fields`, `values`), never by JSON keys or pointers.
 */
import { compilePointer, readPointer } from '../../core/attribute-filter.ts';
import { pick, type Locale } from '../../web/i18n.ts';
import { labelledRows } from '../../web/labelled-rows.ts';
import type { SourceEntry } from '../registry/registry.ts';
import type { InsightResult } from './insight.ts';

type Attribute = SourceEntry['attributes'][number];

/** The last reference token of a JSON pointer (`/a/b` → `b`). */
const lastKey = (pointer: string) => compilePointer(pointer).at(-1) ?? '';

/** The value of one attribute in an answer: at its one pointer, or its pointers' values by their last key. */
function attributeValue(data: unknown, pointers: string[]): unknown {
  if (pointers.length === 1) return readPointer(data, compilePointer(pointers[0]!));
  const parts = pointers.map((p) => [lastKey(p), readPointer(data, compilePointer(p))] as const).filter(([, v]) => v !== undefined);
  return parts.length === 0 ? undefined : Object.fromEntries(parts);
}

/** One attribute's rows, labelled from its definition. */
export function attributeRows(a: Attribute, value: unknown, locale: Locale): Array<[string, string]> {
  return labelledRows(
    value,
    pick(a.label, locale),
    {
      field: (keys) => pick(a.fields?.[keys.join('/')], locale) || undefined,
      value: (code) => pick(a.values?.[code], locale) || undefined,
    },
    locale,
  );
}

/**
 * Every operation's answer as labelled rows, in the source's attribute order, each row once
 * (operations that release the same attribute show it once). Without published pointers
 * (an older gateway) an attribute is looked for at `/<id>`.
 */
export function insightRows(result: InsightResult, locale: Locale): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const a of result.source.attributes) {
    for (const op of result.operations) {
      if (!op.data) continue;
      const pointers = Object.keys(op.pointers).length === 0 ? [`/${a.id}`] : op.pointers[a.id];
      const value = pointers ? attributeValue(op.data, pointers) : undefined;
      if (value === undefined) continue;
      for (const row of attributeRows(a, value, locale)) {
        const key = JSON.stringify(row);
        if (!seen.has(key)) rows.push(row);
        seen.add(key);
      }
    }
  }
  return rows;
}
