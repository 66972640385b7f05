/**
 * oidc-provider's state (grants, codes, sessions, interactions, tokens) in one table keyed
 * by (model, id), with lookups by grant, user code, interaction uid and the consent record
 * a grant carries; with its part of the operator's migrations. Only oidc-store.repository.ts
 * queries it.
 */
import { sql } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** One stored oidc-provider model instance. */
export interface OidcStoreTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  consent_record_id: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/** The authorization server's tables. */
export interface OidcStoreDatabase {
  oidc_store: OidcStoreTable;
}

/** The authorization server's part of the operator's migrations. */
export const oidcStoreMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('oidc_store')
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('grant_id', 'text')
          .addColumn('user_code', 'text')
          .addColumn('uid', 'text')
          .addColumn('consent_record_id', 'text')
          .addColumn('expires_at', t.bigint)
          .addColumn('consumed_at', t.bigint)
          .addPrimaryKeyConstraint('oidc_store_pk', ['model', 'id'])
          .execute();
        await db.schema.createIndex('oidc_store_grant').on('oidc_store').column('grant_id').execute();
        await db.schema.createIndex('oidc_store_uid').on('oidc_store').column('uid').execute();
        await db.schema.createIndex('oidc_store_consent').on('oidc_store').column('consent_record_id').execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('oidc_store')}`.execute(db);
      },
    },
  };
};
