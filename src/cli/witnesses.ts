/**
 * The witnesses' view of a gateway's logs, for `portti audit verify`: each operator the gateway
 * reports to publishes its witness key and the newest checkpoint it cosigned per log (RFC 8414
 * metadata `witness_key`, `witness_checkpoints_endpoint`). A checkpoint counts only when both the
 * gateway's signature and that witness's cosignature verify.
 */
import type { WitnessedCheckpoint } from '../audit/log-verify.ts';
import { openCheckpoint, signedByAll } from '../audit/tlog/checkpoint.ts';
import type { NoteVerifier } from '../audit/tlog/note.ts';
import { parseVerifierKey } from '../audit/tlog/verifier-key.ts';
import { discover } from '../shared/oauth/oauth-client.ts';

/** What the witnesses said about one log: their cosigned checkpoints, and the ones that could not be asked. */
export interface WitnessView {
  checkpoints: WitnessedCheckpoint[];
  /** Witness issuer → why it gave no checkpoint. */
  unreachable: Map<string, string>;
}

/** Asks every witness for its newest cosigned checkpoint of `origin`. */
export async function askWitnesses(issuers: readonly string[], origin: string, logKeys: readonly NoteVerifier[]): Promise<WitnessView> {
  const view: WitnessView = { checkpoints: [], unreachable: new Map() };
  await Promise.all(
    issuers.map(async (issuer) => {
      try {
        const cp = await cosignedBy(issuer, origin, logKeys);
        if (cp) view.checkpoints.push(cp);
      } catch (e) {
        view.unreachable.set(issuer, (e as Error).message);
      }
    }),
  );
  return view;
}

async function cosignedBy(issuer: string, origin: string, logKeys: readonly NoteVerifier[]): Promise<WitnessedCheckpoint | undefined> {
  const meta = await discover(issuer);
  if (typeof meta.witness_key !== 'string' || typeof meta.witness_checkpoints_endpoint !== 'string')
    throw new Error('publishes no witness_key and witness_checkpoints_endpoint');
  const witnessKey = parseVerifierKey(meta.witness_key);
  const url = new URL(meta.witness_checkpoints_endpoint);
  url.searchParams.set('origin', origin);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`answered ${res.status} for the checkpoint of ${origin}`);
  const opened = openCheckpoint(await res.text(), [...logKeys, witnessKey]);
  if (opened.checkpoint.origin !== origin) throw new Error(`sent a checkpoint of ${opened.checkpoint.origin}, not ${origin}`);
  if (!signedByAll(opened, [witnessKey])) throw new Error("its checkpoint does not carry the witness's own cosignature");
  if (!opened.note.verified.some((s) => logKeys.some((k) => k.name === s.name && k.keyId === s.keyId)))
    throw new Error("its checkpoint is not signed by this gateway's keys");
  return { witness: issuer, checkpoint: opened.checkpoint };
}
