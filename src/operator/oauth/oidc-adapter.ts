/**
 * oidc-provider's seven-method storage adapter on the operator store (SQLite or
 * PostgreSQL), over oidc-store.repository.ts. The `Client` model is answered from the
 * service registry, so a service registered at run time is a client at once.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { OidcStoreDatabase } from './oidc-store.tables.ts';
import { consumeOidcRow, deleteOidcRows, findOidcRow, upsertOidcRow } from './oidc-store.repository.ts';

/** Resolves client metadata for `Client` lookups (from the service registry). */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

/** Creates the adapter class oidc-provider instantiates per model name. */
export function createOidcAdapter(db: Kysely<OidcStoreDatabase>, clients: ClientLookup) {
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
      await upsertOidcRow(db, this.model, id, row);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      return this.fromRow(await findOidcRow(db, this.model, { column: 'id', value: id }));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.fromRow(await findOidcRow(db, this.model, { column: 'user_code', value: userCode }));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.fromRow(await findOidcRow(db, this.model, { column: 'uid', value: uid }));
    }

    async consume(id: string): Promise<void> {
      await consumeOidcRow(db, this.model, id);
    }

    async destroy(id: string): Promise<void> {
      await deleteOidcRows(db, this.model, { column: 'id', value: id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deleteOidcRows(db, this.model, { column: 'grant_id', value: grantId });
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
