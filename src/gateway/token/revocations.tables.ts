/**
 * Token revocations heard on the operators' consent feeds (`0004_token_revocations`): one row
 * per revoked token (`jti`) or suspended service (every token of the client issued up to
 * `issued_before`), kept until no token it covers can still be valid (`exp`), so a restarted
 * gateway keeps refusing what it heard before. Only revocations.repository.ts queries it.
 */
import { columnTypes, dropTables, type MigrationSet } from '../../store/database.ts';

/** One revocation of an operator's tokens. */
export interface RevokedTokensTable {
  iss: string;
  /** `jti:<jti>` or `client:<client_id>@<issued_before>`. */
  rule_id: string;
  client_id: string;
  jti: string | null;
  /** Epoch seconds. */
  issued_before: number | null;
  /** Epoch seconds: the last `exp` a covered token can have. */
  exp: number;
}

/** The revocation list's table. */
export interface RevocationsDatabase {
  revoked_tokens: RevokedTokensTable;
}

/** The revocation list's part of the gateway's migrations. */
export const revocationsMigrations: MigrationSet = (dialect) => ({
  '0005_token_revocations': {
    async up(db) {
      const t = columnTypes(dialect);
      await db.schema
        .createTable('revoked_tokens')
        .addColumn('iss', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('jti', 'text')
        .addColumn('issued_before', t.bigint)
        .addColumn('exp', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('revoked_tokens_pk', ['iss', 'rule_id'])
        .execute();
      await db.schema.createIndex('revoked_tokens_exp').on('revoked_tokens').column('exp').execute();
    },
    down: (db) => dropTables(db, ['revoked_tokens']),
  },
});
