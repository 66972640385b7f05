/**
 * Revoked access tokens, shared by every instance of the operator: one row per token revoked
 * at the RFC 7009 endpoint (by `jti`) and one per service suspension (every token of the client
 * issued up to `issued_before`). A row is kept until no token it covers can still be valid
 * (`expires_at`); with its part of the operator's migrations (`0005_token_revocations`). Only
 * token-revocations.repository.ts queries it.
 */
import { columnTypes, dropTables, type MigrationSet } from '../../store/database.ts';

/** One revocation: a token (`jti`) or every token of a client issued up to `issued_before`. */
export interface TokenRevocationsTable {
  /** The token's `jti`, or `client:<client_id>@<issued_before>` for a suspension. */
  revocation_id: string;
  client_id: string;
  jti: string | null;
  /** Epoch seconds; set for a suspension. */
  issued_before: number | null;
  /** Epoch seconds: the last `exp` a covered token can have. */
  expires_at: number;
  /** Epoch milliseconds. */
  revoked_at: number;
  reason: string;
}

/** The revocation tables. */
export interface TokenRevocationsDatabase {
  token_revocations: TokenRevocationsTable;
}

/** The revocations' part of the operator's migrations. */
export const tokenRevocationsMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0007_token_revocations': {
      async up(db) {
        await db.schema
          .createTable('token_revocations')
          .addColumn('revocation_id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('jti', 'text')
          .addColumn('issued_before', t.bigint)
          .addColumn('expires_at', t.bigint, (c) => c.notNull())
          .addColumn('revoked_at', t.bigint, (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('token_revocations_client').on('token_revocations').columns(['client_id', 'issued_before']).execute();
      },
      down: (db) => dropTables(db, ['token_revocations']),
    },
  };
};
