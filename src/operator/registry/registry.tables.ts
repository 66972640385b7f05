/**
 * The registry's tables: services and gateways (OAuth clients, one table with a `kind`) and
 * the sources with their attribute catalogue; with their part of the operator's migrations.
 * Only registry.repository.ts queries them.
 */
import { sql } from 'kysely';
import { columnTypes, type MigrationSet } from '../../store/database.ts';

/** A registered service or gateway client. */
export interface ServicesTable {
  client_id: string;
  name: string;
  kind: string;
  status: string;
  /** JSON: the service definition as registered (agreement inputs, client metadata). */
  definition: string;
  /** JSON-LD: the ODRL 2.2 Agreement. */
  agreement: string;
  webhook_url: string | null;
  created_at: number;
  updated_at: number;
}

/** A data source this operator issues consents for. */
export interface SourcesTable {
  source_id: string;
  resource: string;
  name: string;
  identifier_type: string;
  /** JSON: attribute catalogue. */
  attributes: string;
}

/** The registry's tables. */
export interface RegistryDatabase {
  services: ServicesTable;
  sources: SourcesTable;
}

/** The registry's part of the operator's migrations. */
export const registryMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('services')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('agreement', 'text', (c) => c.notNull())
          .addColumn('webhook_url', 'text')
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('updated_at', t.bigint, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sources')
          .addColumn('source_id', 'text', (c) => c.primaryKey())
          .addColumn('resource', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('identifier_type', 'text', (c) => c.notNull())
          .addColumn('attributes', 'text', (c) => c.notNull())
          .execute();
      },
      async down(db) {
        for (const table of ['sources', 'services']) await sql`drop table if exists ${sql.table(table)}`.execute(db);
      },
    },
  };
};
