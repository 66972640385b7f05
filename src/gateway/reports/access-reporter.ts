/**
 * Sends access records back to the operator that issued each token, in batches,
 * at least once: the per-operator cursor moves only after the operator answered 2xx.
 * The operator deduplicates by `access_id`, so retries are harmless.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { recordsAfter } from '../../audit/access-log.ts';
import type { AuditDatabase } from '../../audit/audit.tables.ts';
import type { OperatorClient } from '../operators/operator-client.ts';
import type { ReportDatabase } from './report.tables.ts';

/** What the reporter needs: the gateway store, its chain and the operators to report to. */
export interface ReporterOptions {
  db: Kysely<ReportDatabase & AuditDatabase>;
  /** The chain this instance writes (and reports). */
  chain: string;
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

  constructor(options: ReporterOptions) {
    this.options = options;
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

  /** Sends every pending batch now; returns how many records were accepted. */
  async runOnce(): Promise<number> {
    let sent = 0;
    for (const iss of this.options.operators.directory.issuers()) {
      for (;;) {
        const n = await this.sendBatch(iss);
        sent += n;
        if (n < (this.options.batchSize ?? 500)) break;
      }
    }
    return sent;
  }

  private async sendBatch(iss: string): Promise<number> {
    const { db, operators, chain } = this.options;
    const limit = this.options.batchSize ?? 500;
    const cursor = await db
      .selectFrom('report_cursors')
      .select('last_seq')
      .where('chain', '=', chain)
      .where('iss', '=', iss)
      .executeTakeFirst();
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
      .values({ chain, iss, last_seq: last })
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
