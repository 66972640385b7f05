/**
 * The gateway's migrations keep the schema existing stores have: each named step yields the
 * tables, columns, indexes and constraints recorded in gateway-schema.snapshot.json (taken from
 * the code before the tables moved to their owners: store/keys.ts, audit/, the replica, the
 * reporter, the replay cache), down steps undo exactly their step, and a SQLite file left at
 * any step by the old code migrates on.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { NO_MIGRATIONS } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewayMigrations } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { migrator, recordedSchema, schemaOf, step, type SchemaSnapshot } from '../helpers/schema-snapshot.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

const snapshot = JSON.parse(readFileSync(new URL('./gateway-schema.snapshot.json', import.meta.url), 'utf8')) as SchemaSnapshot;
const NAMES = ['0001_initial', '0002_dpop_replay', '0003_moves'];

for (const dialect of dialectCases()) {
  describe(`gateway migrations on ${dialect.name}`, () => {
    const opened: Store<unknown>[] = [];
    const open = async (location: StoreLocation = dialect.location()) => {
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

    it('keeps the migration names existing stores have applied', () => {
      expect(Object.keys(gatewayMigrations(dialect.name))).toEqual(NAMES);
    });

    it('yields the recorded schema after every named step', async () => {
      const store = await open();
      const m = migrator(store, gatewayMigrations(store.dialect));
      for (const name of NAMES) {
        await step(m, name);
        expect(await schemaOf(store), name).toEqual(recordedSchema(snapshot, dialect.name, name));
      }
    });

    it('undoes each step exactly, down to an empty store', async () => {
      const store = await open();
      const m = migrator(store, gatewayMigrations(store.dialect));
      await step(m, NAMES.at(-1)!);
      for (const name of [...NAMES].reverse().slice(1)) {
        await step(m, name);
        expect(await schemaOf(store), name).toEqual(recordedSchema(snapshot, dialect.name, name));
      }
      await step(m, NO_MIGRATIONS);
      expect(await schemaOf(store)).toEqual([]);
    });
  });
}

describe('a gateway SQLite file migrated by the old code', () => {
  const opened: Store<unknown>[] = [];
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  for (const [i, name] of NAMES.entries()) {
    it(`migrates on from ${name}`, async () => {
      const store = await openStore<unknown>(dialectCases()[0]!.location());
      opened.push(store);
      // the old code's schema at this step, and its migration bookkeeping (names applied)
      for (const o of snapshot.sqlite[name]!) if (o.sql) await sql.raw(o.sql).execute(store.db);
      const applied = Object.fromEntries(NAMES.slice(0, i + 1).map((n) => [n, { up: async () => undefined }]));
      await step(migrator(store, applied), name);
      expect(await migrateToLatest(store, gatewayMigrations)).toEqual(NAMES.slice(i + 1));
      expect(await schemaOf(store)).toEqual(recordedSchema(snapshot, 'sqlite', NAMES.at(-1)!));
    });
  }
});
