/**
 * Transparency at the operator: gateways report every access made under a consent record
 * issued here, and the citizen sees who used their data ("who used my data", the export and
 * the move). Reports are idempotent by `access_id`, so a gateway may resend a batch.
 */
import type { Kysely } from 'kysely';
import type { AccessRecord } from '../../audit/access-record.ts';
import type { Dialect } from '../../store/database.ts';
import {
  accessBodies,
  accessBodiesOfRecord,
  accessBodiesOfRecords,
  accessCountPerRecord,
  accessCountsOfRecords,
  accessEntriesOfFewRecords,
  accessLogPage,
  insertAccessRecords,
  type AccessLogFilter,
} from './access-log.repository.ts';
import type { AccessLogDatabase } from './access-log.tables.ts';

/**
 * An access record as a gateway reports it: the report schema checks the fields the operator
 * files it by; the record is kept as sent.
 */
export type ReportedAccessRecord = Pick<AccessRecord, 'access_id' | 'time' | 'outcome'> &
  Partial<Pick<AccessRecord, 'consent_record_id' | 'client_id'>>;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reads the next item of `source` while the caller handles the current one (one item ahead). */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = source.next();
      yield item.value;
    }
  } finally {
    // a reader that stopped early: let the read in flight end, then close the source
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}

/** The operator's access log: intake from gateways, reading for citizens. */
export class AccessReports {
  private readonly db: Kysely<AccessLogDatabase>;
  private readonly dialect: Dialect;

  constructor(db: Kysely<AccessLogDatabase>, dialect: Dialect) {
    this.db = db;
    this.dialect = dialect;
  }

  /** Stores a gateway's batch of access records; returns how many were new (the rest were duplicates). */
  async accept(gatewayClientId: string, records: ReportedAccessRecord[], now = Date.now()): Promise<number> {
    return insertAccessRecords(
      this.db,
      records.map((r) => ({
        access_id: r.access_id,
        record_id: r.consent_record_id ?? null,
        client_id: r.client_id ?? null,
        gateway_client_id: gatewayClientId,
        time: r.time,
        outcome: r.outcome,
        body: JSON.stringify(r),
        received_at: now,
      })),
    );
  }

  /** One page of the access records of the given consent records, newest first, filtered. */
  async page(recordIds: string[], filter: AccessLogFilter = {}): Promise<Array<Record<string, unknown>>> {
    const ids = filter.record_id ? recordIds.filter((i) => i === filter.record_id) : recordIds;
    if (ids.length === 0) return [];
    const page = (await this.pageQuery(ids, filter).execute()).map((r) => r.access_id);
    if (page.length === 0) return [];
    return (await accessBodies(this.db, page)).map((b) => JSON.parse(b) as Record<string, unknown>);
  }

  /** The query behind {@link page}, for the scale bench's EXPLAIN. */
  pageQuery(recordIds: string[], filter: AccessLogFilter) {
    return accessLogPage(this.db, this.dialect, recordIds, filter);
  }

  /**
   * Every access record of the given consent records as the JSON text the gateway sent, page by
   * page: record after record in the order given, oldest first within each (the export streams
   * them; memory holds two pages: the next is read while the last is written). Records with few
   * entries share one query per page; a record with more than a page of them is walked page by
   * page along its index.
   */
  stream(recordIds: string[], pageSize = 2000): AsyncGenerator<string[]> {
    return readAhead(this.pages(recordIds, pageSize));
  }

  private async *pages(recordIds: string[], pageSize: number): AsyncGenerator<string[]> {
    const counts = await accessCountPerRecord(this.db, recordIds);
    let batch: string[] = [];
    let inBatch = 0;
    const flush = async () => {
      const rows = await accessEntriesOfFewRecords(this.db, batch);
      const order = new Map(batch.map((id, i) => [id, i]));
      rows.sort(
        (a, b) => order.get(a.record_id)! - order.get(b.record_id)! || compare(a.time, b.time) || compare(a.access_id, b.access_id),
      );
      batch = [];
      inBatch = 0;
      return rows.map((r) => r.body);
    };
    for (const id of recordIds) {
      const n = counts.get(id) ?? 0;
      if (n === 0) continue;
      if (batch.length > 0 && (inBatch + n > pageSize || n > pageSize)) yield await flush();
      if (n > pageSize) yield* accessBodiesOfRecord(this.db, id, pageSize);
      else {
        batch.push(id);
        inBatch += n;
      }
    }
    if (batch.length > 0) yield await flush();
  }

  /** Entries per record and outcome, with the first and last time (the export's summary). */
  counts(recordIds: string[]) {
    return accessCountsOfRecords(this.db, recordIds);
  }

  /** Every access record of the given consent records, oldest first (a move's bundle). */
  async all(recordIds: string[]): Promise<Array<Record<string, unknown>>> {
    return (await accessBodiesOfRecords(this.db, recordIds)).map((b) => JSON.parse(b) as Record<string, unknown>);
  }
}
