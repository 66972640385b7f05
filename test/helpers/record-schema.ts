/**
 * Records a new migration step in a component's schema snapshot, from the current migrations:
 * `node test/helpers/record-schema.ts gateway 0004_merkle_log` (PostgreSQL too when DATABASE_URL
 * is set). Run it once when adding a migration, then review the diff of the snapshot file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gatewayMigrations } from '../../src/gateway/gateway.tables.ts';
import { operatorMigrations } from '../../src/operator/operator.tables.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { migrator, postgresSchema, sqliteSchema, step, type SchemaSnapshot } from './schema-snapshot.ts';
import { dialectCases, dropLocation } from './stores.ts';

const [component, name] = process.argv.slice(2) as ['gateway' | 'operator', string];
const migrations = component === 'gateway' ? gatewayMigrations : operatorMigrations;
const file = new URL(`../store/${component}-schema.snapshot.json`, import.meta.url);
const snapshot = JSON.parse(readFileSync(file, 'utf8')) as SchemaSnapshot & { about: string };
for (const dialect of dialectCases()) {
  const location: StoreLocation = dialect.location();
  const store = await openStore<unknown>(location);
  await step(migrator(store, migrations(store.dialect)), name);
  if (location.kind === 'sqlite') snapshot.sqlite[name] = await sqliteSchema(store.db);
  else snapshot.postgres[name] = await postgresSchema(store.db, location.schema);
  await store.close();
  await dropLocation(location);
}
writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
console.log(`recorded ${component} ${name}`);
