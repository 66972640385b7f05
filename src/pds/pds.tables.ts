/**
 * The personal data store's tables. No identifier and no document is stored in the clear:
 * people are keyed by an HMAC of their identifier, documents are AES-256-GCM ciphertext
 * under the person's data key, and data keys are wrapped by a key-encryption key that
 * lives only in configuration.
 */
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes, type MigrationSet } from '../store/database.ts';

/** Store-wide secrets (the master secret for identifier hashes and pseudonyms), wrapped by a KEK. */
export interface PdsStoreKeysTable {
  name: string;
  kek_id: string;
  wrapped: Uint8Array;
  created_at: number;
}

/** One row per person: their wrapped data key. Deleting it shreds every document of theirs. */
export interface PdsSubjectsTable {
  /** HMAC-SHA256 of `<identifier_type>:<identifier>` under a key derived from the master secret. */
  subject: string;
  kek_id: string;
  wrapped_key: Uint8Array;
  /** JSON array of aggregate service ids the person opted in to. */
  sharing: string;
  created_at: number;
}

/** Every version of every document; `current` marks the one served. */
export interface PdsDocumentsTable {
  subject: string;
  category: string;
  version: number;
  current: number;
  /** `verified` (a depositor's signed copy) or `corrected` (changed by the person). */
  status: string;
  depositor: string;
  /** When the depositor signed it (epoch ms). */
  issued_at: number;
  stored_at: number;
  /** AES-256-GCM: `{ document, jws, correctable, corrected_fields }`. */
  ciphertext: Uint8Array;
}

/** The personal data store's tables. */
export interface PdsDatabase {
  pds_store_keys: PdsStoreKeysTable;
  pds_subjects: PdsSubjectsTable;
  pds_documents: PdsDocumentsTable;
}

/** Migrations of a personal data store. */
export const pdsMigrations: MigrationSet = (dialect) => {
  const t = columnTypes(dialect);
  const initial: Migration = {
    async up(db) {
      await db.schema
        .createTable('pds_store_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped', t.blob, (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pds_subjects')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', t.blob, (c) => c.notNull())
        .addColumn('sharing', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pds_documents')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('version', t.bigint, (c) => c.notNull())
        .addColumn('current', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('depositor', 'text', (c) => c.notNull())
        .addColumn('issued_at', t.bigint, (c) => c.notNull())
        .addColumn('stored_at', t.bigint, (c) => c.notNull())
        .addColumn('ciphertext', t.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('pds_documents_pk', ['subject', 'category', 'version'])
        .execute();
    },
    async down(db) {
      for (const table of ['pds_documents', 'pds_subjects', 'pds_store_keys'])
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
    },
  };
  return { '0001_initial': initial };
};
