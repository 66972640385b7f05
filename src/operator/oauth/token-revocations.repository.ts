/**
 * The only code that queries the revoked-token table: store a revocation, ask whether a
 * token's claims are covered by one, and forget those no token can outlive.
 */
import type { Insertable } from 'kysely';
import type { Queryable } from '../../store/database.ts';
import type { TokenRevocationsDatabase, TokenRevocationsTable } from './token-revocations.tables.ts';

type Db = Queryable<TokenRevocationsDatabase>;

/** Stores a revocation; a repeated one (same token revoked twice) changes nothing. Returns whether it was new. */
export async function insertRevocation(db: Db, row: Insertable<TokenRevocationsTable>): Promise<boolean> {
  const res = await db
    .insertInto('token_revocations')
    .values(row)
    .onConflict((oc) => oc.column('revocation_id').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Whether a token (its `jti`, client and `iat`, epoch seconds) is revoked: by its own id or by its client's suspension. */
export async function isRevoked(db: Db, token: { jti: string | undefined; client_id: string; iat: number }): Promise<boolean> {
  const row = await db
    .selectFrom('token_revocations')
    .select('revocation_id')
    .where((eb) =>
      eb.or([
        ...(token.jti ? [eb('revocation_id', '=', token.jti)] : []),
        eb.and([eb('client_id', '=', token.client_id), eb('issued_before', '>=', token.iat)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes revocations whose tokens have all expired (`expires_at` before `nowS`, epoch seconds). */
export async function deleteExpiredRevocations(db: Db, nowS: number): Promise<void> {
  await db.deleteFrom('token_revocations').where('expires_at', '<', nowS).execute();
}
