/**
 * Names of a gateway instance's log: its chain id (`<gateway name>/<instance>`) and its C2SP
 * origin, `<public host>/portti/log/<chain>`, which is also the key name of the log's note
 * signatures. Witnesses know a log by its origin.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { ecdsaVerifier, type NoteKey } from './tlog/note-keys.ts';

/** The chain id of an instance. */
export function chainId(gatewayName: string, instance: string): string {
  return `${gatewayName}/${instance}`;
}

/** The origin of `chain` at the gateway published at `publicUrl`. */
export function logOrigin(publicUrl: string, chain: string): string {
  return `${new URL(publicUrl).host}/portti/log/${chain}`;
}

/** The note verifiers of a log signed with the gateway's (EC) keys, under the log's origin. */
export function logVerifiers(jwks: { keys: readonly object[] }, origin: string): NoteKey[] {
  return (jwks.keys as JsonWebKey[])
    .filter((k) => k.kty === 'EC')
    .map((k) => ecdsaVerifier(origin, createPublicKey({ key: k, format: 'jwk' })));
}
