/**
 * The gateway's migrations keep the schema existing stores have: each named step yields the
 * tables, columns, indexes and constraints recorded in gateway-schema.snapshot.json (taken from
 * the code before the tables moved to their owners: store/keys.ts, audit/, the replica, the
 * reporter, the replay cache), down steps undo exactly their step, and a SQLite file left at
 * any step by the old code migrates on.
 */
import { gatewayMigrations } from '../../src/gateway/gateway.tables.ts';
import { migrationSuite } from '../helpers/migration-suite.ts';

migrationSuite({
  component: 'gateway',
  migrations: gatewayMigrations,
  names: ['0001_initial', '0002_dpop_replay', '0003_moves', '0004_merkle_log', '0005_token_revocations'],
  snapshot: new URL('./gateway-schema.snapshot.json', import.meta.url),
});
