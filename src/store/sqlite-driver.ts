/**
 * Adapts Node's built-in `node:sqlite` to Kysely's SqliteDialect. No native addon:
 * the package runs on Node 24 while `npm install` may run on an older Node.
 */
import { DatabaseSync } from 'node:sqlite';
import type { SqliteDatabase } from 'kysely';

type Param = null | number | bigint | string | Uint8Array;

function toParam(value: unknown): Param {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}

/** Options for opening the embedded database. */
export interface SqliteOpenOptions {
  /** `NORMAL` survives a process crash (WAL); `FULL` (the default) also survives power loss, at a cost per commit. */
  synchronous?: 'NORMAL' | 'FULL';
}

/**
 * Opens a SQLite file in WAL mode with foreign keys on, a busy timeout and `secure_delete`
 * (deleted content is overwritten with zeros, so an erased person's rows leave no trace in
 * free pages).
 */
export function openSqlite(path: string, options: SqliteOpenOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode = WAL;
    PRAGMA synchronous = ${options.synchronous ?? 'FULL'};
    PRAGMA foreign_keys = ON;
    PRAGMA secure_delete = ON;
    PRAGMA busy_timeout = 5000;`);
  return db;
}

/** Wraps a `DatabaseSync` in the small interface Kysely's SqliteDialect expects. */
export function kyselySqlite(db: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size > 500) cache.clear();
        cache.set(sql, stmt);
      }
      const s = stmt;
      return {
        reader: s.columns().length > 0,
        all: (params: ReadonlyArray<unknown>) => s.all(...params.map(toParam)),
        run: (params: ReadonlyArray<unknown>) => s.run(...params.map(toParam)),
        iterate: (params: ReadonlyArray<unknown>) => s.iterate(...params.map(toParam)),
      };
    },
  };
}
