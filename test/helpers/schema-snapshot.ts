/**
 * A store's schema as comparable lines, and stepping through named migrations: for tests
 * that hold a component's migrations to a schema recorded from earlier code
 * (test/store/*-schema.snapshot.json).
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type NO_MIGRATIONS } from 'kysely/migration';
import type { Store } from '../../src/store/database.ts';

/** One row of sqlite_master. */
export interface SqliteObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** A PostgreSQL schema as lines: columns, indexes and constraints, the schema name removed. */
export interface PostgresSchema {
  columns: string[];
  indexes: string[];
  constraints: string[];
}

/** The recorded schema after each named migration, per dialect. */
export interface SchemaSnapshot {
  sqlite: Record<string, SqliteObject[]>;
  postgres: Record<string, PostgresSchema>;
}

export async function sqliteSchema(db: Kysely<unknown>): Promise<SqliteObject[]> {
  const r = await sql<SqliteObject>`select type, name, tbl_name, sql from sqlite_master
    where name not like 'kysely_%' and name not like 'sqlite_%' order by rowid`.execute(db);
  return r.rows;
}

export async function postgresSchema(db: Kysely<unknown>, schema: string): Promise<PostgresSchema> {
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
export async function schemaOf(store: Store<unknown>): Promise<string[]> {
  if (store.location.kind === 'sqlite') return (await sqliteSchema(store.db)).map((o) => JSON.stringify(o)).sort();
  const s = await postgresSchema(store.db, store.location.schema);
  return [...s.columns, ...s.indexes, ...s.constraints].sort();
}

/** The recorded schema after migration `name`, as {@link schemaOf} lists it. */
export function recordedSchema(snapshot: SchemaSnapshot, dialect: 'sqlite' | 'postgres', name: string): string[] {
  if (dialect === 'sqlite') return snapshot.sqlite[name]!.map((o) => JSON.stringify(o)).sort();
  const s = snapshot.postgres[name]!;
  return [...s.columns, ...s.indexes, ...s.constraints].sort();
}

/** A migrator over `migrations` for `store` (its own schema's bookkeeping on PostgreSQL). */
export function migrator(store: Store<unknown>, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    ...(store.location.kind === 'postgres' ? { migrationTableSchema: store.location.schema } : {}),
  });
}

/** Migrates up or down to `to`; throws the migration's error. */
export async function step(m: Migrator, to: string | typeof NO_MIGRATIONS): Promise<void> {
  const { error } = await m.migrateTo(to);
  if (error) throw error as Error;
}
