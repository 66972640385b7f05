/**
 * The access log's tables: each gateway instance's access records as the leaves of an RFC 9162
 * Merkle tree (each row also keeps the hashes of the complete subtrees its leaf closed, so a
 * proof reads O(log n) rows), the checkpoints the log signed over it, and the newest checkpoint
 * each witness cosigned. They live in the gateway's store, whose migrations include
 * {@link auditMigrations}; `0004_merkle_log` turned the older hash chain into the tree.
 */
import { sql, type Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from '../store/database.ts';
import { convertChainsToTrees, fillChainHashes } from './legacy-chain.ts';

/** One access record: leaf `seq - 1` of its instance's tree. */
export interface AccessRecordsTable {
  seq: number;
  /** The gateway instance whose log this record is in. */
  chain: string;
  access_id: string;
  time: string;
  iss: string | null;
  client_id: string | null;
  consent_record_id: string | null;
  /** The leaf: the record's JSON exactly as hashed. */
  body: string;
  /** The hashes (32 bytes each) of the subtrees this leaf completed: level 0 (the leaf hash), 1, ... */
  tree: Uint8Array;
}

/** A checkpoint the log signed (C2SP tlog-checkpoint note, signed by the gateway's key). */
export interface LogCheckpointsTable {
  chain: string;
  size: number;
  /** The note, as signed by the log. */
  note: string;
  signed_at: number;
}

/** The newest checkpoint a witness (an operator) cosigned for a chain, with its cosignature. */
export interface LogCosignaturesTable {
  chain: string;
  /** The witness: the operator's issuer. */
  witness: string;
  size: number;
  note: string;
  cosigned_at: number;
}

/** The tables the access log reads and writes. */
export interface AuditDatabase {
  access_records: AccessRecordsTable;
  log_checkpoints: LogCheckpointsTable;
  log_cosignatures: LogCosignaturesTable;
}

/** The audit tables' part of the gateway's migrations. */
export const auditMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createChainTables(db, dialect),
    down: (db) => dropTables(db, ['audit_checkpoints', 'access_records']),
  },
  '0004_merkle_log': {
    up: async (db) => {
      await db.schema.alterTable('access_records').addColumn('tree', columnTypes(dialect).blob).execute();
      await convertChainsToTrees(db);
      await db.schema.alterTable('access_records').dropColumn('prev_hash').execute();
      await db.schema.alterTable('access_records').dropColumn('hash').execute();
      await dropTables(db, ['audit_checkpoints']);
      await createLogTables(db, dialect);
    },
    down: async (db) => {
      await dropTables(db, ['log_cosignatures', 'log_checkpoints']);
      await createCheckpointTable(db, dialect);
      // the table back in its exact earlier shape: rebuilt, the chain links recomputed from the bodies
      if (dialect === 'postgres') await sql`alter table access_records drop constraint access_records_pk`.execute(db);
      await db.schema.alterTable('access_records').renameTo('access_records_merkle').execute();
      await createRecordsTable(db, dialect);
      await sql`insert into access_records (chain, seq, access_id, time, iss, client_id, consent_record_id, body, prev_hash, hash)
        select chain, seq, access_id, time, iss, client_id, consent_record_id, body, '', '' from access_records_merkle`.execute(db);
      await dropTables(db, ['access_records_merkle']);
      await fillChainHashes(db);
    },
  },
});

async function createChainTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await createRecordsTable(db, dialect);
  await createCheckpointTable(db, dialect);
}

async function createRecordsTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
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
}

async function createCheckpointTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('seq', columnTypes(dialect).bigint, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'seq'])
    .execute();
}

async function createLogTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('log_checkpoints')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('size', t.bigint, (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('signed_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_checkpoints_pk', ['chain', 'size'])
    .execute();
  await db.schema
    .createTable('log_cosignatures')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('witness', 'text', (c) => c.notNull())
    .addColumn('size', t.bigint, (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('cosigned_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_cosignatures_pk', ['chain', 'witness'])
    .execute();
}
