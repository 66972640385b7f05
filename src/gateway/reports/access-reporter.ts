/**
 * Sends access records back to the operator that issued each token, in batches,
 * at least once: the per-operator cursor moves only after the operator answered 2xx.
 * The operator deduplicates by `access_id`, so retries are harmless.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { recordsAfter, type AccessLog } from '../../audit/access-log.ts';
import type { AuditDatabase } from '../../audit/audit.tables.ts';
import { encodeBase64 } from '../../audit/tlog/note.ts';
import { LogWitnessing, type Cosigned } from './log-witnessing.ts';
import type { OperatorClient } from '../operators/operator-client.ts';
import type { ReportDatabase } from './report.tables.ts';

/** What the reporter needs: the gateway store, its chain and the operators to report to. */
export interface ReporterOptions {
  db: Kysely<ReportDatabase & AuditDatabase>;
  /** The log this instance writes (and reports, and has witnessed). */
  accessLog: AccessLog;
  operators: OperatorClient;
  intervalMs: number;
  batchSize?: number;
  log: FastifyBaseLogger;
}

/** Background sender of unreported access records. */
export class AccessReporter {
  private readonly options: ReporterOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;
  private dueAt = Infinity;
  private readonly witnessing: LogWitnessing;

  constructor(options: ReporterOptions) {
    this.options = options;
    this.witnessing = new LogWitnessing(options.db, options.accessLog, options.operators);
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  /** Asks for a run soon (after a new record). Runs never overlap: a poke during a run repeats it. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.dueAt - Date.now() > 50) this.schedule(50);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.dueAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.again = false;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: Error) => this.options.log.warn({ err: err.message }, 'access report failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.again ? 50 : this.options.intervalMs);
        });
    }, delay);
  }

  /**
   * Sends every pending batch now, then has the newest checkpoint cosigned and sends the inclusion
   * proofs of the reported records in it; returns how many records were sent.
   */
  runOnce(): Promise<number> {
    // one run at a time, whoever asks (the schedule, a test, shutdown): witnessing needs its order
    const run = this.serial.then(() => this.sendAll());
    this.serial = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private serial: Promise<void> = Promise.resolve();

  private async sendAll(): Promise<number> {
    let sent = 0;
    for (const iss of this.options.operators.directory.issuers()) {
      for (;;) {
        const n = await this.sendBatch(iss);
        sent += n;
        if (n < (this.options.batchSize ?? 500)) break;
      }
      try {
        const cosigned = await this.witnessing.cosigned(iss);
        if (cosigned) await this.sendProofs(iss, cosigned);
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message, witness: iss }, 'checkpoint not witnessed');
      }
    }
    return sent;
  }

  private cursor(iss: string) {
    return this.options.db
      .selectFrom('report_cursors')
      .select(['last_seq', 'proved_seq'])
      .where('chain', '=', this.options.accessLog.chain)
      .where('iss', '=', iss)
      .executeTakeFirst();
  }

  /** Sends the proofs of reported records up to the cosigned size, a batch at a time. */
  private async sendProofs(iss: string, cosigned: Cosigned): Promise<void> {
    const { db, operators, accessLog: log } = this.options;
    const limit = this.options.batchSize ?? 500;
    for (;;) {
      const cursor = await this.cursor(iss);
      const upto = Math.min(cursor?.last_seq ?? 0, cosigned.size);
      const from = cursor?.proved_seq ?? 0;
      if (from >= upto) return;
      const rows = await recordsAfter(db, { chain: log.chain, iss, afterSeq: from, uptoSeq: upto, limit });
      const shown = rows.filter((r) => r.consent_record_id !== null);
      if (shown.length > 0) {
        const hashes = await log.tree.inclusions(
          shown.map((r) => r.seq - 1),
          cosigned.size,
        );
        const proofs = shown.map((r, i) => ({ access_id: r.access_id, index: r.seq - 1, hashes: hashes[i]!.map(encodeBase64) }));
        const res = await operators.call(iss, 'access_proof_endpoint', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ checkpoint: cosigned.note, proofs }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`operator ${iss} refused the inclusion proofs: ${res.status}`);
      }
      const proved = rows.length < limit ? upto : rows[rows.length - 1]!.seq;
      await db.updateTable('report_cursors').set({ proved_seq: proved }).where('chain', '=', log.chain).where('iss', '=', iss).execute();
    }
  }

  private async sendBatch(iss: string): Promise<number> {
    const { db, operators } = this.options;
    const chain = this.options.accessLog.chain;
    const limit = this.options.batchSize ?? 500;
    const cursor = await this.cursor(iss);
    const from = cursor?.last_seq ?? 0;
    const rows = await recordsAfter(db, { chain, iss, afterSeq: from, limit });
    if (rows.length === 0) return 0;
    // the stored bodies are the records' JSON already: join them instead of parsing and re-serialising
    const records = rows.filter((r) => r.consent_record_id !== null).map((r) => r.body);
    if (records.length > 0) {
      const res = await operators.call(iss, 'access_report_endpoint', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"records":[${records.join(',')}]}`,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`operator ${iss} refused the access report: ${res.status}`);
    }
    const last = rows[rows.length - 1]!.seq;
    await db
      .insertInto('report_cursors')
      .values({ chain, iss, last_seq: last, proved_seq: 0 })
      .onConflict((oc) => oc.columns(['chain', 'iss']).doUpdateSet({ last_seq: last }))
      .execute();
    return rows.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
