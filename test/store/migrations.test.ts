/**
 * The migration composer: a name shared by several features runs their parts in feature
 * order going up and in reverse going down; names stay sorted; a part without `down` is
 * skipped on the way down.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { MigrationSet } from '../../src/store/database.ts';
import { composeMigrations } from '../../src/store/migrations.ts';

const db = {} as Kysely<unknown>;

describe('composeMigrations', () => {
  it('runs shared names in feature order up and reversed down, each name once and in name order', async () => {
    const calls: string[] = [];
    const part =
      (feature: string, names: string[], withDown = true): MigrationSet =>
      () =>
        Object.fromEntries(
          names.map((n) => [
            n,
            {
              up: async () => void calls.push(`${feature} up ${n}`),
              ...(withDown ? { down: async () => void calls.push(`${feature} down ${n}`) } : {}),
            },
          ]),
        );
    const set = composeMigrations(
      part('accounts', ['0001_initial', '0003_index']),
      part('consent', ['0002_moves', '0001_initial']),
      part('keys', ['0001_initial'], false),
    )('sqlite');
    expect(Object.keys(set)).toEqual(['0001_initial', '0002_moves', '0003_index']);
    await set['0001_initial']!.up(db);
    await set['0001_initial']!.down!(db);
    await set['0002_moves']!.up(db);
    expect(calls).toEqual([
      'accounts up 0001_initial',
      'consent up 0001_initial',
      'keys up 0001_initial',
      'consent down 0001_initial',
      'accounts down 0001_initial',
      'consent up 0002_moves',
    ]);
  });

  it('hands every part the dialect', () => {
    const seen: string[] = [];
    composeMigrations((dialect) => {
      seen.push(dialect);
      return {};
    })('postgres');
    expect(seen).toEqual(['postgres']);
  });
});
