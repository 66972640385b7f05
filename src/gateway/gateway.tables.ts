/**
 * The gateway's store: its tables are owned by the code that uses them (the signing keys in
 * store/, the consent replica, the access log in audit/, the reporter, the replay cache, the revocation list), each
 * with its part of the named migrations beside it; here they are composed. Migration names and
 * what each creates never change, so stores made by earlier versions keep migrating
 * (test/store/gateway-migrations.test.ts holds the schema of every step).
 */
import type { MigrationSet } from '../store/database.ts';
import { composeMigrations } from '../store/migrations.ts';
import { signingKeysMigrations, type KeysDatabase } from '../store/keys.ts';
import { auditMigrations, type AuditDatabase } from '../audit/audit.tables.ts';
import { replicaMigrations, type ReplicaDatabase } from './consent/replica.tables.ts';
import { reportMigrations, type ReportDatabase } from './reports/report.tables.ts';
import { replayMigrations, type ReplayDatabase } from './token/replay.tables.ts';
import { revocationsMigrations, type RevocationsDatabase } from './token/revocations.tables.ts';

/** Every table of a gateway store. */
export interface GatewayDatabase
  extends ReplicaDatabase, AuditDatabase, ReportDatabase, ReplayDatabase, RevocationsDatabase, KeysDatabase {}

/** Gateway migrations, applied at start and by `portti migrate`: each owner's parts, in name order. */
export const gatewayMigrations: MigrationSet = composeMigrations(
  signingKeysMigrations,
  replicaMigrations,
  auditMigrations,
  reportMigrations,
  replayMigrations,
  revocationsMigrations,
);
