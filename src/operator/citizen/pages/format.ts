/**
 * Words and dates of the dashboard's pages: consent statuses and history events in the
 * visitor's language, times in the dashboard's zone (named), ISO 8601 durations in words.
 */
import type { ConsentStatus } from '../../../core/consent-event.ts';
import { listOf, t, tn, type Locale, type MessageKey, type PluralKey } from '../../../web/i18n.ts';
import { intlTag, localDay, localTime } from '../../../web/local-time.ts';
import { CONSENT_STATUS_LABEL } from '../../../web/messages.ts';

/** A consent status in words. */
export const statusText = (locale: Locale, status: ConsentStatus) => t(locale, CONSENT_STATUS_LABEL[status]);

const EVENT_KEYS: Record<string, MessageKey> = {
  'dpv:ConsentRequested': 'event_requested',
  'dpv:ConsentGiven': 'event_given',
  'dpv:ConsentRefused': 'event_refused',
  'dpv:ConsentWithdrawn': 'event_withdrawn',
  'dpv:ConsentExpired': 'event_expired',
  'dpv:ConsentSuspended': 'event_suspended',
  'dpv:ConsentResumed': 'event_resumed',
  'portti:ProcessingRecorded': 'event_recorded',
  'portti:ConsentMoved': 'event_moved',
  'portti:ConsentImported': 'event_imported',
  'portti:IdentifiersErased': 'event_identifiers_erased',
};

/** A history event type in words (unknown types as they are). */
export const eventText = (locale: Locale, type: string) => (EVENT_KEYS[type] ? t(locale, EVENT_KEYS[type]) : type);

/** An ISO 8601 duration in words, each unit counted in the language (P1Y2M → "1 year and 2 months", "1 vuosi ja 2 kuukautta"). */
export function humanDuration(iso: string, locale: Locale): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return iso;
  const units: PluralKey[] = [
    'duration_years',
    'duration_months',
    'duration_weeks',
    'duration_days',
    'duration_hours',
    'duration_minutes',
    'duration_seconds',
  ];
  const words = units.flatMap((key, i) => (m[i + 1] === undefined ? [] : [tn(locale, key, Number(m[i + 1]))]));
  return words.length > 0 ? listOf(locale, words) : iso;
}

/** The BCP 47 tag dates are written in for a dashboard language. */
export const dateLocale = intlTag;

/** A point in time in the dashboard's zone, with the zone named; no time means "until withdrawn". */
export function when(iso: string | null, locale: Locale): string {
  return iso ? localTime(iso, locale) : t(locale, 'until_withdrawn');
}

/** A day in the dashboard's zone. */
export const day = localDay;
