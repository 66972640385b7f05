/**
 * The only code that queries oidc-provider's table. The adapter (oidc-adapter.ts) maps
 * oidc-provider's seven methods onto these functions; the consent lifecycle removes a
 * record's grants through `destroyByConsentRecord`.
 */
import type { Selectable } from 'kysely';
import type { OidcStoreDatabase, OidcStoreTable } from './oidc-store.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<OidcStoreDatabase>;

/** A stored model instance. */
export type OidcRow = Selectable<OidcStoreTable>;

/** Adds or replaces a model instance. */
export async function upsertOidcRow(db: Db, model: string, id: string, row: Omit<OidcRow, 'model' | 'id'>): Promise<void> {
  await db
    .insertInto('oidc_store')
    .values({ model, id, ...row })
    .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
    .execute();
}

/** A model instance by one of its keys: its id, user code or interaction uid. */
export async function findOidcRow(
  db: Db,
  model: string,
  key: { column: 'id' | 'user_code' | 'uid'; value: string },
): Promise<OidcRow | undefined> {
  return db.selectFrom('oidc_store').selectAll().where('model', '=', model).where(key.column, '=', key.value).executeTakeFirst();
}

/** Marks a model instance consumed (a code used once). */
export async function consumeOidcRow(db: Db, model: string, id: string, now = Date.now()): Promise<void> {
  await db.updateTable('oidc_store').set({ consumed_at: now }).where('model', '=', model).where('id', '=', id).execute();
}

/** Deletes a model instance, or every instance of a grant. */
export async function deleteOidcRows(db: Db, model: string, key: { column: 'id' | 'grant_id'; value: string }): Promise<void> {
  await db.deleteFrom('oidc_store').where('model', '=', model).where(key.column, '=', key.value).execute();
}

/** Removes grants and codes tied to a consent record (on withdrawal and expiry). */
export async function destroyByConsentRecord(db: Db, recordId: string): Promise<void> {
  await db.deleteFrom('oidc_store').where('consent_record_id', '=', recordId).execute();
}

/** Deletes expired rows; run periodically. */
export async function sweepOidcStore(db: Db, now = Date.now()): Promise<void> {
  await db.deleteFrom('oidc_store').where('expires_at', '<', now).execute();
}
