/**
 * The gateway's tamper-evident access log: appends records as leaves of this instance's RFC 9162
 * Merkle tree in the gateway store (each row with the subtree hashes its leaf completed) and
 * signs C2SP checkpoints of the tree with the gateway's key, at least every second while records
 * arrive and at shutdown. Witnesses (the operators) cosign those checkpoints (see the reporter).
 * Its tables are in audit.tables.ts; this file and log-nodes.ts are the code that writes them.
 */
import { createPrivateKey, randomUUID, type JsonWebKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SigningKey } from '../store/keys.ts';
import type { AuditDatabase } from './audit.tables.ts';
import { recordLeafHash, type AccessRecord } from './access-record.ts';
import { StoredTree } from './log-nodes.ts';
import { signCheckpoint } from './tlog/checkpoint.ts';
import { MerkleFrontier } from './tlog/merkle-tree.ts';
import { ecdsaSigner } from './tlog/note-keys.ts';
import type { NoteSigner } from './tlog/note.ts';

/** What the caller supplies; the log adds id, time and position. */
export type AccessRecordInput = Omit<AccessRecord, 'access_id' | 'time' | 'chain' | 'seq'>;

/** Where the log writes, which chain under which origin, and with which key it signs. */
export interface AccessLogOptions {
  db: Kysely<AuditDatabase>;
  chain: string;
  /** The log's C2SP origin (also the note key name). */
  origin: string;
  signingKey: () => SigningKey;
  /** How often a grown tree is signed (default 1000 ms). */
  checkpointIntervalMs?: number;
}

/** The newest checkpoint the log signed. */
export interface SignedCheckpoint {
  size: number;
  note: string;
}

type Pending = { input: AccessRecordInput; resolve: (r: AccessRecord) => void; reject: (e: unknown) => void };

/**
 * Appends access records in order, with group commit: records that arrive while a write is in
 * flight are written together in the next transaction, and every caller's promise resolves only
 * once its record is committed. The tree stays linear because this instance is its only writer.
 */
export class AccessLog {
  private readonly options: AccessLogOptions;
  private frontier = new MerkleFrontier();
  private pending: Pending[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private latest: SignedCheckpoint | undefined;
  private signing: Promise<SignedCheckpoint | undefined> | undefined;
  /** The stored tree, for proofs. */
  readonly tree: StoredTree;
  /** Called after each append (the reporter uses it to wake up). */
  onAppend: ((record: AccessRecord) => void) | undefined;
  /** Called after each new checkpoint. */
  onCheckpoint: ((checkpoint: SignedCheckpoint) => void) | undefined;

  constructor(options: AccessLogOptions) {
    this.options = options;
    this.tree = new StoredTree(options.db, options.chain);
  }

  /** This instance's chain id and origin. */
  get chain(): string {
    return this.options.chain;
  }
  get origin(): string {
    return this.options.origin;
  }
  /** The number of committed records. */
  get size(): number {
    return this.frontier.size;
  }

  /** Loads the tree's right edge and the newest checkpoint; call once before appending. */
  async open(): Promise<void> {
    const { db, chain } = this.options;
    const last = await db
      .selectFrom('access_records')
      .select('seq')
      .where('chain', '=', chain)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const size = Number(last?.seq ?? 0);
    this.frontier = new MerkleFrontier(size, await this.tree.frontier(size));
    const cp = await db
      .selectFrom('log_checkpoints')
      .select(['size', 'note'])
      .where('chain', '=', chain)
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    this.latest = cp ? { size: Number(cp.size), note: cp.note } : undefined;
  }

  /** Signs a checkpoint every interval while the tree grows. */
  startCheckpoints(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.checkpoint().catch(() => undefined), this.options.checkpointIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Appends one record; resolves when it is committed (on stable storage under the default `durability: power_loss`). */
  append(input: AccessRecordInput): Promise<AccessRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 500);
      try {
        const records = await this.write(batch.map((b) => b.input));
        batch.forEach((b, i) => b.resolve(records[i]!));
        for (const r of records) this.onAppend?.(r);
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = undefined;
  }

  private async write(inputs: AccessRecordInput[]): Promise<AccessRecord[]> {
    const { db, chain } = this.options;
    const time = new Date().toISOString();
    // the new edge is swapped in only after the commit, so a failed write leaves the tree as stored
    const next = this.frontier.clone();
    const records: AccessRecord[] = [];
    const rows = inputs.map((input) => {
      const record: AccessRecord = { access_id: `urn:uuid:${randomUUID()}`, time, chain, seq: next.size + 1, ...input };
      const body = JSON.stringify(record);
      records.push(record);
      const tree = Buffer.concat(next.append(recordLeafHash(body)).map((w) => w.hash));
      const { iss, client_id, consent_record_id } = record;
      return { chain, seq: record.seq, access_id: record.access_id, time, iss, client_id, consent_record_id, body, tree };
    });
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 100)
        await trx
          .insertInto('access_records')
          .values(rows.slice(i, i + 100))
          .execute();
    });
    this.frontier = next;
    return records;
  }

  /** The newest signed checkpoint (undefined before the first). */
  latestCheckpoint(): SignedCheckpoint | undefined {
    return this.latest;
  }

  /** Signs the committed tree as a checkpoint when it grew since the last one; returns the newest. */
  checkpoint(): Promise<SignedCheckpoint | undefined> {
    // a signing already under way may have read the size before the caller's last append: sign
    // again after it (signNow does nothing when the tree has not grown), so the answer covers it
    const next = (this.signing?.catch(() => undefined) ?? Promise.resolve())
      .then(() => this.signNow())
      .finally(() => {
        if (this.signing === next) this.signing = undefined;
      });
    this.signing = next;
    return next;
  }

  private async signNow(): Promise<SignedCheckpoint | undefined> {
    const size = this.frontier.size;
    if (size === 0 || (this.latest && this.latest.size >= size)) return this.latest;
    const signer = this.signer();
    const note = signCheckpoint({ origin: this.options.origin, size, rootHash: this.frontier.root(), extensions: [] }, [signer]);
    await this.options.db
      .insertInto('log_checkpoints')
      .values({ chain: this.options.chain, size, note, signed_at: Date.now() })
      .onConflict((oc) => oc.columns(['chain', 'size']).doNothing())
      .execute();
    this.latest = { size, note };
    this.onCheckpoint?.(this.latest);
    return this.latest;
  }

  private signerOf: { kid: string; signer: NoteSigner } | undefined;

  /** The note signer of the current signing key (rebuilt after a rotation). */
  private signer(): NoteSigner {
    const key = this.options.signingKey();
    if (this.signerOf?.kid !== key.kid) {
      const privateKey = createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' });
      this.signerOf = { kid: key.kid, signer: ecdsaSigner(this.options.origin, privateKey) };
    }
    return this.signerOf.signer;
  }

  /** Waits for queued appends and signs the final tree (used at shutdown). */
  async flush(): Promise<void> {
    clearInterval(this.timer);
    while (this.writing) await this.writing;
    await this.checkpoint();
  }
}

/** One stored record as the reporter sends it: its position, its JSON and its consent. */
export interface StoredAccessRecord {
  seq: number;
  access_id: string;
  body: string;
  consent_record_id: string | null;
}

/** The records of `chain` about tokens of `iss` in (afterSeq, uptoSeq], in order, at most `limit`. */
export function recordsAfter(
  db: Kysely<AuditDatabase>,
  query: { chain: string; iss: string; afterSeq: number; limit: number; uptoSeq?: number },
): Promise<StoredAccessRecord[]> {
  let q = db
    .selectFrom('access_records')
    .select(['seq', 'access_id', 'body', 'consent_record_id'])
    .where('chain', '=', query.chain)
    .where('seq', '>', query.afterSeq)
    .where('iss', '=', query.iss);
  if (query.uptoSeq !== undefined) q = q.where('seq', '<=', query.uptoSeq);
  return q.orderBy('seq').limit(query.limit).execute();
}
