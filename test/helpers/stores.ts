/**
 * Store locations for tests: a fresh SQLite file always, and a fresh PostgreSQL schema
 * when DATABASE_URL is set (CI sets it), so store tests run on both dialects.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreLocation } from '../../src/store/database.ts';

export type DialectCase = { name: 'sqlite' | 'postgres'; location: () => StoreLocation };

/** A new temporary directory. */
export function tempDir(prefix = 'portti-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** One case per available dialect; each call of `location()` is a new empty store. */
export function dialectCases(): DialectCase[] {
  const cases: DialectCase[] = [{ name: 'sqlite', location: () => ({ kind: 'sqlite', path: join(tempDir(), 'store.db') }) }];
  const url = process.env.DATABASE_URL;
  if (url) {
    cases.push({
      name: 'postgres',
      location: () => ({ kind: 'postgres', url, schema: `t_${randomBytes(6).toString('hex')}` }),
    });
  }
  return cases;
}

/** Drops a PostgreSQL test schema (no-op for SQLite). */
export async function dropLocation(location: StoreLocation): Promise<void> {
  if (location.kind !== 'postgres') return;
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${location.schema} CASCADE`);
  } finally {
    await client.end();
  }
}
