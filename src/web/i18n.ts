/**
 * The dashboard's strings in Finnish, Swedish and English. Every user-visible string is
 * a key here; `t` fills `{name}` placeholders. The locale comes from `?lang=`, the
 * session, or the browser's Accept-Language, in that order.
 */
import { MESSAGES } from './messages.ts';

/** A language of the dashboard. */
export type Locale = 'fi' | 'sv' | 'en';
/** The dashboard's languages, in the order the language menu shows them. */
export const LOCALES: Locale[] = ['fi', 'sv', 'en'];
/** A key of the message table: `t` accepts no other string, so an unknown key fails the build. */
export type MessageKey = keyof typeof MESSAGES;

/** Translates `key` into `locale`, filling `{placeholders}` from `vars`. */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[key][locale].replace(/\{(\w+)\}/g, (_m, name: string) => String(vars[name] ?? `{${name}}`));
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
