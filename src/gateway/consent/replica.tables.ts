/**
 * The consent replica's tables: one row per (issuer, record, source) with the record's
 * current state, and each operator's feed cursor. Created in the gateway's first migration;
 * the columns for moved consents came with `0003_moves`.
 */
import type { Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../../store/database.ts';

/** One replicated consent record at one source. */
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

/** The last applied feed event of each operator. */
export interface ReplicaCursorsTable {
  iss: string;
  last_event_id: string | null;
  last_event_at: number | null;
}

/** The tables the consent replica reads and writes. */
export interface ReplicaDatabase {
  replica_consents: ReplicaConsentsTable;
  replica_cursors: ReplicaCursorsTable;
}

/** The replica's part of the gateway's migrations: its tables in `0001_initial`, the columns for moves in `0003_moves`. */
export const replicaMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createReplicaTables(db, dialect),
    down: (db) => dropTables(db, ['replica_cursors', 'replica_consents']),
  },
  '0003_moves': {
    async up(db) {
      await db.schema.alterTable('replica_consents').addColumn('superseded_by', 'text').execute();
      await db.schema.alterTable('replica_consents').addColumn('moved_at', columnTypes(dialect).bigint).execute();
    },
    async down(db) {
      await db.schema.alterTable('replica_consents').dropColumn('moved_at').execute();
      await db.schema.alterTable('replica_consents').dropColumn('superseded_by').execute();
    },
  },
});

async function createReplicaTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
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
}
