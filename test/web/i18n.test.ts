/**
 * Counts and lists in the dashboard's languages: `tn` picks the form `Intl.PluralRules` gives
 * (no "1 entries", "1 pending requests" or sv "1 poster"), with a `zero` form where one is
 * written; durations read as words per unit; every counted message has all three languages.
 */
import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/operator/citizen/pages/format.ts';
import { listOf, LOCALES, tn } from '../../src/web/i18n.ts';
import { PLURAL_MESSAGES } from '../../src/web/messages.ts';
import { prefersHtml } from '../../src/web/negotiate.ts';

describe('counts with Intl.PluralRules', () => {
  it('writes one and many as each language does', () => {
    expect([1, 2].map((n) => tn('en', 'access_entries', n))).toEqual(['1 entry', '2 entries']);
    expect([1, 2].map((n) => tn('sv', 'access_entries', n))).toEqual(['1 post', '2 poster']);
    expect([1, 2].map((n) => tn('fi', 'access_entries', n))).toEqual(['1 merkintä', '2 merkintää']);
    expect(tn('en', 'pending_requests', 1)).toBe('1 request waits for your decision.');
    expect(tn('en', 'pending_requests', 0)).toBe('No requests wait for your decision.');
    expect(tn('sv', 'active_consents', 1)).toBe('Du har 1 gällande samtycke.');
    expect(tn('fi', 'active_consents', 3)).toBe('Sinulla on 3 voimassa olevaa lupaa.');
    expect(tn('en', 'move_progress', 1, { done: 0 })).toBe('0 of 1 consent record handled');
  });

  it('writes large counts as numbers of the language', () => {
    expect(tn('en', 'access_entries', 1200)).toBe('1,200 entries');
    expect(tn('fi', 'access_entries', 1200)).toBe('1\u00a0200 merkintää');
  });

  it('has every counted message in all three languages, each with its `other` form', () => {
    for (const [key, forms] of Object.entries(PLURAL_MESSAGES))
      for (const locale of LOCALES) expect(forms[locale].other, `${key}.${locale}`).toContain('{n}');
  });

  it('writes durations in words, unit by unit', () => {
    expect(humanDuration('P1Y', 'en')).toBe('1 year');
    expect(humanDuration('P2Y3M', 'en')).toBe('2 years and 3 months');
    expect(humanDuration('P1Y', 'fi')).toBe('1 vuosi');
    expect(humanDuration('P2W', 'fi')).toBe('2 viikkoa');
    expect(humanDuration('P1M1D', 'sv')).toBe('1 månad och 1 dag');
    expect(humanDuration('PT10M', 'sv')).toBe('10 minuter');
    expect(humanDuration('not a duration', 'en')).toBe('not a duration');
  });

  it('joins lists as each language does', () => {
    expect(listOf('en', ['Aino', 'Mikko', 'Ella'])).toBe('Aino, Mikko, and Ella');
    expect(listOf('fi', ['Aino', 'Mikko'])).toBe('Aino ja Mikko');
    expect(listOf('sv', ['Aino', 'Mikko'])).toBe('Aino och Mikko');
  });
});

describe('content negotiation', () => {
  it('gives browsers HTML and every other client the API answer', () => {
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8')).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/problem+json, text/html;q=0.5')).toBe(false);
    expect(prefersHtml('text/html;q=0')).toBe(false);
  });
});
