/**
 * The moves' table: a citizen's move to or from this operator with its per-record outcome
 * (and, at the new operator, the verified bundle as received); with its part of the
 * operator's migrations. Only portability.repository.ts queries it.
 */
import { columnTypes, type MigrationSet } from '../../store/database.ts';

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
  /**
   * At the new operator: JSON, the old operator's transparency evidence for the access records
   * the move brought (cosigned checkpoints and keys), so they stay verifiable here (`0008_moved_history`).
   */
  evidence: string | null;
  /** At the new operator: JSON, the identities of the bundle's keychain this operator does not offer (they did not come along). */
  left_behind: string | null;
  created_at: number;
  updated_at: number;
}

/** The portability feature's tables. */
export interface PortabilityDatabase {
  moves: MovesTable;
}

/** The portability feature's part of the operator's migrations. */
export const portabilityMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0002_arrangements_and_moves': {
      async up(db) {
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
      },
      async down(db) {
        await db.schema.dropTable('moves').execute();
      },
    },
    '0008_moved_history': {
      async up(db) {
        await db.schema.alterTable('moves').addColumn('evidence', 'text').execute();
        await db.schema.alterTable('moves').addColumn('left_behind', 'text').execute();
      },
      async down(db) {
        await db.schema.alterTable('moves').dropColumn('left_behind').execute();
        await db.schema.alterTable('moves').dropColumn('evidence').execute();
      },
    },
  };
};
