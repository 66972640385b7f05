/**
 * The storage port: one Kysely instance over either the embedded SQLite file
 * (default) or PostgreSQL (when a database URL is configured). Each component gets
 * its own SQLite file, or its own PostgreSQL schema, so components never share tables.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { SchemaPostgresDialect } from './schema-introspector.ts';
import { kyselySqlite, openSqlite } from './sqlite-driver.ts';

/** The SQL dialects a store can speak. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * What a repository queries: the store, or a transaction on it (a service that changes the
 * tables of several features at once passes its transaction to each feature's repository).
 */
export type Queryable<DB> = Kysely<DB> | Transaction<DB>;

/**
 * What an acknowledged write survives. `power_loss` (the default): the commit is on stable
 * storage before it resolves (SQLite `synchronous=FULL`: the write-ahead log is synced at
 * every commit; PostgreSQL: the server's `synchronous_commit`, `on` unless its administrator
 * lowered it). `process_crash`: a crash of the process loses nothing, but power loss or an
 * operating-system crash may lose the last commits (never corrupt the store): SQLite
 * `synchronous=NORMAL`; PostgreSQL `synchronous_commit=off` (at most about three times the
 * server's `wal_writer_delay`, 600 ms by default, of acknowledged commits, also on a
 * database-server crash).
 */
export type Durability = 'power_loss' | 'process_crash';

/** Where a component keeps its data. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string; durability?: Durability }
  | { kind: 'postgres'; url: string; schema: string; poolSize?: number; durability?: Durability };

/** An open store: the Kysely handle plus what adapters need to know about it. */
export interface Store<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  location: StoreLocation;
  /** PostgreSQL pool, for LISTEN/NOTIFY; undefined on SQLite. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Opens (and creates if needed) the store at `location`. Does not migrate. */
export async function openStore<DB>(location: StoreLocation): Promise<Store<DB>> {
  if (location.kind === 'sqlite') {
    mkdirSync(dirname(location.path), { recursive: true });
    const raw = openSqlite(location.path, { synchronous: location.durability === 'process_crash' ? 'NORMAL' : 'FULL' });
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: kyselySqlite(raw) }) });
    return { db, dialect: 'sqlite', location, close: () => db.destroy() };
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(location.schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(location.schema)}`);
  }
  const bootstrap = new pg.Client({ connectionString: location.url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${location.schema}`);
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.poolSize ?? 10,
    options: `-c search_path=${location.schema}${location.durability === 'process_crash' ? ' -c synchronous_commit=off' : ''}`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  // a connection lost during a query (the database restarting, a failover) rejects that query and
  // the pool drops the client on release; without a listener its 'error' event would end the process
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new SchemaPostgresDialect({ pool }, location.schema) });
  return { db, dialect: 'postgres', location, pool, close: () => db.destroy() };
}

/**
 * Why this store cannot keep the `power_loss` promise, or undefined when it can: a PostgreSQL
 * server running with `fsync=off` or `synchronous_commit=off` acknowledges commits it has not
 * written to stable storage (SQLite's setting is Portti's own, made at open).
 */
export async function durabilityShortfall<DB>(store: Store<DB>): Promise<string | undefined> {
  if (store.dialect !== 'postgres' || store.location.durability === 'process_crash') return undefined;
  const setting = async (name: 'fsync' | 'synchronous_commit') =>
    (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(store.db)).rows[0]?.value;
  const weak = [
    (await setting('fsync')) === 'off' && 'fsync=off',
    (await setting('synchronous_commit')) === 'off' && 'synchronous_commit=off',
  ];
  const found = weak.filter(Boolean);
  if (found.length === 0) return undefined;
  return `the PostgreSQL server runs with ${found.join(' and ')}: acknowledged writes may be lost on power loss (durability: power_loss)`;
}

/**
 * Leaves no copy of deleted or overwritten rows in the store's files, as far as the engine
 * allows (after an erasure, GDPR Art. 17). SQLite runs with `secure_delete` (freed content is
 * zeroed as it is freed); this moves every page out of the write-ahead log into the database
 * and truncates the log, so no older page image stays in `-wal`. PostgreSQL keeps a dead row
 * version until (auto)vacuum reclaims it, out of reach of every query: nothing to do here.
 */
export async function eraseResidue<DB>(store: Pick<Store<DB>, 'db' | 'dialect'>): Promise<void> {
  if (store.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
}

/** Column types that differ between the dialects, for use in migrations. */
export function columnTypes(dialect: Dialect) {
  return {
    /** Auto-incrementing 64-bit key. */
    serial: dialect === 'sqlite' ? ('integer' as const) : ('bigserial' as const),
    bigint: dialect === 'sqlite' ? ('integer' as const) : ('bigint' as const),
    blob: dialect === 'sqlite' ? ('blob' as const) : ('bytea' as const),
  };
}

/** Migrations of one component, keyed by name (applied in name order). */
export type MigrationSet = (dialect: Dialect) => Record<string, Migration>;

/** Drops `tables` in the given order, those that exist (a migration's `down`). */
export async function dropTables(db: Kysely<unknown>, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`drop table if exists ${sql.table(table)}`.execute(db);
}

/** Applies pending migrations; throws with the failing migration's name. */
export async function migrateToLatest<DB>(store: Store<DB>, migrations: MigrationSet): Promise<string[]> {
  const set = migrations(store.dialect);
  const migrator = new Migrator({
    db: store.db as Kysely<unknown>,
    provider: { getMigrations: async () => set },
    ...(store.location.kind === 'postgres' ? { migrationTableSchema: store.location.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Checks the store answers a trivial query (used by `/readyz`). */
export async function ping<DB>(store: Store<DB>): Promise<void> {
  await sql`select 1`.execute(store.db);
}
