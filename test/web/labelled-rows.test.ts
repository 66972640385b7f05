/**
 * Values as a citizen reads them: rows named by their definition's labels (never keys),
 * array items numbered, numbers, dates and times in the reader's language and zone, and
 * day boundaries in the dashboard's zone for the access log's period filter.
 */
import { describe, expect, it } from 'vitest';
import { labelledRows, valueText } from '../../src/web/labelled-rows.ts';
import { dayBoundary, localTime } from '../../src/web/local-time.ts';

const FIELDS: Record<string, string> = { gross_eur: 'Gross (€)', months: 'Month', 'months/gross_eur': 'Gross (€)', 'months/month': 'When' };
const labels = { field: (keys: readonly string[]) => FIELDS[keys.join('/')], value: (code: string) => ({ employed: 'in work' })[code] };

describe('labelled rows', () => {
  it('names each part by the labels on its way, numbers array items and never shows a key', () => {
    const value = {
      gross_eur: 48213.55,
      months: [
        { month: '2025-01', gross_eur: 4000 },
        { month: '2025-02', gross_eur: 4100.5 },
      ],
      secret_key: 'x',
    };
    expect(labelledRows(value, 'Monthly income', labels, 'en')).toEqual([
      ['Monthly income › Gross (€)', '48,213.55'],
      ['Monthly income › Month 1 › When', 'January 2025'],
      ['Monthly income › Month 1 › Gross (€)', '4000'],
      ['Monthly income › Month 2 › When', 'February 2025'],
      ['Monthly income › Month 2 › Gross (€)', '4100.5'],
      // an unlabelled part adds nothing to its row's label: the key never shows
      ['Monthly income', 'x'],
    ]);
  });

  it('writes values for the reader: numbers, truth values, dates, times with zone, coded values', () => {
    expect(valueText(48213.55, {}, 'fi')).toBe('48\u00a0213,55');
    expect(valueText(2025, {}, 'fi')).toBe('2025');
    expect(valueText(true, {}, 'sv')).toBe('ja');
    expect(valueText(null, {}, 'en')).toBe('—');
    expect(valueText('1988-01-01', {}, 'fi')).toBe('1.1.1988');
    expect(valueText('2025-06-12T11:03:00Z', {}, 'en')).toBe('12 Jun 2025, 14:03 EEST');
    expect(valueText('employed', labels, 'en')).toBe('in work');
    expect(valueText('2025-02-30', {}, 'en')).toBe('2025-02-30');
  });

  it('an empty title and no label at all make an "item"', () => {
    expect(labelledRows({ a: 1 }, '', { field: () => undefined }, 'fi')).toEqual([['Tieto', '1']]);
  });
});

describe('local time', () => {
  it('names the zone, in winter and in summer, in each language', () => {
    expect(localTime('2025-01-12T11:03:00Z', 'fi')).toBe('12.1.2025 klo 13.03 UTC+2');
    expect(localTime('2025-06-12T11:03:00Z', 'fi')).toBe('12.6.2025 klo 14.03 UTC+3');
    expect(localTime('2025-06-12T11:03:00Z', 'sv')).toBe('12 juni 2025 14.03 EEST');
    expect(localTime('2025-01-12T11:03:00Z', 'en')).toBe('12 Jan 2025, 13:03 EET');
  });

  it("gives a day's start (or the next day's, for an end) in Helsinki, across the clock changes", () => {
    expect(dayBoundary('2025-06-12')).toBe('2025-06-11T21:00:00.000Z');
    expect(dayBoundary('2025-01-12')).toBe('2025-01-11T22:00:00.000Z');
    expect(dayBoundary('2025-03-30', true)).toBe('2025-03-30T21:00:00.000Z');
    expect(dayBoundary('2025-10-26')).toBe('2025-10-25T21:00:00.000Z');
    expect(dayBoundary('2025-10-26', true)).toBe('2025-10-26T22:00:00.000Z');
    expect(dayBoundary('2025-02-30')).toBeUndefined();
    expect(dayBoundary('12.6.2025')).toBeUndefined();
  });
});
