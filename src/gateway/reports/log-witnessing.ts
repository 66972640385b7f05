/**
 * The log's side of C2SP tlog-witness with each operator it reports to: the newest signed
 * checkpoint goes to the operator's add-checkpoint endpoint with a consistency proof from the size
 * the witness holds (learnt from a 409 when the gateway's note of it is stale), the cosignature in
 * the answer is verified with the witness key the operator publishes, and the cosigned note is
 * kept (`log_cosignatures`) for inclusion proofs and for `portti audit verify`.
 */
import type { Kysely } from 'kysely';
import type { AccessLog } from '../../audit/access-log.ts';
import type { AuditDatabase } from '../../audit/audit.tables.ts';
import { parseVerifierKey } from '../../audit/tlog/verifier-key.ts';
import { addCosignatures, formatAddCheckpoint } from '../../audit/tlog/witness.ts';
import type { OperatorClient } from '../operators/operator-client.ts';

/** A checkpoint a witness cosigned. */
export interface Cosigned {
  size: number;
  note: string;
}

const SIZE_BODY = /^(0|[1-9][0-9]*)\n?$/;

/** Gets this instance's checkpoints cosigned by its operators. */
export class LogWitnessing {
  private readonly db: Kysely<AuditDatabase>;
  private readonly log: AccessLog;
  private readonly operators: OperatorClient;

  constructor(db: Kysely<AuditDatabase>, log: AccessLog, operators: OperatorClient) {
    this.db = db;
    this.log = log;
    this.operators = operators;
  }

  /** The newest checkpoint `iss` cosigned, after offering it the newest signed one. */
  async cosigned(iss: string): Promise<Cosigned | undefined> {
    const held = await this.db
      .selectFrom('log_cosignatures')
      .select(['size', 'note'])
      .where('chain', '=', this.log.chain)
      .where('witness', '=', iss)
      .executeTakeFirst();
    const stored = held ? { size: Number(held.size), note: held.note } : undefined;
    const latest = this.log.latestCheckpoint();
    if (!latest || (stored && stored.size >= latest.size)) return stored;
    const { metadata } = await this.operators.directory.resolve(iss);
    const key = metadata.witness_key;
    if (typeof metadata.witness_add_checkpoint_endpoint !== 'string' || typeof key !== 'string') return stored;
    let oldSize = stored?.size ?? 0;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const proof = await this.log.tree.consistency(oldSize, latest.size);
      const res = await this.operators.call(iss, 'witness_add_checkpoint_endpoint', {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: formatAddCheckpoint({ oldSize, proof, checkpoint: latest.note }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status === 409 && SIZE_BODY.test(text) && attempt === 0) {
        const held = Number(text.trim());
        if (held > latest.size)
          throw new Error(
            `witness ${iss} holds a checkpoint of size ${held}, larger than this log's ${latest.size}: the log was rolled back`,
          );
        oldSize = held;
        continue;
      }
      if (!res.ok) throw new Error(`witness ${iss} refused the checkpoint at size ${latest.size}: ${res.status} ${text.slice(0, 200)}`);
      const note = addCosignatures(latest.note, text, [parseVerifierKey(key)]);
      const row = { chain: this.log.chain, witness: iss, size: latest.size, note, cosigned_at: Date.now() };
      await this.db
        .insertInto('log_cosignatures')
        .values(row)
        .onConflict((oc) => oc.columns(['chain', 'witness']).doUpdateSet({ size: row.size, note, cosigned_at: row.cosigned_at }))
        .execute();
      return { size: latest.size, note };
    }
    return stored;
  }
}
