/**
 * The gateway's tables: its consent replica and feed cursors, its hash-chained access
 * log with signed checkpoints, and its signing keys.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes, type Dialect, type MigrationSet } from '../store/database.ts';
import type { SigningKeysTable } from '../store/keys.ts';

export interface ReplicaConsentsTable {
  iss: string;
  record_id: string;
  /** Resource URI of the source the entry is for. */
  source: string;
  client_id: string;
  status: string;
  /** JSON: `ReplicaSubject[]` — who the record is about and which attributes each allows. */
  subjects: string;
  purpose: string | null;
  legal_basis: string | null;
  expires_at: number | null;
  event_seq: number;
  updated_at: number;
  /** A record that replaced this one at another operator (a move), once that record arrived. */
  superseded_by: string | null;
  /** For a `moved` record whose replacement has not arrived yet: when the move was heard. */
  moved_at: number | null;
}

export interface ReplicaCursorsTable {
  iss: string;
  last_event_id: string | null;
  last_event_at: number | null;
}

export interface AccessRecordsTable {
  seq: number;
  /** The gateway instance whose chain this record is in. */
  chain: string;
  access_id: string;
  time: string;
  iss: string | null;
  client_id: string | null;
  consent_record_id: string | null;
  /** JSON: the full access record as hashed. */
  body: string;
  prev_hash: string;
  hash: string;
}

/** How far each operator has been sent this chain's records (the reporter's cursor). */
export interface ReportCursorsTable {
  chain: string;
  iss: string;
  last_seq: number;
}

export interface AuditCheckpointsTable {
  chain: string;
  seq: number;
  hash: string;
  time: string;
  jws: string;
}

/** DPoP proof ids seen by any instance (when instances share the store). */
export interface DpopReplayTable {
  key: string;
  expires_at: number;
}

export interface GatewayDatabase {
  dpop_replay: DpopReplayTable;
  replica_consents: ReplicaConsentsTable;
  replica_cursors: ReplicaCursorsTable;
  access_records: AccessRecordsTable;
  report_cursors: ReportCursorsTable;
  audit_checkpoints: AuditCheckpointsTable;
  signing_keys: SigningKeysTable;
}

/** Creates the signing_keys table (shared by operator and gateway stores). */
export async function createSigningKeysTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
}

/** Gateway migrations, applied at start and by `portti migrate`. */
export const gatewayMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  const initial: Migration = {
    async up(db) {
      await createSigningKeysTable(db, dialect);
      await db.schema
        .createTable('replica_consents')
        .addColumn('iss', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('subjects', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('legal_basis', 'text')
        .addColumn('expires_at', t.bigint)
        .addColumn('event_seq', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('replica_consents_pk', ['iss', 'record_id', 'source'])
        .execute();
      await db.schema
        .createTable('replica_cursors')
        .addColumn('iss', 'text', (c) => c.primaryKey())
        .addColumn('last_event_id', 'text')
        .addColumn('last_event_at', t.bigint)
        .execute();
      await db.schema
        .createTable('access_records')
        .addColumn('chain', 'text', (c) => c.notNull())
        .addColumn('seq', t.bigint, (c) => c.notNull())
        .addColumn('access_id', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('iss', 'text')
        .addColumn('client_id', 'text')
        .addColumn('consent_record_id', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_records_pk', ['chain', 'seq'])
        .execute();
      await db.schema
        .createTable('report_cursors')
        .addColumn('chain', 'text', (c) => c.notNull())
        .addColumn('iss', 'text', (c) => c.notNull())
        .addColumn('last_seq', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('report_cursors_pk', ['chain', 'iss'])
        .execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('chain', 'text', (c) => c.notNull())
        .addColumn('seq', t.bigint, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'seq'])
        .execute();
    },
    async down(db) {
      for (const table of [
        'audit_checkpoints',
        'report_cursors',
        'access_records',
        'replica_cursors',
        'replica_consents',
        'signing_keys',
      ]) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
  const replay: Migration = {
    async up(db) {
      await db.schema
        .createTable('dpop_replay')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dpop_replay_expiry').on('dpop_replay').column('expires_at').execute();
    },
    async down(db) {
      await sql`drop table if exists dpop_replay`.execute(db);
    },
  };
  const moves: Migration = {
    async up(db) {
      await db.schema.alterTable('replica_consents').addColumn('superseded_by', 'text').execute();
      await db.schema.alterTable('replica_consents').addColumn('moved_at', t.bigint).execute();
    },
    async down(db) {
      await db.schema.alterTable('replica_consents').dropColumn('moved_at').execute();
      await db.schema.alterTable('replica_consents').dropColumn('superseded_by').execute();
    },
  };
  return { '0001_initial': initial, '0002_dpop_replay': replay, '0003_moves': moves };
};
