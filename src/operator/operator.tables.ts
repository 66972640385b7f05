/**
 * The operator's tables: accounts and their keychain, services and sources, consent
 * records with parties and history, the consent feed, receipts, the citizens' access
 * log, webhook deliveries, oidc-provider state and signing keys.
 */
import { sql, type ColumnDefinitionBuilder, type Generated } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes, type MigrationSet } from '../store/database.ts';
import type { SigningKeysTable } from '../store/keys.ts';
import { createSigningKeysTable } from '../store/keys.ts';

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

export interface AccountIdentifiersTable {
  identifier_type: string;
  identifier: string;
  account_id: string;
}

export interface ServicesTable {
  client_id: string;
  name: string;
  kind: string;
  status: string;
  /** JSON: the service definition as registered (agreement inputs, client metadata). */
  definition: string;
  /** JSON-LD: the ODRL 2.2 Agreement. */
  agreement: string;
  webhook_url: string | null;
  created_at: number;
  updated_at: number;
}

export interface SourcesTable {
  source_id: string;
  resource: string;
  name: string;
  identifier_type: string;
  /** JSON: attribute catalogue. */
  attributes: string;
}

export interface ConsentRecordsTable {
  record_id: string;
  client_id: string;
  status: string;
  activation_mode: string;
  purposes: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  validity_duration: string | null;
  replaces: string | null;
  /** The record that replaced this one at another operator (after a move). */
  replaced_by: string | null;
  language: string | null;
  version: number;
}

export interface ConsentPartiesTable {
  party_id: string;
  /** Order of the party in the record (as filed). */
  position: number;
  record_id: string;
  role: string;
  identifier_type: string;
  identifier: string;
  account_id: string | null;
  acting_for: string | null;
  status: string;
  choices: string | null;
  decided_at: number | null;
}

export interface ConsentHistoryTable {
  id: Generated<number>;
  record_id: string;
  time: number;
  event_type: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  party_id: string | null;
  reason: string | null;
}

export interface ConsentEventsTable {
  seq: Generated<number>;
  record_id: string;
  source: string;
  time: number;
  jws: string;
}

export interface ReceiptsTable {
  seq: Generated<number>;
  receipt_id: string;
  record_id: string;
  time: number;
  jws: string;
}

export interface AccessLogTable {
  access_id: string;
  record_id: string | null;
  client_id: string | null;
  gateway_client_id: string;
  time: string;
  outcome: string;
  body: string;
  received_at: number;
}

export interface WebhookDeliveriesTable {
  delivery_id: string;
  client_id: string;
  event_type: string;
  record_id: string | null;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

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

export interface WebSessionsTable {
  session_id: string;
  account_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
}

/** A citizen's permission arrangement: an ODRL 2.2 `Set` policy. */
export interface ArrangementsTable {
  arrangement_id: string;
  account_id: string;
  label: string;
  /** JSON-LD: the ODRL Set. */
  policy: string;
  created_at: number;
  updated_at: number;
}

/** Moves of a citizen to or from this operator (portability). */
export interface MovesTable {
  move_id: string;
  /** `out` at the old operator (bundle exported), `in` at the new one (bundle imported). */
  direction: string;
  account_id: string;
  /** The other operator's issuer. */
  peer: string;
  status: string;
  total: number;
  done: number;
  /** JSON: per-record outcome (old id → new id or reason). */
  result: string;
  /** At the new operator: the verified bundle as received (the citizen's history there). */
  bundle: string | null;
  created_at: number;
  updated_at: number;
}

export interface OperatorDatabase {
  arrangements: ArrangementsTable;
  moves: MovesTable;
  accounts: AccountsTable;
  identities: IdentitiesTable;
  account_identifiers: AccountIdentifiersTable;
  services: ServicesTable;
  sources: SourcesTable;
  consent_records: ConsentRecordsTable;
  consent_parties: ConsentPartiesTable;
  consent_history: ConsentHistoryTable;
  consent_events: ConsentEventsTable;
  receipts: ReceiptsTable;
  access_log: AccessLogTable;
  webhook_deliveries: WebhookDeliveriesTable;
  oidc_store: OidcStoreTable;
  web_sessions: WebSessionsTable;
  signing_keys: SigningKeysTable;
}

/** Operator migrations, applied at start and by `portti migrate`. */
export const operatorMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  const serialPk = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey());
  const initial: Migration = {
    async up(db) {
      await createSigningKeysTable(db, dialect);
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
        .createTable('services')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('agreement', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sources')
        .addColumn('source_id', 'text', (c) => c.primaryKey())
        .addColumn('resource', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('identifier_type', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('consent_records')
        .addColumn('record_id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('activation_mode', 'text', (c) => c.notNull())
        .addColumn('purposes', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addColumn('expires_at', t.bigint)
        .addColumn('validity_duration', 'text')
        .addColumn('replaces', 'text')
        .addColumn('language', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consent_records_client').on('consent_records').columns(['client_id', 'status']).execute();
      await db.schema.createIndex('consent_records_expiry').on('consent_records').columns(['status', 'expires_at']).execute();
      await db.schema
        .createTable('consent_parties')
        .addColumn('party_id', 'text', (c) => c.primaryKey())
        .addColumn('record_id', 'text', (c) => c.notNull().references('consent_records.record_id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('identifier_type', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('acting_for', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('choices', 'text')
        .addColumn('decided_at', t.bigint)
        .execute();
      await db.schema.createIndex('consent_parties_record').on('consent_parties').column('record_id').execute();
      await db.schema.createIndex('consent_parties_identifier').on('consent_parties').columns(['identifier_type', 'identifier']).execute();
      await db.schema.createIndex('consent_parties_account').on('consent_parties').column('account_id').execute();
      await db.schema
        .createTable('consent_history')
        .addColumn('id', t.serial, serialPk)
        .addColumn('record_id', 'text', (c) => c.notNull().references('consent_records.record_id').onDelete('cascade'))
        .addColumn('time', t.bigint, (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('party_id', 'text')
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('consent_history_record').on('consent_history').columns(['record_id', 'id']).execute();
      await db.schema
        .createTable('consent_events')
        .addColumn('seq', t.serial, serialPk)
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('time', t.bigint, (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consent_events_source').on('consent_events').columns(['source', 'seq']).execute();
      await db.schema
        .createTable('receipts')
        .addColumn('seq', t.serial, serialPk)
        .addColumn('receipt_id', 'text', (c) => c.notNull().unique())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('time', t.bigint, (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('receipts_record').on('receipts').columns(['record_id', 'time']).execute();
      await db.schema
        .createTable('access_log')
        .addColumn('access_id', 'text', (c) => c.primaryKey())
        .addColumn('record_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('gateway_client_id', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('received_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_log_record').on('access_log').columns(['record_id', 'time']).execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('delivery_id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', t.bigint, (c) => c.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('delivered_at', t.bigint)
        .execute();
      await db.schema.createIndex('webhook_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
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
      await db.schema
        .createTable('web_sessions')
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
    },
    async down(db) {
      const tables = [
        'web_sessions',
        'oidc_store',
        'webhook_deliveries',
        'access_log',
        'receipts',
        'consent_events',
        'consent_history',
        'consent_parties',
        'consent_records',
        'sources',
        'services',
        'account_identifiers',
        'identities',
        'accounts',
        'signing_keys',
      ];
      for (const table of tables) await sql`drop table if exists ${sql.table(table)}`.execute(db);
    },
  };
  const arrangementsAndMoves: Migration = {
    async up(db) {
      await db.schema
        .createTable('arrangements')
        .addColumn('arrangement_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('arrangements_account').on('arrangements').column('account_id').execute();
      await db.schema
        .createTable('moves')
        .addColumn('move_id', 'text', (c) => c.primaryKey())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('peer', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('done', 'integer', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('bundle', 'text')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('consent_records').addColumn('replaced_by', 'text').execute();
      await db.schema.createIndex('consent_records_replaces').on('consent_records').column('replaces').execute();
    },
    async down(db) {
      await db.schema.dropIndex('consent_records_replaces').execute();
      await db.schema.alterTable('consent_records').dropColumn('replaced_by').execute();
      await db.schema.dropTable('moves').execute();
      await db.schema.dropTable('arrangements').execute();
    },
  };
  // numbered after main's 0002_arrangements_and_moves, so the order holds when the branches meet
  const accountIndexes: Migration = {
    async up(db) {
      // recordIdsForAccount looks an account's identifiers up by account (scale bench)
      await db.schema.createIndex('account_identifiers_account').on('account_identifiers').column('account_id').execute();
    },
    async down(db) {
      await db.schema.dropIndex('account_identifiers_account').execute();
    },
  };
  const accessLogIndex: Migration = {
    async up(db) {
      // a citizen's newest access records per consent record, read from the index alone
      await db.schema.createIndex('access_log_record_time_id').on('access_log').columns(['record_id', 'time', 'access_id']).execute();
      await db.schema.dropIndex('access_log_record').execute();
    },
    async down(db) {
      await db.schema.createIndex('access_log_record').on('access_log').columns(['record_id', 'time']).execute();
      await db.schema.dropIndex('access_log_record_time_id').execute();
    },
  };
  return {
    '0001_initial': initial,
    '0002_arrangements_and_moves': arrangementsAndMoves,
    '0003_account_identifier_index': accountIndexes,
    '0004_access_log_covering_index': accessLogIndex,
  };
};
