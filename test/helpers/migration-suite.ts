/**
 * One suite for a component's named migrations against the schema recorded from earlier code
 * (test/store/<component>-schema.snapshot.json): the names existing stores have applied are
 * kept, every step yields the recorded schema, every down step undoes exactly its step, and a
 * SQLite file left at any step by the old code migrates on to the latest schema.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { NO_MIGRATIONS } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, type MigrationSet, type Store, type StoreLocation } from '../../src/store/database.ts';
import { migrator, recordedSchema, schemaOf, step, type SchemaSnapshot } from './schema-snapshot.ts';
import { dialectCases, dropLocation } from './stores.ts';

/** What the suite checks: the component's migrations, their applied names and the recorded schema. */
export interface MigrationSuite {
  component: string;
  migrations: MigrationSet;
  /** The names, in order, that stores migrated by earlier code have applied. */
  names: string[];
  /** The snapshot file, e.g. new URL('./gateway-schema.snapshot.json', import.meta.url). */
  snapshot: URL;
}

/** Defines the suite's tests on every dialect (PostgreSQL when DATABASE_URL is set). */
export function migrationSuite({ component, migrations, names, snapshot: file }: MigrationSuite): void {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as SchemaSnapshot;
  const opened: Store<unknown>[] = [];
  const open = async (location: StoreLocation) => {
    const store = await openStore<unknown>(location);
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    for (const s of opened) {
      await s.close();
      await dropLocation(s.location);
    }
  });

  for (const dialect of dialectCases()) {
    describe(`${component} migrations on ${dialect.name}`, () => {
      it('keeps the migration names existing stores have applied', () => {
        expect(Object.keys(migrations(dialect.name))).toEqual(names);
      });

      it('yields the recorded schema after every named step', async () => {
        const store = await open(dialect.location());
        const m = migrator(store, migrations(store.dialect));
        for (const name of names) {
          await step(m, name);
          expect(await schemaOf(store), name).toEqual(recordedSchema(snapshot, dialect.name, name));
        }
      });

      it('undoes each step exactly, down to an empty store', async () => {
        const store = await open(dialect.location());
        const m = migrator(store, migrations(store.dialect));
        await step(m, names.at(-1)!);
        for (const name of [...names].reverse().slice(1)) {
          await step(m, name);
          expect(await schemaOf(store), name).toEqual(recordedSchema(snapshot, dialect.name, name));
        }
        await step(m, NO_MIGRATIONS);
        expect(await schemaOf(store)).toEqual([]);
      });
    });
  }

  describe(`a ${component} SQLite file migrated by the old code`, () => {
    for (const [i, name] of names.entries()) {
      it(`migrates on from ${name}`, async () => {
        const store = await open(dialectCases()[0]!.location());
        // the old code's schema at this step, and its migration bookkeeping (names applied)
        for (const o of snapshot.sqlite[name]!) if (o.sql) await sql.raw(o.sql).execute(store.db);
        const applied = Object.fromEntries(names.slice(0, i + 1).map((n) => [n, { up: async () => undefined }]));
        await step(migrator(store, applied), name);
        expect(await migrateToLatest(store, migrations)).toEqual(names.slice(i + 1));
        expect(await schemaOf(store)).toEqual(recordedSchema(snapshot, 'sqlite', names.at(-1)!));
      });
    }
  });
}
