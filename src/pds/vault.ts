/**
 * The encrypted document vault of a personal data store: people keyed by a keyed hash of
 * their identifier, one data key per person (wrapped by the current KEK), every document
 * version sealed under it. Erasure deletes the person's key and rows (crypto-shredding);
 * KEK rotation re-wraps only keys, never documents.
 */
import { sql, type Kysely } from 'kysely';
import { ProblemError } from '../shared/errors.ts';
import type { Store } from '../store/database.ts';
import { dataKeyAad, deriveKey, documentAad, keyedHash, newKey, open, seal, type Keyring } from './pds-crypto.ts';
import type { PdsDatabase } from './pds.tables.ts';

/** What is sealed in a document version. */
export interface SealedContent {
  document: Record<string, unknown>;
  /** The depositor's compact JWS, kept as evidence (null once the person corrected it). */
  jws: string | null;
  /** JSON pointers the depositor lets the person correct. */
  correctable: string[];
  /** Pointers the person changed, for corrected versions. */
  corrected_fields: string[];
}

/** A decrypted document version with its metadata. */
export interface DocumentVersion extends SealedContent {
  category: string;
  version: number;
  current: boolean;
  status: 'verified' | 'corrected';
  depositor: string;
  issued_at: number;
  stored_at: number;
}

/** A document version to store, already sealed. */
export interface NewVersion extends SealedContent {
  status: 'verified' | 'corrected';
  depositor: string;
  issued_at: number;
}

const MASTER = 'master';

/** Opens the vault: loads (or creates) the store's master secret under the keyring. */
export async function openVault(store: Store<PdsDatabase>, keyring: Keyring, identifierType: string): Promise<Vault> {
  const db = store.db;
  let row = await db.selectFrom('pds_store_keys').selectAll().where('name', '=', MASTER).executeTakeFirst();
  if (!row) {
    const kek = keyring.current;
    await db
      .insertInto('pds_store_keys')
      .values({ name: MASTER, kek_id: kek.id, wrapped: seal(kek.key, newKey(), dataKeyAad(MASTER, kek.id)), created_at: Date.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = await db.selectFrom('pds_store_keys').selectAll().where('name', '=', MASTER).executeTakeFirstOrThrow();
  }
  const master = open(keyring.get(row.kek_id).key, row.wrapped, dataKeyAad(MASTER, row.kek_id));
  if (store.dialect === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(db);
  return new Vault(store, keyring, master, identifierType);
}

/** The vault; see {@link openVault}. */
export class Vault {
  private readonly store: Store<PdsDatabase>;
  private readonly db: Kysely<PdsDatabase>;
  private readonly keyring: Keyring;
  private readonly indexKey: Buffer;
  private readonly pseudonymKey: Buffer;
  readonly identifierType: string;

  constructor(store: Store<PdsDatabase>, keyring: Keyring, master: Buffer, identifierType: string) {
    this.store = store;
    this.db = store.db;
    this.keyring = keyring;
    this.indexKey = deriveKey(master, 'identifier-index');
    this.pseudonymKey = deriveKey(master, 'pairwise-pseudonym');
    this.identifierType = identifierType;
  }

  /** The keyed hash a person is stored under (their identifier never is). */
  subjectOf(identifier: string): string {
    return keyedHash(this.indexKey, `${this.identifierType}:${identifier}`);
  }

  /** A pseudonym of a stored person that only `audience` sees (unlinkable across audiences). */
  pseudonym(subject: string, audience: string): string {
    return keyedHash(this.pseudonymKey, `${audience}|${subject}`).slice(0, 32);
  }

  private async dataKey(subject: string, create: boolean): Promise<Buffer | undefined> {
    let row = await this.db.selectFrom('pds_subjects').select(['kek_id', 'wrapped_key']).where('subject', '=', subject).executeTakeFirst();
    if (!row && create) {
      const kek = this.keyring.current;
      await this.db
        .insertInto('pds_subjects')
        .values({
          subject,
          kek_id: kek.id,
          wrapped_key: seal(kek.key, newKey(), dataKeyAad(subject, kek.id)),
          sharing: '[]',
          created_at: Date.now(),
        })
        .onConflict((oc) => oc.column('subject').doNothing())
        .execute();
      row = await this.db
        .selectFrom('pds_subjects')
        .select(['kek_id', 'wrapped_key'])
        .where('subject', '=', subject)
        .executeTakeFirstOrThrow();
    }
    if (!row) return undefined;
    return open(this.keyring.get(row.kek_id).key, row.wrapped_key, dataKeyAad(subject, row.kek_id));
  }

  /** Adds a version and makes it current; returns its number. */
  async put(subject: string, category: string, content: NewVersion): Promise<number> {
    const key = (await this.dataKey(subject, true))!;
    try {
      return await this.db.transaction().execute(async (trx) => {
        const last = await trx
          .selectFrom('pds_documents')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('subject', '=', subject)
          .where('category', '=', category)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        const sealed: SealedContent = {
          document: content.document,
          jws: content.jws,
          correctable: content.correctable,
          corrected_fields: content.corrected_fields,
        };
        await trx
          .updateTable('pds_documents')
          .set({ current: 0 })
          .where('subject', '=', subject)
          .where('category', '=', category)
          .execute();
        await trx
          .insertInto('pds_documents')
          .values({
            subject,
            category,
            version,
            current: 1,
            status: content.status,
            depositor: content.depositor,
            issued_at: content.issued_at,
            stored_at: Date.now(),
            ciphertext: seal(key, Buffer.from(JSON.stringify(sealed), 'utf8'), documentAad(subject, category, version)),
          })
          .execute();
        return version;
      });
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      throw new ProblemError(409, 'conflict', 'another change to this document was stored at the same time; try again');
    }
  }

  /** Every version of the person's documents (optionally one category), newest first. */
  async versions(subject: string, category?: string, currentOnly = false): Promise<DocumentVersion[]> {
    let q = this.db.selectFrom('pds_documents').selectAll().where('subject', '=', subject);
    if (category !== undefined) q = q.where('category', '=', category);
    if (currentOnly) q = q.where('current', '=', 1);
    const rows = await q.orderBy('category').orderBy('version', 'desc').execute();
    if (rows.length === 0) return [];
    const key = await this.dataKey(subject, false);
    if (!key) return [];
    return rows.map((r) => {
      const content = JSON.parse(
        open(key, r.ciphertext, documentAad(subject, r.category, Number(r.version))).toString('utf8'),
      ) as SealedContent;
      return {
        ...content,
        category: r.category,
        version: Number(r.version),
        current: r.current === 1,
        status: r.status as DocumentVersion['status'],
        depositor: r.depositor,
        issued_at: Number(r.issued_at),
        stored_at: Number(r.stored_at),
      };
    });
  }

  /** The current version of one document, if any. */
  async current(subject: string, category: string): Promise<DocumentVersion | undefined> {
    return (await this.versions(subject, category, true))[0];
  }

  /** Deletes every version of one document. */
  async deleteCategory(subject: string, category: string): Promise<number> {
    const res = await this.db
      .deleteFrom('pds_documents')
      .where('subject', '=', subject)
      .where('category', '=', category)
      .executeTakeFirst();
    await this.scrub();
    return Number(res.numDeletedRows);
  }

  /** Erases a person: their data key first (crypto-shredding), then every row. */
  async erase(subject: string): Promise<boolean> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('pds_subjects').where('subject', '=', subject).executeTakeFirst();
      await trx.deleteFrom('pds_documents').where('subject', '=', subject).execute();
      return Number(res.numDeletedRows) > 0;
    });
    await this.scrub();
    return removed;
  }

  /** On SQLite, moves the WAL into the (secure-delete) database and truncates it, so freed pages keep nothing. */
  private async scrub(): Promise<void> {
    if (this.store.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.db);
  }

  /** Aggregate services the person opted in to. */
  async sharing(subject: string): Promise<string[]> {
    const row = await this.db.selectFrom('pds_subjects').select('sharing').where('subject', '=', subject).executeTakeFirst();
    return row ? (JSON.parse(row.sharing) as string[]) : [];
  }

  /** Sets the person's opt-ins (only for people the store holds). */
  async setSharing(subject: string, services: string[]): Promise<void> {
    await this.db
      .updateTable('pds_subjects')
      .set({ sharing: JSON.stringify([...new Set(services)].sort()) })
      .where('subject', '=', subject)
      .execute();
  }

  /** People who opted in to `service`, by stored subject. */
  async optedIn(service: string): Promise<string[]> {
    const rows = await this.db.selectFrom('pds_subjects').select(['subject', 'sharing']).execute();
    return rows.filter((r) => (JSON.parse(r.sharing) as string[]).includes(service)).map((r) => r.subject);
  }

  /** Re-wraps every key not under the current KEK with the current KEK; documents are untouched. */
  async rotateKek(): Promise<{ rewrapped: number; kek_id: string }> {
    const kek = this.keyring.current;
    let rewrapped = 0;
    const master = await this.db.selectFrom('pds_store_keys').selectAll().where('kek_id', '!=', kek.id).execute();
    for (const m of master) {
      const secret = open(this.keyring.get(m.kek_id).key, m.wrapped, dataKeyAad(m.name, m.kek_id));
      await this.db
        .updateTable('pds_store_keys')
        .set({ kek_id: kek.id, wrapped: seal(kek.key, secret, dataKeyAad(m.name, kek.id)) })
        .where('name', '=', m.name)
        .where('kek_id', '=', m.kek_id)
        .execute();
      rewrapped += 1;
    }
    for (;;) {
      const batch = await this.db
        .selectFrom('pds_subjects')
        .select(['subject', 'kek_id', 'wrapped_key'])
        .where('kek_id', '!=', kek.id)
        .limit(500)
        .execute();
      if (batch.length === 0) break;
      await this.db.transaction().execute(async (trx) => {
        for (const r of batch) {
          const key = open(this.keyring.get(r.kek_id).key, r.wrapped_key, dataKeyAad(r.subject, r.kek_id));
          await trx
            .updateTable('pds_subjects')
            .set({ kek_id: kek.id, wrapped_key: seal(kek.key, key, dataKeyAad(r.subject, kek.id)) })
            .where('subject', '=', r.subject)
            .where('kek_id', '=', r.kek_id)
            .execute();
        }
      });
      rewrapped += batch.length;
    }
    await this.scrub();
    return { rewrapped, kek_id: kek.id };
  }

  /** KEK ids still in use by stored keys (all must be configured). */
  async kekIdsInUse(): Promise<string[]> {
    const a = await this.db.selectFrom('pds_store_keys').select('kek_id').distinct().execute();
    const b = await this.db.selectFrom('pds_subjects').select('kek_id').distinct().execute();
    return [...new Set([...a, ...b].map((r) => r.kek_id))];
  }
}
