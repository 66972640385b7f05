/**
 * Pre-anonymised profiles (pure, no I/O): documents are reduced to generalised
 * quasi-identifiers (age band, postcode prefix, income band, categorical values), grouped
 * by their combination, and every group smaller than k is suppressed. If fewer than k
 * people are left in all, the whole answer is refused.
 */
import { ProblemError } from '../shared/errors.ts';
import type { PdsAggregateServiceConfig } from '../shared/config.schema.ts';

type Field = PdsAggregateServiceConfig['fields'][number];

/** One released profile: a pairwise pseudonym and generalised values. */
export type Profile = { pseudonym: string } & Record<string, string | null>;

/** Resolves an RFC 6901 pointer; undefined when absent. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Generalises one value as the field says; null when it cannot be read. */
export function generalise(field: Field, value: unknown, today: Date): string | null {
  if (value === undefined || value === null) return null;
  switch (field.generalise) {
    case 'age_band': {
      const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
      if (!m) return null;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const age =
        today.getUTCFullYear() - y - (today.getUTCMonth() + 1 < mo || (today.getUTCMonth() + 1 === mo && today.getUTCDate() < d) ? 1 : 0);
      const w = field.width ?? 10;
      const low = Math.floor(age / w) * w;
      return `${low}-${low + w - 1}`;
    }
    case 'prefix': {
      const s = String(value);
      const n = field.digits ?? 3;
      return s.length <= n ? s : `${s.slice(0, n)}${'*'.repeat(s.length - n)}`;
    }
    case 'number_band': {
      const v = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(v)) return null;
      const w = field.width ?? 10000;
      const low = Math.floor(v / w) * w;
      return `${low}-${low + w - 1}`;
    }
    case 'value':
      return typeof value === 'object' ? null : String(value);
  }
}

/** The answer: released profiles, groups and how many were suppressed. */
export interface AnonymisedAnswer {
  k: number;
  profiles: Profile[];
  groups: number;
  suppressed_people: number;
}

/**
 * Builds k-anonymous profiles. `people` are (pseudonym, document) pairs of those included.
 * Throws 409 `k_anonymity_threshold` when fewer than k people would remain.
 */
export function anonymise(
  people: Array<{ pseudonym: string; document: unknown }>,
  fields: Field[],
  k: number,
  today = new Date(),
): AnonymisedAnswer {
  const groups = new Map<string, Profile[]>();
  for (const p of people) {
    const profile: Profile = { pseudonym: p.pseudonym };
    for (const f of fields) profile[f.name] = generalise(f, resolvePointer(p.document, f.pointer), today);
    const key = JSON.stringify(fields.map((f) => profile[f.name]));
    const group = groups.get(key) ?? [];
    group.push(profile);
    groups.set(key, group);
  }
  const kept = [...groups.values()].filter((g) => g.length >= k);
  const released = kept.flat();
  if (released.length < k) {
    throw new ProblemError(
      409,
      'k_anonymity_threshold',
      `fewer than ${k} people remain after suppressing groups smaller than ${k}; nothing is released`,
    );
  }
  // sorted by pseudonym so the order reveals nothing about storage order
  released.sort((a, b) => a.pseudonym.localeCompare(b.pseudonym));
  return { k, profiles: released, groups: kept.length, suppressed_people: people.length - released.length };
}
