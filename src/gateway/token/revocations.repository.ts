/**
 * The only code that queries the revoked-token table: store a heard revocation with the feed
 * cursor in one transaction, load the live ones at start-up, forget the expired.
 */
import type { Kysely, Selectable } from 'kysely';
import { saveCursor } from '../consent/replica.repository.ts';
import type { ReplicaDatabase } from '../consent/replica.tables.ts';
import type { RevocationsDatabase, RevokedTokensTable } from './revocations.tables.ts';

type Db = Kysely<RevocationsDatabase & ReplicaDatabase>;

/** A stored revocation. */
export type RevokedTokenRow = Selectable<RevokedTokensTable>;

/** Stores one revocation (a repeat changes nothing) and moves the operator's feed cursor past its event. */
export async function saveRevocation(db: Db, row: RevokedTokenRow, eventId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('revoked_tokens')
      .values(row)
      .onConflict((oc) => oc.columns(['iss', 'rule_id']).doNothing())
      .execute();
    await saveCursor(trx, row.iss, eventId);
  });
}

/** Every revocation whose tokens may still be valid at `nowS` (epoch seconds). */
export async function liveRevocations(db: Db, nowS: number): Promise<RevokedTokenRow[]> {
  return db.selectFrom('revoked_tokens').selectAll().where('exp', '>=', nowS).execute();
}

/** Forgets revocations no token can outlive. */
export async function deleteRevocationsBefore(db: Db, nowS: number): Promise<void> {
  await db.deleteFrom('revoked_tokens').where('exp', '<', nowS).execute();
}
