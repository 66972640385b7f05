/**
 * Whether a mandate lets a person act on a record: pure, no I/O. A mandate covers a record
 * when the person is the delegate it names, it has not been ended, its end date has not
 * passed and the record's service is one of those it lists; anything else is refused, with
 * the reason named so the refusal can say it.
 */

/** Why a mandate does not cover an act (or `undefined` when it does). */
export type MandateRefusal = 'not_delegate' | 'ended' | 'expired' | 'other_service';

/** The facts of a mandate the check reads. */
export interface MandateFacts {
  delegate_identifier_type: string;
  delegate_identifier: string;
  services: readonly string[];
  valid_until: number;
  ended_at: number | null;
}

/** The longest a mandate may run (the grantor renews it after a year, as Suomi.fi's mandates are renewed). */
export const MAX_MANDATE_MS = 366 * 24 * 3600_000;

/** Why `mandate` does not let the person with `identifiers` act on a record of `clientId` at `now`. */
export function mandateRefusal(
  mandate: MandateFacts,
  identifiers: ReadonlyArray<{ identifier_type: string; identifier: string }>,
  clientId: string | null,
  now: number,
): MandateRefusal | undefined {
  const named = identifiers.some(
    (i) => i.identifier_type === mandate.delegate_identifier_type && i.identifier === mandate.delegate_identifier,
  );
  if (!named) return 'not_delegate';
  if (mandate.ended_at !== null) return 'ended';
  if (mandate.valid_until <= now) return 'expired';
  if (clientId !== null && !mandate.services.includes(clientId)) return 'other_service';
  return undefined;
}
