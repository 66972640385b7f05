/**
 * A JSON value as (label, value) rows in plain words, for showing a citizen what a source or
 * their data store holds: each part is named by the label its definition gives, never by
 * its JSON key; array items are numbered; numbers, truth values, dates and times are written
 * for the reader's language, and coded values in words where the definition has them.
 */
import { t, type Locale } from './i18n.ts';
import { localDay, localMonth, localNumber, localTime } from './local-time.ts';

/** What names the parts of a value: its definition's labels. */
export interface RowLabels {
  /** The label of the part at `keys` (object keys from the value's root, array positions left out), if defined. */
  field(keys: readonly string[]): string | undefined;
  /** Words for a coded string value, if defined. */
  value?(code: string): string | undefined;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** True for a YYYY-MM-DD that is a day of the calendar (not 2025-02-30). */
const isDay = (s: string) => !Number.isNaN(Date.parse(`${s}T12:00:00Z`)) && new Date(`${s}T12:00:00Z`).toISOString().startsWith(s);

/** One leaf value in words. */
export function valueText(v: unknown, labels: Pick<RowLabels, 'value'>, locale: Locale): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return t(locale, v ? 'value_yes' : 'value_no');
  if (typeof v === 'number') return localNumber(v, locale);
  const s = String(v);
  const coded = labels.value?.(s);
  if (coded) return coded;
  if (MONTH.test(s)) return localMonth(`${s}-15T12:00:00Z`, locale);
  if (DATE.test(s) && isDay(s)) return localDay(`${s}T12:00:00Z`, locale);
  if (DATE_TIME.test(s) && !Number.isNaN(Date.parse(s))) return localTime(s, locale);
  return s;
}

/**
 * The rows of `value`, each labelled by `title` and the labels of the parts on its way (an
 * unlabelled part adds nothing, so no key ever shows; an array item adds its number). With
 * an empty `title` a row that gathers no label at all is an "item".
 *
 * @example labelledRows({ gross_eur: 1 }, 'Annual income', { field: (k) => (k[0] === 'gross_eur' ? 'Gross (€)' : undefined) }, 'en')
 * // → [['Annual income › Gross (€)', '1']]
 */
export function labelledRows(value: unknown, title: string, labels: RowLabels, locale: Locale): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const push = (chain: string[], text: string) => out.push([chain.join(' › ') || t(locale, 'item'), text]);
  const walk = (node: unknown, keys: string[], chain: string[]) => {
    if (Array.isArray(node)) {
      if (node.length === 0) push(chain, '—');
      node.forEach((item, i) => {
        const numbered = node.length > 1 ? [...chain.slice(0, -1), `${chain.at(-1) ?? ''} ${i + 1}`.trim()] : chain;
        walk(item, keys, numbered);
      });
      return;
    }
    if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      if (entries.length === 0) push(chain, '—');
      for (const [k, v] of entries) {
        const label = labels.field([...keys, k]);
        walk(v, [...keys, k], label ? [...chain, label] : chain);
      }
      return;
    }
    push(chain, valueText(node, labels, locale));
  };
  walk(value, [], title ? [title] : []);
  return out;
}
