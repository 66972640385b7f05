/**
 * The gateway's tamper-evident access log: appends records to a per-instance hash
 * chain in the gateway store and signs a checkpoint every N records. Its tables are in
 * audit.tables.ts; this file is the only code that queries them.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { SigningKey } from '../store/keys.ts';
import type { AuditDatabase } from './audit.tables.ts';
import { GENESIS_HASH, hashAccessRecord, verifyChain, type AccessRecord, type ChainVerdict } from './access-record.ts';

/** What the caller supplies; the log adds id, time, chain position and hashes. */
export type AccessRecordInput = Omit<AccessRecord, 'access_id' | 'time' | 'chain' | 'seq' | 'prev_hash' | 'hash'>;

/** Where the log writes, which chain, how often it signs a checkpoint and with which key. */
export interface AccessLogOptions {
  db: Kysely<AuditDatabase>;
  chain: string;
  checkpointEvery: number;
  signingKey: () => SigningKey;
}

/**
 * Appends access records in order, with group commit: records that arrive while a write
 * is in flight are written together in the next transaction (one multi-row insert), and
 * every caller's promise resolves only once its record is committed. The chain stays
 * linear because this instance is the only writer of its chain.
 */
export class AccessLog {
  private readonly options: AccessLogOptions;
  /** This instance's chain id. */
  get chain(): string {
    return this.options.chain;
  }
  private lastHash = GENESIS_HASH;
  private lastSeq = 0;
  private pending: Array<{ input: AccessRecordInput; resolve: (r: AccessRecord) => void; reject: (e: unknown) => void }> = [];
  private writing: Promise<void> | undefined;
  /** Called after each append (the reporter uses it to wake up). */
  onAppend: ((record: AccessRecord) => void) | undefined;

  constructor(options: AccessLogOptions) {
    this.options = options;
  }

  /** Loads the chain head; call once before appending. */
  async open(): Promise<void> {
    const last = await this.options.db
      .selectFrom('access_records')
      .select(['seq', 'hash'])
      .where('chain', '=', this.options.chain)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last) {
      this.lastHash = last.hash;
      this.lastSeq = last.seq;
    }
  }

  /** Appends one record; resolves when it is durably stored. */
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
    const { db, chain, checkpointEvery } = this.options;
    const time = new Date().toISOString();
    let prev = this.lastHash;
    let seq = this.lastSeq;
    const records = inputs.map((input) => {
      seq += 1;
      const base = { access_id: `urn:uuid:${randomUUID()}`, time, chain, seq, ...input, prev_hash: prev };
      const record: AccessRecord = { ...base, hash: hashAccessRecord(base) };
      prev = record.hash;
      return record;
    });
    const rows = records.map((r) => ({
      chain,
      seq: r.seq,
      access_id: r.access_id,
      time: r.time,
      iss: r.iss,
      client_id: r.client_id,
      consent_record_id: r.consent_record_id,
      body: JSON.stringify(r),
      prev_hash: r.prev_hash,
      hash: r.hash,
    }));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 100)
        await trx
          .insertInto('access_records')
          .values(rows.slice(i, i + 100))
          .execute();
    });
    const crossed = Math.floor(seq / checkpointEvery) > Math.floor(this.lastSeq / checkpointEvery);
    this.lastHash = prev;
    this.lastSeq = seq;
    if (crossed) await this.checkpoint();
    return records;
  }

  /** Signs the current chain head as a checkpoint (compact JWS). */
  async checkpoint(): Promise<void> {
    if (this.lastSeq === 0) return;
    const key = this.options.signingKey();
    const payload = { chain: this.options.chain, seq: this.lastSeq, hash: this.lastHash, time: new Date().toISOString() };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'portti-checkpoint+jws' })
      .sign(key.privateKey);
    await this.options.db
      .insertInto('audit_checkpoints')
      .values({ chain: payload.chain, seq: payload.seq, hash: payload.hash, time: payload.time, jws })
      .onConflict((oc) => oc.columns(['chain', 'seq']).doNothing())
      .execute();
  }

  /** Waits for queued appends (used at shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}

/** One stored record as the reporter sends it: its position, its JSON and its consent. */
export interface StoredAccessRecord {
  seq: number;
  body: string;
  consent_record_id: string | null;
}

/** The records of `chain` about tokens of `iss` after `afterSeq`, in order, at most `limit`. */
export function recordsAfter(
  db: Kysely<AuditDatabase>,
  query: { chain: string; iss: string; afterSeq: number; limit: number },
): Promise<StoredAccessRecord[]> {
  return db
    .selectFrom('access_records')
    .select(['seq', 'body', 'consent_record_id'])
    .where('chain', '=', query.chain)
    .where('seq', '>', query.afterSeq)
    .where('iss', '=', query.iss)
    .orderBy('seq')
    .limit(query.limit)
    .execute();
}

/** The outcome of `portti audit verify` for one chain. */
export interface AuditReport extends ChainVerdict {
  chain: string;
  checkpoints: number;
  checkpoint_failure?: string;
}

/**
 * Walks every chain in the store in sequence order and checks each signed checkpoint
 * against the record at its position. Reports the first broken link per chain.
 */
export async function verifyAccessLog(db: Kysely<AuditDatabase>, jwks: { keys: JWK[] }): Promise<AuditReport[]> {
  const chains = await db.selectFrom('access_records').select('chain').distinct().execute();
  const keySet = createLocalJWKSet(jwks);
  const reports: AuditReport[] = [];
  for (const { chain } of chains) {
    const rows = await db
      .selectFrom('access_records')
      .select(['seq', 'body', 'hash', 'prev_hash'])
      .where('chain', '=', chain)
      .orderBy('seq', 'asc')
      .execute();
    const records = rows.map((r) => {
      const body = JSON.parse(r.body) as AccessRecord;
      // the columns are authoritative for links: an edited column breaks the chain too
      return { ...body, seq: r.seq, hash: r.hash, prev_hash: r.prev_hash };
    });
    const verdict = verifyChain(records);
    const report: AuditReport = { chain, ...verdict, checkpoints: 0 };
    const bySeq = new Map(records.map((r) => [r.seq, r]));
    const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().where('chain', '=', chain).orderBy('seq').execute();
    for (const cp of checkpoints) {
      try {
        const { payload } = await compactVerify(cp.jws, keySet);
        const claims = JSON.parse(new TextDecoder().decode(payload)) as { seq: number; hash: string; chain: string };
        const at = bySeq.get(claims.seq);
        if (claims.chain !== chain || !at || at.hash !== claims.hash) {
          report.checkpoint_failure = `checkpoint at seq ${claims.seq} does not match the stored chain (record missing or altered)`;
          report.ok = false;
          break;
        }
        report.checkpoints += 1;
      } catch {
        report.checkpoint_failure = `checkpoint at seq ${cp.seq} has an invalid signature`;
        report.ok = false;
        break;
      }
    }
    reports.push(report);
  }
  return reports;
}
