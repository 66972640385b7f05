/**
 * Records the schema after each new migration step in test/store/<component>-schema.snapshot.json,
 * for SQLite and (with DATABASE_URL) PostgreSQL: `node scripts/schema-snapshot.ts operator`.
 * Steps already recorded are never rewritten: the snapshot holds migrations to the schema that
 * existing stores have. Add the new step's name to the component's migration test too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gatewayMigrations } from '../src/gateway/gateway.tables.ts';
import { operatorMigrations } from '../src/operator/operator.tables.ts';
import { openStore, type StoreLocation } from '../src/store/database.ts';
import { dialectCases, dropLocation } from '../test/helpers/stores.ts';
import { migrator, postgresSchema, sqliteSchema, step, type SchemaSnapshot } from '../test/helpers/schema-snapshot.ts';

const component = process.argv[2];
const sets = { operator: operatorMigrations, gateway: gatewayMigrations } as const;
if (component !== 'operator' && component !== 'gateway') {
  console.error('usage: node scripts/schema-snapshot.ts operator|gateway');
  process.exit(2);
}
const file = new URL(`../test/store/${component}-schema.snapshot.json`, import.meta.url);
const snapshot = JSON.parse(readFileSync(file, 'utf8')) as SchemaSnapshot;
if (!process.env.DATABASE_URL) console.warn('DATABASE_URL is not set: only the SQLite schema is recorded');
for (const dialect of dialectCases()) {
  const location: StoreLocation = dialect.location();
  const store = await openStore<unknown>(location);
  const migrations = sets[component](store.dialect);
  const m = migrator(store, migrations);
  for (const name of Object.keys(migrations)) {
    await step(m, name);
    if (dialect.name === 'sqlite' && !snapshot.sqlite[name]) {
      snapshot.sqlite[name] = await sqliteSchema(store.db);
      console.log(`recorded ${name} (sqlite)`);
    }
    if (dialect.name === 'postgres' && location.kind === 'postgres' && !snapshot.postgres[name]) {
      snapshot.postgres[name] = await postgresSchema(store.db, location.schema);
      console.log(`recorded ${name} (postgres)`);
    }
  }
  await store.close();
  await dropLocation(location);
}
writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
