/**
 * The dashboard's strings in Finnish, Swedish and English. Every user-visible string is
 * a key here; `t` fills `{name}` placeholders. The locale comes from `?lang=`, the
 * session, or the browser's Accept-Language, in that order.
 */
import { MESSAGES, PLURAL_MESSAGES } from './messages.ts';

/** A language of the dashboard. */
export type Locale = 'fi' | 'sv' | 'en';
/** The dashboard's languages, in the order the language menu shows them. */
export const LOCALES: Locale[] = ['fi', 'sv', 'en'];
/** A key of the message table: `t` accepts no other string, so an unknown key fails the build. */
export type MessageKey = keyof typeof MESSAGES;

/** A key of the counted messages (one form per plural category). */
export type PluralKey = keyof typeof PLURAL_MESSAGES;
/** The forms of a counted message in one language: CLDR categories, `other` always, `zero` for a count of 0 if given. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_m, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Translates `key` into `locale`, filling `{placeholders}` from `vars`. */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return fill(MESSAGES[key][locale], vars);
}

const pluralRules = new Map(LOCALES.map((l) => [l, new Intl.PluralRules(l)]));
const numbers = new Map(LOCALES.map((l) => [l, new Intl.NumberFormat(l)]));

/**
 * Translates a count: the form `Intl.PluralRules` picks for `n` in `locale` ("1 entry", "2 entries",
 * sv "1 post", "2 poster"), with `{n}` written as a number of that language.
 *
 * @example tn('en', 'access_entries', 1) // "1 entry"
 */
export function tn(locale: Locale, key: PluralKey, n: number, vars: Record<string, string | number> = {}): string {
  const forms: PluralForms = PLURAL_MESSAGES[key][locale];
  const text = (n === 0 ? forms.zero : undefined) ?? forms[pluralRules.get(locale)!.select(n)] ?? forms.other;
  return fill(text, { ...vars, n: numbers.get(locale)!.format(n) });
}

/** Words joined as a list of the language ("A, B and C", "A, B ja C", "A, B och C"). */
export function listOf(locale: Locale, items: string[]): string {
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(items);
}

/** Picks the first supported language of an Accept-Language header (default Finnish). */
export function fromAcceptLanguage(header: string | undefined): Locale {
  const tags = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: (tag ?? '').toLowerCase().slice(0, 2), q: q ? Number(q.split('=')[1]) : 1 };
    })
    .filter((x) => x.lang && !Number.isNaN(x.q))
    .sort((a, b) => b.q - a.q);
  return (tags.find((x) => (LOCALES as string[]).includes(x.lang))?.lang as Locale | undefined) ?? 'fi';
}

/** Whether an untrusted value (a query parameter, a session field) is a supported locale. */
export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as string[]).includes(v);
}

/** A localized text object (as in registry files) in the given locale. */
export function pick(text: { fi: string; sv: string; en: string } | undefined, locale: Locale): string {
  return text ? text[locale] : '';
}
