/**
 * oidc-provider's seven-method storage adapter on the operator store (SQLite or
 * PostgreSQL). The `Client` model is answered from the service registry, so a service
 * registered at run time is a client at once.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { OperatorDatabase } from '../operator.tables.ts';

/** Resolves client metadata for `Client` lookups (from the service registry). */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

/** Creates the adapter class oidc-provider instantiates per model name. */
export function createOidcAdapter(db: Kysely<OperatorDatabase>, clients: ClientLookup) {
  return class PorttiOidcAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const rar = (payload as { rar?: Array<{ consent_record_id?: string }> }).rar;
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        consent_record_id: rar?.find((d) => d.consent_record_id)?.consent_record_id ?? null,
        expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      await db
        .insertInto('oidc_store')
        .values({ model: this.model, id, ...row })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      const row = await db.selectFrom('oidc_store').selectAll().where('model', '=', this.model).where('id', '=', id).executeTakeFirst();
      return this.fromRow(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_store')
        .selectAll()
        .where('model', '=', this.model)
        .where('user_code', '=', userCode)
        .executeTakeFirst();
      return this.fromRow(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await db.selectFrom('oidc_store').selectAll().where('model', '=', this.model).where('uid', '=', uid).executeTakeFirst();
      return this.fromRow(row);
    }

    async consume(id: string): Promise<void> {
      await db.updateTable('oidc_store').set({ consumed_at: Date.now() }).where('model', '=', this.model).where('id', '=', id).execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_store').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_store').where('model', '=', this.model).where('grant_id', '=', grantId).execute();
    }

    private fromRow(row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined) {
      if (!row) return undefined;
      if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
      return payload;
    }
  };
}

/** Removes grants and codes tied to a consent record (on withdrawal and expiry). */
export async function destroyByConsentRecord(db: Kysely<OperatorDatabase>, recordId: string): Promise<void> {
  await db.deleteFrom('oidc_store').where('consent_record_id', '=', recordId).execute();
}

/** Deletes expired rows; run periodically. */
export async function sweepOidcStore(db: Kysely<OperatorDatabase>, now = Date.now()): Promise<void> {
  await db.deleteFrom('oidc_store').where('expires_at', '<', now).execute();
}
