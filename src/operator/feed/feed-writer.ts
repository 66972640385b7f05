/**
 * Appends one signed event to the consent feed inside the caller's transaction: takes the
 * writers' lock, reserves the feed position, signs the payload made for that position with the
 * operator's key and stores the JWS there. For events other than consent changes (token
 * revocations); consent changes sign theirs in consent/consent-effects.ts.
 */
import { CompactSign } from 'jose';
import type { FeedEventName } from '../../core/consent-feed.ts';
import type { Dialect, Queryable } from '../../store/database.ts';
import type { SigningKey } from '../../store/keys.ts';
import { lockFeedWriters, reserveFeedEvent, setFeedEventJws } from './feed.repository.ts';
import type { FeedDatabase } from './feed.tables.ts';

/** Where and what one feed event is: its record (or other subject), source, time, SSE name and JWS typ. */
export interface FeedEventSpec {
  subject: string;
  source: string;
  time: number;
  event: FeedEventName;
  typ: string;
}

/** Appends the signed event; `payload` makes the signed body for the reserved position. Returns the position. */
export async function appendSignedFeedEvent(
  trx: Queryable<FeedDatabase>,
  dialect: Dialect,
  key: SigningKey,
  spec: FeedEventSpec,
  payload: (seq: number) => object,
): Promise<number> {
  await lockFeedWriters(trx, dialect);
  const seq = await reserveFeedEvent(trx, spec.subject, spec.source, spec.time, spec.event);
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload(seq))))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: spec.typ })
    .sign(key.privateKey);
  await setFeedEventJws(trx, seq, jws);
  return seq;
}
