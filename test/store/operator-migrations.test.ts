/**
 * The operator's migrations keep the schema existing databases have: each named step yields
 * the tables, columns, indexes and constraints recorded in operator-schema.snapshot.json
 * (taken from the code before the tables moved to their feature folders), down steps undo
 * exactly their step, and a SQLite file left at any step by the old code migrates on.
 */
import { operatorMigrations } from '../../src/operator/operator.tables.ts';
import { migrationSuite } from '../helpers/migration-suite.ts';

migrationSuite({
  component: 'operator',
  migrations: operatorMigrations,
  names: [
    '0001_initial',
    '0002_arrangements_and_moves',
    '0003_account_identifier_index',
    '0004_access_log_covering_index',
    '0005_access_log_source',
    '0006_witness',
    '0007_token_revocations',
    '0008_moved_history',
    '0009_notifications',
    '0010_registrations',
    '0011_service_identities',
    '0012_mandates',
  ],
  snapshot: new URL('./operator-schema.snapshot.json', import.meta.url),
});
