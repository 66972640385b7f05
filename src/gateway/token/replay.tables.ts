/** The store-backed DPoP replay cache's table (`0002_dpop_replay`), for instances sharing one store. */
import type { Migration } from 'kysely/migration';
import { columnTypes, dropTables, type Dialect } from '../../store/database.ts';

/** DPoP proof ids seen by any instance (when instances share the store). */
export interface DpopReplayTable {
  key: string;
  expires_at: number;
}

/** The table the store replay cache reads and writes. */
export interface ReplayDatabase {
  dpop_replay: DpopReplayTable;
}

/** `0002_dpop_replay`: the proof-id table and its expiry index. */
export function replayMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db) {
      await db.schema
        .createTable('dpop_replay')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dpop_replay_expiry').on('dpop_replay').column('expires_at').execute();
    },
    async down(db) {
      await dropTables(db, ['dpop_replay']);
    },
  };
}
