/**
 * The operator as a witness (C2SP tlog-witness) of the access logs of the gateways that report
 * to it: its cosigning key, the newest checkpoint it cosigned per log (and which gateway client
 * the log belongs to), and every checkpoint it cosigned that inclusion proofs refer to. With its
 * part of the operator's migrations; only witness.repository.ts queries them.
 */
import { columnTypes, dropTables, type MigrationSet } from '../../store/database.ts';

/** The witness's Ed25519 key (its 32-byte seed) under its key name. */
export interface WitnessKeysTable {
  name: string;
  seed: Uint8Array;
  created_at: number;
}

/** The newest checkpoint cosigned for a log, and the gateway client whose log it is. */
export interface WitnessLogsTable {
  origin: string;
  client_id: string;
  size: number;
  /** The checkpoint note with the log's signature and this witness's cosignature. */
  note: string;
  updated_at: number;
}

/** Every checkpoint cosigned (the ones inclusion proofs are against). */
export interface WitnessCheckpointsTable {
  origin: string;
  size: number;
  note: string;
  cosigned_at: number;
}

/** The witness feature's tables. */
export interface WitnessDatabase {
  witness_keys: WitnessKeysTable;
  witness_logs: WitnessLogsTable;
  witness_checkpoints: WitnessCheckpointsTable;
}

/** The witness's part of the operator's migrations. */
export const witnessMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0006_witness': {
      async up(db) {
        await db.schema
          .createTable('witness_keys')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('seed', t.blob, (c) => c.notNull())
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('witness_logs')
          .addColumn('origin', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('size', t.bigint, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('updated_at', t.bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('witness_checkpoints')
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('size', t.bigint, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('cosigned_at', t.bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint('witness_checkpoints_pk', ['origin', 'size'])
          .execute();
      },
      down: (db) => dropTables(db, ['witness_checkpoints', 'witness_logs', 'witness_keys']),
    },
  };
};
