/**
 * The operator's migrations keep the schema existing databases have: each named step yields
 * the tables, columns, indexes and constraints recorded in operator-schema.snapshot.json
 * (taken from the code before the tables moved to their feature folders), down steps undo
 * exactly their step, and a SQLite file left at any step by the old code migrates on.
 */
import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type Migration } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, type Store, type StoreLocation } from '../../src/store/database.ts';
import { operatorMigrations } from '../../src/operator/operator.tables.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

interface SqliteObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}
interface PostgresSchema {
  columns: string[];
  indexes: string[];
  constraints: string[];
}
interface Snapshot {
  sqlite: Record<string, SqliteObject[]>;
  postgres: Record<string, PostgresSchema>;
}

const snapshot = JSON.parse(readFileSync(new URL('./operator-schema.snapshot.json', import.meta.url), 'utf8')) as Snapshot;
const NAMES = ['0001_initial', '0002_arrangements_and_moves', '0003_account_identifier_index', '0004_access_log_covering_index'];

async function sqliteSchema(db: Kysely<unknown>): Promise<SqliteObject[]> {
  const r = await sql<SqliteObject>`select type, name, tbl_name, sql from sqlite_master
    where name not like 'kysely_%' and name not like 'sqlite_%' order by rowid`.execute(db);
  return r.rows;
}

async function postgresSchema(db: Kysely<unknown>, schema: string): Promise<PostgresSchema> {
  const norm = (s: string | null) => (s === null ? null : s.split(`${schema}.`).join(''));
  const columns = await sql<{
    table_name: string;
    column_name: string;
    ordinal_position: number;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
  }>`select table_name, column_name, ordinal_position, data_type, is_nullable, column_default from information_schema.columns
    where table_schema = ${schema} and table_name not like 'kysely_%' order by table_name, ordinal_position`.execute(db);
  const indexes = await sql<{ tablename: string; indexname: string; indexdef: string }>`select tablename, indexname, indexdef
    from pg_indexes where schemaname = ${schema} and tablename not like 'kysely_%' order by tablename, indexname`.execute(db);
  const constraints = await sql<{ table_name: string; conname: string; contype: string; def: string }>`select
    c.conrelid::regclass::text as table_name, c.conname, c.contype, pg_get_constraintdef(c.oid) as def
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = ${schema} and c.conrelid::regclass::text not like '%kysely_%' order by 1, 2`.execute(db);
  return {
    columns: columns.rows.map(
      (c) =>
        `${c.table_name}.${c.column_name} #${c.ordinal_position} ${c.data_type} ${c.is_nullable === 'YES' ? 'null' : 'not null'}` +
        (c.column_default ? ` default ${norm(c.column_default)}` : ''),
    ),
    indexes: indexes.rows.map((i) => `${i.tablename} ${i.indexname}: ${norm(i.indexdef)}`),
    constraints: constraints.rows.map((c) => `${norm(c.table_name)} ${c.conname} ${c.contype}: ${norm(c.def)}`),
  };
}

/** The schema as a sorted list of lines: creation order is no part of a schema. */
async function schemaOf(store: Store<unknown>): Promise<string[]> {
  if (store.location.kind === 'sqlite') return (await sqliteSchema(store.db)).map((o) => JSON.stringify(o)).sort();
  const s = await postgresSchema(store.db, store.location.schema);
  return [...s.columns, ...s.indexes, ...s.constraints].sort();
}

function expected(dialect: 'sqlite' | 'postgres', name: string): string[] {
  if (dialect === 'sqlite') return snapshot.sqlite[name]!.map((o) => JSON.stringify(o)).sort();
  const s = snapshot.postgres[name]!;
  return [...s.columns, ...s.indexes, ...s.constraints].sort();
}

function migrator(store: Store<unknown>, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    ...(store.location.kind === 'postgres' ? { migrationTableSchema: store.location.schema } : {}),
  });
}

async function step(m: Migrator, to: string | typeof NO_MIGRATIONS): Promise<void> {
  const { error } = await m.migrateTo(to);
  if (error) throw error as Error;
}

for (const dialect of dialectCases()) {
  describe(`operator migrations on ${dialect.name}`, () => {
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

    it('keeps the migration names existing databases have applied', () => {
      expect(Object.keys(operatorMigrations(dialect.name))).toEqual(NAMES);
    });

    it('yields the recorded schema after every named step', async () => {
      const store = await open();
      const m = migrator(store, operatorMigrations(store.dialect));
      for (const name of NAMES) {
        await step(m, name);
        expect(await schemaOf(store), name).toEqual(expected(dialect.name, name));
      }
    });

    it('undoes each step exactly, down to an empty store', async () => {
      const store = await open();
      const m = migrator(store, operatorMigrations(store.dialect));
      await step(m, NAMES.at(-1)!);
      for (const name of [...NAMES].reverse().slice(1)) {
        await step(m, name);
        expect(await schemaOf(store), name).toEqual(expected(dialect.name, name));
      }
      await step(m, NO_MIGRATIONS);
      expect(await schemaOf(store)).toEqual([]);
    });
  });
}

describe('a SQLite file migrated by the old code', () => {
  const opened: Store<unknown>[] = [];
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  for (const [i, name] of NAMES.entries()) {
    it(`migrates on from ${name}`, async () => {
      const location = dialectCases()[0]!.location();
      const store = await openStore<unknown>(location);
      opened.push(store);
      // the old code's schema at this step, and its migration bookkeeping (names applied)
      for (const o of snapshot.sqlite[name]!) if (o.sql) await sql.raw(o.sql).execute(store.db);
      const applied = Object.fromEntries(NAMES.slice(0, i + 1).map((n) => [n, { up: async () => undefined }]));
      await step(migrator(store, applied), name);
      expect(await migrateToLatest(store, operatorMigrations)).toEqual(NAMES.slice(i + 1));
      expect(await schemaOf(store)).toEqual(expected('sqlite', NAMES.at(-1)!));
    });
  }
});
