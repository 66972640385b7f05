/**
 * Times and numbers as a citizen reads them: in the dashboard's time zone with the zone
 * named ("12.6.2025 klo 14.03 UTC+3", "12 Jun 2025, 14:03 EEST"), days, and the start
 * or end of a day given as YYYY-MM-DD in that zone (for date filters).
 */
import type { Locale } from './i18n.ts';

/** The zone the dashboard shows times in (the demo and Finnish operators: Helsinki). */
export const DISPLAY_TIME_ZONE = 'Europe/Helsinki';

/** The BCP 47 tag dates and numbers are written in for a dashboard language. */
export const intlTag = (locale: Locale): string => (locale === 'en' ? 'en-GB' : `${locale}-FI`);

const TIME_OPTIONS: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** A point in time in the dashboard's zone, with the zone's name. */
export function localTime(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleString(intlTag(locale), { ...TIME_OPTIONS, timeZone: DISPLAY_TIME_ZONE });
}

/** The day of a point in time in the dashboard's zone. */
export function localDay(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleDateString(intlTag(locale), { dateStyle: 'medium', timeZone: DISPLAY_TIME_ZONE });
}

/** The month of a point in time in the dashboard's zone ("kesäkuu 2025"). */
export function localMonth(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleDateString(intlTag(locale), { month: 'long', year: 'numeric', timeZone: DISPLAY_TIME_ZONE });
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: DISPLAY_TIME_ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - (ms - (ms % 1000));
}

/**
 * The instant (ISO 8601, UTC) a day given as YYYY-MM-DD starts in the dashboard's zone, or the
 * day after it starts when `end` (a filter's exclusive upper bound); undefined for anything else.
 */
export function dayBoundary(day: string, end = false): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  if (new Date(Date.UTC(y, mo, d)).getUTCDate() !== d) return undefined;
  const wall = Date.UTC(y, mo, d + (end ? 1 : 0));
  // the offset at the wall time is right except within an hour of a change; a second look settles it
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first)).toISOString();
}

/** A number written for the language (groups from 10 000 up, so years stay 2025). */
export function localNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(intlTag(locale), { useGrouping: 'min2', maximumFractionDigits: 2 }).format(n);
}
