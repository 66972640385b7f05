/**
 * The consent feed's table: one signed event per consent change (or token revocation) and
 * source, numbered by `seq` (the position a gateway resumes from); written in the change's own
 * transaction; with its part of the operator's migrations (`event`, the SSE event name, came
 * with `0005_token_revocations`). Only feed.repository.ts queries it.
 */
import { sql, type Generated } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';
import { serialPrimaryKey } from '../../store/migrations.ts';

/** One signed event of the consent feed. */
export interface ConsentEventsTable {
  seq: Generated<number>;
  record_id: string;
  source: string;
  time: number;
  jws: string;
  /** The SSE event name (`consent` or `token.revoked`). */
  event: Generated<string>;
}

/** The consent feed's tables. */
export interface FeedDatabase {
  consent_events: ConsentEventsTable;
}

/** The consent feed's part of the operator's migrations. */
export const feedMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('consent_events')
          .addColumn('seq', t.serial, serialPrimaryKey(dialect))
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('time', t.bigint, (c) => c.notNull())
          .addColumn('jws', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('consent_events_source').on('consent_events').columns(['source', 'seq']).execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('consent_events')}`.execute(db);
      },
    },
    '0007_token_revocations': {
      async up(db) {
        await db.schema
          .alterTable('consent_events')
          .addColumn('event', 'text', (c) => c.notNull().defaultTo('consent'))
          .execute();
      },
      async down(db) {
        await db.schema.alterTable('consent_events').dropColumn('event').execute();
      },
    },
  };
};
