/** The store-backed DPoP replay cache's table (`0002_dpop_replay`), for instances sharing one store. */
import { columnTypes, dropTables, type MigrationSet } from '../../store/database.ts';

/** DPoP proof ids seen by any instance (when instances share the store). */
export interface DpopReplayTable {
  key: string;
  expires_at: number;
}

/** The table the store replay cache reads and writes. */
export interface ReplayDatabase {
  dpop_replay: DpopReplayTable;
}

/** The replay cache's part of the gateway's migrations: `0002_dpop_replay`, the proof-id table and its expiry index. */
export const replayMigrations: MigrationSet = (dialect) => ({
  '0002_dpop_replay': {
    async up(db) {
      await db.schema
        .createTable('dpop_replay')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', columnTypes(dialect).bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dpop_replay_expiry').on('dpop_replay').column('expires_at').execute();
    },
    down: (db) => dropTables(db, ['dpop_replay']),
  },
});
