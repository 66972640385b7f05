/**
 * Signing keys of a component (operator or gateway), kept in its own store.
 * The newest active key signs; retired keys stay published until removed so that
 * tokens and receipts signed before a rotation still verify.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import type { Kysely } from 'kysely';
import { columnTypes, dropTables, type Dialect, type MigrationSet } from './database.ts';

/** One signing key of a component, private and public JWK as JSON. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  /** `active` keys sign and are published; `retired` keys are only published. */
  status: string;
}

/** A loaded key ready to sign. */
export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The signing-key table of a component's store (every component store holds one). */
export interface KeysDatabase {
  signing_keys: SigningKeysTable;
}

/**
 * Creates the signing_keys table. Each component's first migration calls it (operator and
 * gateway alike), so its shape is defined once, here beside the code that reads it.
 */
export async function createSigningKeysTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
}

/** The signing keys' part of a component's migrations: the table comes with `0001_initial`. */
export const signingKeysMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createSigningKeysTable(db, dialect),
    down: (db) => dropTables(db, ['signing_keys']),
  },
});

/** Creates a new ES256 key and makes it the signing key. */
export async function rotateSigningKey(db: Kysely<KeysDatabase>, now = Date.now()): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('signing_keys').set({ status: 'retired' }).where('status', '=', 'active').execute();
    await trx
      .insertInto('signing_keys')
      .values({
        kid,
        alg: 'ES256',
        private_jwk: JSON.stringify(privateJwk),
        public_jwk: JSON.stringify(publicJwk),
        created_at: now,
        status: 'active',
      })
      .execute();
  });
  return kid;
}

/** Loads all keys, newest first; creates the first key if there is none. */
export async function loadSigningKeys(db: Kysely<KeysDatabase>): Promise<SigningKey[]> {
  let rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  if (rows.length === 0) {
    await rotateSigningKey(db);
    rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  }
  rows.sort((a, b) => (a.status === b.status ? b.created_at - a.created_at : a.status === 'active' ? -1 : 1));
  return Promise.all(
    rows.map(async (r) => {
      const privateJwk = JSON.parse(r.private_jwk) as JWK;
      return {
        kid: r.kid,
        alg: r.alg,
        privateJwk,
        publicJwk: JSON.parse(r.public_jwk) as JWK,
        privateKey: (await importJWK(privateJwk, r.alg)) as CryptoKey,
      };
    }),
  );
}

/** Public JWKS document for `keys`. */
export function publicJwks(keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** A component's signing keys in memory: the newest signs, all are published; reloaded after a rotation. */
export interface KeyRing {
  all(): SigningKey[];
  current(): SigningKey;
  jwks(): { keys: JWK[] };
  /** Makes a new key the signing one (the old ones stay published); returns its kid. */
  rotate(): Promise<string>;
}

/** Loads the store's signing keys (creating the first) into a {@link KeyRing}. */
export async function openKeyRing(db: Kysely<KeysDatabase>): Promise<KeyRing> {
  let keys = await loadSigningKeys(db);
  return {
    all: () => keys,
    current: () => keys[0] as SigningKey,
    jwks: () => publicJwks(keys),
    async rotate(): Promise<string> {
      const kid = await rotateSigningKey(db);
      keys = await loadSigningKeys(db);
      return kid;
    },
  };
}
