/**
 * The access log's tables: the hash-chained access records of each gateway instance and the
 * signed checkpoints over them. They live in the gateway's store, whose migrations include
 * {@link auditMigrations}.
 */
import type { Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../store/database.ts';

/** One access record in its chain. */
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

/** A signed chain head (compact JWS) every N records. */
export interface AuditCheckpointsTable {
  chain: string;
  seq: number;
  hash: string;
  time: string;
  jws: string;
}

/** The tables the access log reads and writes. */
export interface AuditDatabase {
  access_records: AccessRecordsTable;
  audit_checkpoints: AuditCheckpointsTable;
}

/** The audit tables' part of the gateway's migrations: both come with `0001_initial`. */
export const auditMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createAuditTables(db, dialect),
    down: (db) => dropTables(db, ['audit_checkpoints', 'access_records']),
  },
});

async function createAuditTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
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
    .createTable('audit_checkpoints')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('seq', t.bigint, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'seq'])
    .execute();
}
