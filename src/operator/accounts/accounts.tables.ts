/**
 * The tables of citizen accounts: the account, its keychain of identities, the national
 * identifiers bound to it, and the dashboard's sessions; with their parts of the operator's
 * migrations. Only accounts.repository.ts queries them.
 */
import { sql, type Kysely } from 'kysely';
import { columnTypes, type Dialect, type MigrationSet } from '../../store/database.ts';

/** A citizen's account at this operator. */
export interface AccountsTable {
  account_id: string;
  created_at: number;
  locale: string | null;
  display_name: string | null;
}

/** The keychain: identities (iss, sub) linked to an account. */
export interface IdentitiesTable {
  iss: string;
  sub: string;
  account_id: string;
  idp_id: string;
  acr: string | null;
  amr: string | null;
  linked_at: number;
  link_method: string;
  /** JSON of non-secret claims shown in the keychain (name, identifier). */
  claims: string;
  /** 1 when services see this identity (identity of choice). */
  preferred: number;
}

/** National identifiers (type, value) bound to an account by its identities. */
export interface AccountIdentifiersTable {
  identifier_type: string;
  identifier: string;
  account_id: string;
}

/** A dashboard session: the state behind the signed session cookie. */
export interface WebSessionsTable {
  session_id: string;
  account_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
}

/** Which identity of the keychain one service sees, where the citizen chose one for it (else the preferred one). */
export interface ServiceIdentitiesTable {
  account_id: string;
  client_id: string;
  iss: string;
  sub: string;
  chosen_at: number;
}

/** The accounts feature's tables. */
export interface AccountsDatabase {
  accounts: AccountsTable;
  identities: IdentitiesTable;
  service_identities: ServiceIdentitiesTable;
  account_identifiers: AccountIdentifiersTable;
  web_sessions: WebSessionsTable;
}

async function createAccountTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('locale', 'text')
    .addColumn('display_name', 'text')
    .execute();
  await db.schema
    .createTable('identities')
    .addColumn('iss', 'text', (c) => c.notNull())
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id').onDelete('cascade'))
    .addColumn('idp_id', 'text', (c) => c.notNull())
    .addColumn('acr', 'text')
    .addColumn('amr', 'text')
    .addColumn('linked_at', t.bigint, (c) => c.notNull())
    .addColumn('link_method', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('preferred', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('identities_pk', ['iss', 'sub'])
    .execute();
  await db.schema.createIndex('identities_account').on('identities').column('account_id').execute();
  await db.schema
    .createTable('account_identifiers')
    .addColumn('identifier_type', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id').onDelete('cascade'))
    .addPrimaryKeyConstraint('account_identifiers_pk', ['identifier_type', 'identifier'])
    .execute();
  await db.schema
    .createTable('web_sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
}

/** The accounts feature's parts of the operator's migrations. */
export const accountsMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createAccountTables(db, dialect),
    async down(db) {
      for (const table of ['web_sessions', 'account_identifiers', 'identities', 'accounts'])
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
    },
  },
  '0003_account_identifier_index': {
    async up(db) {
      // recordIdsForAccount looks an account's identifiers up by account (scale bench)
      await db.schema.createIndex('account_identifiers_account').on('account_identifiers').column('account_id').execute();
    },
    async down(db) {
      await db.schema.dropIndex('account_identifiers_account').execute();
    },
  },
  '0011_service_identities': {
    async up(db) {
      await db.schema
        .createTable('service_identities')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('iss', 'text', (c) => c.notNull())
        .addColumn('sub', 'text', (c) => c.notNull())
        .addColumn('chosen_at', columnTypes(dialect).bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('service_identities_pk', ['account_id', 'client_id'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('service_identities').ifExists().execute();
    },
  },
});
