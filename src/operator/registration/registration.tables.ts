/**
 * The table of dynamic client registrations (RFC 7591 with a software statement): who asked,
 * with which statement, and where its review stands; with its part of the operator's migrations.
 * Only registration.repository.ts queries it.
 */
import { sql } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** One registration: the service it made (its client id) and its review. */
export interface RegistrationsTable {
  client_id: string;
  software_id: string;
  /** `pending` (waiting for review), `approved` (no review asked, or approved), `refused`. */
  status: string;
  /** The software statement as presented (compact JWT). */
  software_statement: string;
  /** JSON: the client information answered (RFC 7591 §3.2.1). */
  client_information: string;
  reason: string | null;
  created_at: number;
  decided_at: number | null;
}

/** The registrations' tables. */
export interface RegistrationDatabase {
  registrations: RegistrationsTable;
}

/** The registrations' part of the operator's migrations. */
export const registrationMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0010_registrations': {
      async up(db) {
        await db.schema
          .createTable('registrations')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('software_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('software_statement', 'text', (c) => c.notNull())
          .addColumn('client_information', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('decided_at', t.bigint)
          .execute();
      },
      async down(db) {
        await sql`drop table if exists ${sql.table('registrations')}`.execute(db);
      },
    },
  };
};
