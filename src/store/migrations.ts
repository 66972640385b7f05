/**
 * Composing one component's migrations from the parts its features contribute. Each feature
 * keeps the migrations of its own tables beside them; a migration name shared by several
 * features (the operator's `0001_initial`) runs each feature's part in the order given, and
 * its `down` runs the parts in reverse, so a table that references another is created after
 * it and dropped before it. Existing stores keep the migration names they have applied.
 */
import type { ColumnDefinitionBuilder } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect, MigrationSet } from './database.ts';

/**
 * One migration set from the features' sets, in feature order: list a feature before any
 * feature whose tables reference its tables. Names keep their sorted order (Kysely applies
 * migrations in name order).
 */
export function composeMigrations(...parts: MigrationSet[]): MigrationSet {
  return (dialect: Dialect) => {
    const byName = new Map<string, Migration[]>();
    for (const part of parts) {
      for (const [name, migration] of Object.entries(part(dialect))) byName.set(name, [...(byName.get(name) ?? []), migration]);
    }
    const names = [...byName.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, merged(byName.get(name)!)]));
  };
}

function merged(steps: Migration[]): Migration {
  return {
    async up(db) {
      for (const s of steps) await s.up(db);
    },
    async down(db) {
      for (const s of [...steps].reverse()) await s.down?.(db);
    },
  };
}

/** The column builder step of an auto-incrementing primary key (`autoincrement` on SQLite, `bigserial` on PostgreSQL). */
export function serialPrimaryKey(dialect: Dialect) {
  return (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey());
}
