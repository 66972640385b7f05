/**
 * Transparency at the operator: gateways report every access made under a consent record
 * issued here, and the citizen sees who used their data ("who used my data", the export and
 * the move). Reports are idempotent by `access_id`, so a gateway may resend a batch.
 */
import type { Kysely } from 'kysely';
import type { AccessRecord } from '../../audit/access-record.ts';
import type { Dialect } from '../../store/database.ts';
import { proofHashes, recordLeafHash, type RecordProof } from '../../audit/access-record.ts';
import { parseCheckpoint } from '../../audit/tlog/checkpoint.ts';
import { parseNote } from '../../audit/tlog/note.ts';
import { verifyInclusion } from '../../audit/tlog/merkle.ts';
import { checkMoved, type LogEvidence } from '../../audit/export-verify.ts';
import {
  accessBodies,
  accessBodiesOfRecords,
  accessLogPage,
  insertAccessRecords,
  reportedBodies,
  setProof,
  type AccessLogFilter,
  type StoredEntry,
  accessBodiesOfRecord,
  accessCountPerRecord,
  accessCountsOfRecords,
  accessEntriesOfFewRecords,
} from './access-log.repository.ts';
import type { AccessLogDatabase } from './access-log.tables.ts';

/**
 * An access record as a gateway reports it: the report schema checks the fields the operator
 * files it by; the record is kept as sent.
 */
export type ReportedAccessRecord = Pick<AccessRecord, 'access_id' | 'time' | 'outcome' | 'source'> &
  Partial<Pick<AccessRecord, 'consent_record_id' | 'client_id'>>;

/** A checkpoint an inclusion proof leads to. */
export interface ProofCheckpoint {
  origin: string;
  size: number;
}

/** Finds a checkpoint note the witness cosigned, by log origin and size. */
export type CosignedLookup = (origin: string, size: number) => Promise<string | undefined>;

/**
 * A stored entry as shown and exported: the record as reported, with `proof` (a RecordProof) once
 * the gateway sent it, and `moved_from` (the old operator) for one that came with a move.
 */
function withProof(e: StoredEntry): Record<string, unknown> {
  const record = JSON.parse(e.body) as Record<string, unknown>;
  return {
    ...record,
    ...(e.proof === null ? {} : { proof: JSON.parse(e.proof) as RecordProof }),
    ...(e.moved_from === null ? {} : { moved_from: e.moved_from }),
  };
}

/** Whether `proof` shows the record `body` at its own position in the checkpoint's tree. */
function provesRecord(
  body: string,
  proof: { index: number; hashes: string[] },
  checkpoint: { size: number; rootHash: Uint8Array },
): boolean {
  const seq = (JSON.parse(body) as { seq?: unknown }).seq;
  if (seq !== proof.index + 1 || proof.index >= checkpoint.size) return false;
  const hashes = proofHashes(proof.hashes);
  return hashes !== undefined && verifyInclusion(proof.index, checkpoint.size, recordLeafHash(body), hashes, checkpoint.rootHash);
}

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

  private readonly cosigned: CosignedLookup;

  /** `cosigned` finds a checkpoint note this operator's witness cosigned (by origin and size). */
  constructor(db: Kysely<AccessLogDatabase>, dialect: Dialect, cosigned: CosignedLookup = async () => undefined) {
    this.db = db;
    this.dialect = dialect;
    this.cosigned = cosigned;
  }

  /**
   * Checks shown entries (as {@link page} returns them) against the checkpoints this operator
   * cosigned: `proven` when the inclusion proof verifies, `broken` when it fails or its checkpoint
   * is unknown, `pending` while the proof has not arrived (within about a second of the read).
   */
  async checkEntries(
    entries: Array<Record<string, unknown>>,
    moved: ReadonlyMap<string, readonly LogEvidence[]> = new Map(),
  ): Promise<Array<'proven' | 'broken' | 'pending'>> {
    const notes = new Map<string, Promise<string | undefined>>();
    return Promise.all(
      entries.map(async (e) => {
        const { proof, moved_from, ...record } = e as { proof?: RecordProof; moved_from?: string };
        if (!proof) return 'pending';
        // an entry that came with a move: against the evidence the old operator signed into the bundle
        if (moved_from !== undefined)
          return checkMoved({ ...record, proof }, moved.get(moved_from) ?? [], moved_from) ? 'broken' : 'proven';
        const id = `${proof.origin} ${proof.size}`;
        if (!notes.has(id)) notes.set(id, this.cosigned(proof.origin, proof.size));
        const note = await notes.get(id);
        const checkpoint = note === undefined ? undefined : parseCheckpoint(parseNote(note).text);
        return checkpoint && provesRecord(JSON.stringify(record), proof, checkpoint) ? 'proven' : 'broken';
      }),
    );
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
        source: r.source,
        body: JSON.stringify(r),
        received_at: now,
        proof: null,
        moved_from: null,
      })),
    );
  }

  /**
   * Keeps the access records that came with a citizen's move from `peer`, each as the old operator
   * held it (the gateway's record and its proof), marked with where it came from; idempotent by
   * `access_id`. Entries without the fields the log is filed by are left out. Returns how many were new.
   */
  async importMoved(peer: string, entries: ReadonlyArray<Record<string, unknown>>, now = Date.now()): Promise<number> {
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const rows = entries.flatMap((e) => {
      const { proof, moved_from: _earlier, ...record } = e;
      const [id, time, outcome] = [text(record.access_id), text(record.time), text(record.outcome)];
      if (id === null || time === null || outcome === null) return [];
      return [
        {
          access_id: id,
          record_id: text(record.consent_record_id),
          client_id: text(record.client_id),
          gateway_client_id: peer,
          time,
          outcome,
          source: text(record.source),
          body: JSON.stringify(record),
          received_at: now,
          proof: proof === undefined ? null : JSON.stringify(proof),
          moved_from: peer,
        },
      ];
    });
    return insertAccessRecords(this.db, rows);
  }

  /** One page of the access records of the given consent records, newest first, filtered. */
  async page(recordIds: string[], filter: AccessLogFilter = {}): Promise<Array<Record<string, unknown>>> {
    const ids = filter.record_id ? recordIds.filter((i) => i === filter.record_id) : recordIds;
    if (ids.length === 0) return [];
    const page = (await this.pageQuery(ids, filter).execute()).map((r) => r.access_id);
    if (page.length === 0) return [];
    return (await accessBodies(this.db, page)).map(withProof);
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
  stream(recordIds: string[], pageSize = 2000, checkpoints?: Map<string, ProofCheckpoint>): AsyncGenerator<string[]> {
    return readAhead(this.texts(this.pages(recordIds, pageSize), checkpoints));
  }

  /**
   * Each entry as exported: the record's text as the gateway sent it, with its `proof` added as
   * the last member (text-wise: the record is not parsed, so it stays the leaf it was); the
   * checkpoints the proofs lead to are collected in `checkpoints` ("<origin> <size>").
   */
  private async *texts(
    pages: AsyncGenerator<StoredEntry[]>,
    checkpoints: Map<string, ProofCheckpoint> | undefined,
  ): AsyncGenerator<string[]> {
    for await (const page of pages)
      yield page.map(({ body, proof, moved_from }) => {
        const moved = moved_from === null ? '' : `,"moved_from":${JSON.stringify(moved_from)}`;
        if (proof === null) return moved ? `${body.slice(0, body.lastIndexOf('}'))}${moved}}` : body;
        // an entry that came with a move is proven by the old operator's evidence (the export's `transparency.moved`)
        if (checkpoints && !moved) {
          const { origin, size } = JSON.parse(proof) as RecordProof;
          checkpoints.set(`${origin} ${size}`, { origin, size });
        }
        return `${body.slice(0, body.lastIndexOf('}'))},"proof":${proof}${moved}}`;
      });
  }

  private async *pages(recordIds: string[], pageSize: number): AsyncGenerator<StoredEntry[]> {
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
      return rows;
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
    return (await accessBodiesOfRecords(this.db, recordIds)).map(withProof);
  }

  /**
   * Checks and stores inclusion proofs a gateway sent for records it reported: each against the
   * root of `checkpoint` (one this operator cosigned for that gateway's log), the leaf being the
   * stored body and its index the record's position. Returns how many were stored and refused.
   */
  async attachProofs(
    gatewayClientId: string,
    checkpoint: { origin: string; size: number; rootHash: Uint8Array },
    proofs: Array<{ access_id: string; index: number; hashes: string[] }>,
  ): Promise<{ attached: number; refused: number }> {
    const bodies = await reportedBodies(
      this.db,
      gatewayClientId,
      proofs.map((p) => p.access_id),
    );
    let attached = 0;
    for (const p of proofs) {
      const body = bodies.get(p.access_id);
      if (body === undefined || !provesRecord(body, p, checkpoint)) continue;
      await setProof(
        this.db,
        p.access_id,
        JSON.stringify({ origin: checkpoint.origin, size: checkpoint.size, index: p.index, hashes: p.hashes }),
      );
      attached += 1;
    }
    return { attached, refused: proofs.length - attached };
  }
}
