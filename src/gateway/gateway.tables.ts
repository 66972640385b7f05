/**
 * The gateway's store: its tables are owned by the code that uses them (the consent replica,
 * the access log in audit/, the reporter, the replay cache, the signing keys in store/), and
 * its migrations are composed here from those owners. Migration names and what each creates
 * never change: stores made by earlier versions keep migrating.
 */
import type { Migration } from 'kysely/migration';
import { dropTables, type MigrationSet } from '../store/database.ts';
import { createSigningKeysTable, type KeysDatabase } from '../store/keys.ts';
import { AUDIT_TABLES, createAuditTables, type AuditDatabase } from '../audit/audit.tables.ts';
import { createReplicaTables, REPLICA_TABLES, replicaMovesMigration, type ReplicaDatabase } from './consent/replica.tables.ts';
import { createReportCursorsTable, type ReportDatabase } from './reports/report.tables.ts';
import { replayMigration, type ReplayDatabase } from './token/replay.tables.ts';

/** Every table of a gateway store. */
export interface GatewayDatabase extends ReplicaDatabase, AuditDatabase, ReportDatabase, ReplayDatabase, KeysDatabase {}

/** Gateway migrations, applied at start and by `portti migrate`. */
export const gatewayMigrations: MigrationSet = (dialect) => {
  const initial: Migration = {
    async up(db) {
      await createSigningKeysTable(db, dialect);
      await createReplicaTables(db, dialect);
      await createAuditTables(db, dialect);
      await createReportCursorsTable(db, dialect);
    },
    async down(db) {
      await dropTables(db, [...AUDIT_TABLES, 'report_cursors', ...REPLICA_TABLES, 'signing_keys']);
    },
  };
  return { '0001_initial': initial, '0002_dpop_replay': replayMigration(dialect), '0003_moves': replicaMovesMigration(dialect) };
};
