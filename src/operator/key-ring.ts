/**
 * The operator's signing keys as one ring: the newest signs, all are published, and a
 * rotation reloads them (the composition root rebuilds the authorization server after it).
 */
import type { Kysely } from 'kysely';
import { loadSigningKeys, publicJwks, rotateSigningKey, type SigningKey } from '../store/keys.ts';
import type { OperatorDatabase } from './operator.tables.ts';

/** The operator's signing keys: the newest signs, all are published; reloaded after a rotation. */
export async function keyRing(db: Kysely<OperatorDatabase>) {
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
export type KeyRing = Awaited<ReturnType<typeof keyRing>>;
