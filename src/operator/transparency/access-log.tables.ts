/**
 * The operator's access log: the access records gateways report for the consent records
 * issued here, kept whole (`body`) and indexed by record and time for the citizen's "who
 * used my data"; with its part of the operator's migrations. Only access-log.repository.ts
 * queries it.
 */
import { sql } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** One access record as a gateway reported it. */
export interface AccessLogTable {
  access_id: string;
  record_id: string | null;
  client_id: string | null;
  gateway_client_id: string;
  time: string;
  outcome: string;
  /** The source's resource URI (from 0005; older rows are filled from their body). */
  source: string | null;
  body: string;
  received_at: number;
  /** JSON: the record's inclusion proof in a checkpoint this operator cosigned (a RecordProof), once sent. */
  proof: string | null;
  /** The old operator's issuer, for an entry that came here with the citizen's move (`0008_moved_history`). */
  moved_from: string | null;
}

/** The transparency feature's tables. */
export interface AccessLogDatabase {
  access_log: AccessLogTable;
}

/** The access log's part of the operator's migrations. */
export const accessLogMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('access_log')
          .addColumn('access_id', 'text', (c) => c.primaryKey())
          .addColumn('record_id', 'text')
          .addColumn('client_id', 'text')
          .addColumn('gateway_client_id', 'text', (c) => c.notNull())
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('received_at', t.bigint, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('access_log_record').on('access_log').columns(['record_id', 'time']).execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('access_log')}`.execute(db);
      },
    },
    '0004_access_log_covering_index': {
      async up(db) {
        // a citizen's newest access records per consent record, read from the index alone
        await db.schema.createIndex('access_log_record_time_id').on('access_log').columns(['record_id', 'time', 'access_id']).execute();
        await db.schema.dropIndex('access_log_record').execute();
      },
      async down(db) {
        await db.schema.createIndex('access_log_record').on('access_log').columns(['record_id', 'time']).execute();
        await db.schema.dropIndex('access_log_record_time_id').execute();
      },
    },
    '0005_access_log_source': {
      async up(db) {
        // the citizen filters "who used my data" by source: a column, filled for the rows already kept
        await db.schema.alterTable('access_log').addColumn('source', 'text').execute();
        const fromBody = dialect === 'postgres' ? sql`(body::jsonb ->> 'source')` : sql`json_extract(body, '$.source')`;
        await sql`update ${sql.table('access_log')} set source = ${fromBody}`.execute(db);
      },
      async down(db) {
        await db.schema.alterTable('access_log').dropColumn('source').execute();
      },
    },
    '0006_witness': {
      up: (db) => db.schema.alterTable('access_log').addColumn('proof', 'text').execute(),
      down: (db) => db.schema.alterTable('access_log').dropColumn('proof').execute(),
    },
    '0008_moved_history': {
      up: (db) => db.schema.alterTable('access_log').addColumn('moved_from', 'text').execute(),
      down: (db) => db.schema.alterTable('access_log').dropColumn('moved_from').execute(),
    },
  };
};
