/**
 * The fee service's language, chosen as the dashboard chooses it (`?lang=`, then the
 * `lang` cookie a choice leaves, then Accept-Language), and its words: `ft` fills
 * `{placeholders}`, `ftn` picks the plural form with `Intl.PluralRules`, euros and names
 * are written for the language.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fromAcceptLanguage, isLocale, type Locale } from '../../web/i18n.ts';
import { intlTag } from '../../web/local-time.ts';
import { FEE_MESSAGES, FEE_PLURALS } from './fee-messages.data.ts';

/** A key of the fee service's message table. */
export type FeeKey = keyof typeof FEE_MESSAGES;
/** A key of its counted messages. */
export type FeePluralKey = keyof typeof FEE_PLURALS;

function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_m, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Translates `key` into `locale`, filling `{placeholders}` from `vars`. */
export function ft(locale: Locale, key: FeeKey, vars: Record<string, string | number> = {}): string {
  return fill(FEE_MESSAGES[key][locale], vars);
}

/** Translates a count: "1 application", "2 applications", fi "2 hakemusta". */
export function ftn(locale: Locale, key: FeePluralKey, n: number): string {
  const forms = FEE_PLURALS[key][locale] as Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
  const form = forms[new Intl.PluralRules(locale).select(n)] ?? forms.other;
  return fill(form, { n: new Intl.NumberFormat(intlTag(locale)).format(n) });
}

/** Euros as the language writes them ("311 €", "€311", "120,50 €"). */
export function eur(amount: number, locale: Locale): string {
  const digits = Number.isInteger(amount) ? 0 : 2;
  return new Intl.NumberFormat(intlTag(locale), {
    style: 'currency',
    currency: 'EUR',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amount);
}

/**
 * A name in the Swedish genitive: "Ainos", "Lars", "Vårdnadshavare 1:s" (a final s, x or z
 * takes nothing; a digit or capital abbreviation takes a colon).
 */
export function swedishGenitive(name: string): string {
  if (/[sxz]$/i.test(name)) return name;
  if (/(\d|\b[A-ZÅÄÖ]{2,})$/.test(name)) return `${name}:s`;
  return `${name}s`;
}

/** The cookie that keeps a visitor's language choice. */
const LANG_COOKIE = 'fee_lang';

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The `lang` query parameter of any request (routes declare their own query schemas, or none). */
function queryLang(request: FastifyRequest): unknown {
  const query: unknown = request.query;
  return typeof query === 'object' && query !== null && 'lang' in query ? query.lang : undefined;
}

/** The page's language: `?lang=` (kept in a cookie), the cookie, else Accept-Language (default Finnish). */
export function localeOf(request: FastifyRequest, reply?: FastifyReply): Locale {
  const q = queryLang(request);
  if (isLocale(q)) {
    reply?.header('set-cookie', `${LANG_COOKIE}=${q}; Path=/; SameSite=Lax; Max-Age=31536000`);
    return q;
  }
  const kept = cookie(request, LANG_COOKIE);
  return isLocale(kept) ? kept : fromAcceptLanguage(request.headers['accept-language']);
}

/** A cookie's value on the request (the staff session). */
export { cookie as requestCookie };
