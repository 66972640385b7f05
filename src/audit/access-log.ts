/**
 * The gateway's tamper-evident access log: appends records to a per-instance hash
 * chain in the gateway store and signs a checkpoint every N records.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { GatewayDatabase } from '../gateway/gateway.tables.ts';
import type { SigningKey } from '../store/keys.ts';
import { GENESIS_HASH, hashAccessRecord, verifyChain, type AccessRecord, type ChainVerdict } from './access-record.ts';

/** What the caller supplies; the log adds id, time, chain position and hashes. */
export type AccessRecordInput = Omit<AccessRecord, 'access_id' | 'time' | 'chain' | 'seq' | 'prev_hash' | 'hash'>;

export interface AccessLogOptions {
  db: Kysely<GatewayDatabase>;
  chain: string;
  checkpointEvery: number;
  signingKey: () => SigningKey;
}

/**
 * Appends access records in order. Appends are serialised through one promise queue
 * so the chain stays linear even when requests finish concurrently.
 */
export class AccessLog {
  private readonly options: AccessLogOptions;
  private lastHash = GENESIS_HASH;
  private lastSeq = 0;
  private count = 0;
  private queue: Promise<unknown> = Promise.resolve();
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
    const c = await this.options.db
      .selectFrom('access_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chain', '=', this.options.chain)
      .executeTakeFirstOrThrow();
    this.count = Number(c.n);
  }

  /** Appends one record; resolves when it is durably stored. */
  append(input: AccessRecordInput): Promise<AccessRecord> {
    const run = this.queue.then(() => this.write(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(input: AccessRecordInput): Promise<AccessRecord> {
    const { db, chain } = this.options;
    const base = {
      access_id: `urn:uuid:${randomUUID()}`,
      time: new Date().toISOString(),
      chain,
      ...input,
      prev_hash: this.lastHash,
    };
    // one writer per chain (this instance), so the next position is known without a round trip
    const withSeq = { ...base, seq: this.lastSeq + 1 };
    const record: AccessRecord = { ...withSeq, hash: hashAccessRecord(withSeq) };
    await db
      .insertInto('access_records')
      .values({
        chain,
        seq: record.seq,
        access_id: record.access_id,
        time: record.time,
        iss: record.iss,
        client_id: record.client_id,
        consent_record_id: record.consent_record_id,
        body: JSON.stringify(record),
        prev_hash: record.prev_hash,
        hash: record.hash,
        reported: record.iss && record.consent_record_id ? 0 : 1,
      })
      .execute();
    this.lastHash = record.hash;
    this.lastSeq = record.seq;
    this.count += 1;
    if (this.count % this.options.checkpointEvery === 0) await this.checkpoint();
    this.onAppend?.(record);
    return record;
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
    await this.queue;
  }
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
export async function verifyAccessLog(db: Kysely<GatewayDatabase>, jwks: { keys: JWK[] }): Promise<AuditReport[]> {
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
