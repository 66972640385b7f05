/**
 * The only code that queries the operator's access log: batches of reports from gateways
 * (idempotent by `access_id`), a citizen's page of it (the scale bench EXPLAINs
 * `accessLogPage`), every entry of a set of records (a move's bundle), and every entry of a
 * record page by page with counts per record (the export).
 */
import { sql, type Insertable, type RawBuilder } from 'kysely';
import type { AccessLogDatabase, AccessLogTable } from './access-log.tables.ts';
import type { Dialect, Queryable } from '../../store/database.ts';

type Db = Queryable<AccessLogDatabase>;

/** One entry's place in the access log, for paging: entries sort by time, then access id. */
export interface AccessLogCursor {
  time: string;
  access_id: string;
}

/** Which entries of the citizen's access log to show, newest first. */
export interface AccessLogFilter {
  record_id?: string;
  outcome?: 'allowed' | 'refused' | 'error';
  client_id?: string;
  /** The source's resource URI. */
  source?: string;
  from?: string;
  to?: string;
  limit?: number;
  before?: string;
  /** Only entries older than this one (the next page). */
  older_than?: AccessLogCursor;
  /** Only the entries nearest to and newer than this one (the previous page); still returned newest first. */
  newer_than?: AccessLogCursor;
}

/** Stores access records, 100 per statement, skipping those already stored; returns how many were new. */
export async function insertAccessRecords(db: Db, rows: Array<Insertable<AccessLogTable>>): Promise<number> {
  let accepted = 0;
  // multi-row inserts, 100 at a time: a batch of 1000 records costs ten statements
  for (let i = 0; i < rows.length; i += 100) {
    const res = await db
      .insertInto('access_log')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) => oc.column('access_id').doNothing())
      .executeTakeFirst();
    accepted += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return accepted;
}

/**
 * The access ids of one page of the access log of a set of consent records, newest first (the
 * scale bench EXPLAINs it). Each record contributes its newest `limit` entries by an index-only
 * walk of (record_id, time, access_id); only the bodies of the final page are read after. A
 * single `record_id IN (…) ORDER BY time` would read and sort every entry of every record: 0.7 s
 * for a citizen with 100 000 entries. PostgreSQL walks the records with a LATERAL join over an
 * array (one small plan); SQLite, which has no LATERAL, with a UNION ALL of one limited branch
 * per record.
 */
export function accessLogPage(db: Db, dialect: Dialect, ids: string[], filter: AccessLogFilter) {
  const limit = Math.min(filter.limit ?? 100, 1000);
  // a previous page walks towards newer entries from its cursor; every other page towards older ones
  const cursor = filter.newer_than ?? filter.older_than;
  const dir = filter.newer_than ? 'asc' : 'desc';
  const past = filter.newer_than ? '>' : '<';
  const newestOf = (recordId: string | RawBuilder<string>) => {
    let q = db.selectFrom('access_log').select(['access_id', 'time']).where('record_id', '=', recordId);
    if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
    if (filter.client_id) q = q.where('client_id', '=', filter.client_id);
    if (filter.source) q = q.where('source', '=', filter.source);
    if (filter.from) q = q.where('time', '>=', filter.from);
    if (filter.to) q = q.where('time', '<=', filter.to);
    if (filter.before) q = q.where('time', '<', filter.before);
    if (cursor)
      q = q.where((eb) =>
        eb.or([eb('time', past, cursor.time), eb.and([eb('time', '=', cursor.time), eb('access_id', past, cursor.access_id)])]),
      );
    return q.orderBy('time', dir).orderBy('access_id', dir).limit(limit);
  };
  if (dialect === 'postgres') {
    const newest = newestOf(sql.ref<string>('r.id'));
    const order = sql.raw(dir);
    const lateral = sql<{ access_id: string }>`(select newest.access_id from unnest(${ids}::text[]) as r(id)
      cross join lateral (${newest}) as newest order by newest.time ${order}, newest.access_id ${order} limit ${limit})`;
    return db.selectFrom(lateral.as('page')).select('page.access_id');
  }
  const branches = ids.map((id, i) => db.selectFrom(newestOf(id).as(`r${i}`)).selectAll());
  const all = branches.slice(1).reduce((acc, q) => acc.unionAll(q), branches[0]!);
  return db
    .selectFrom(all.as('newest'))
    .select('newest.access_id')
    .orderBy('newest.time', dir)
    .orderBy('newest.access_id', dir)
    .limit(limit);
}

/** A stored entry: the record as reported (the leaf's bytes), its inclusion proof once sent, and the operator it came from with a move. */
export interface StoredEntry {
  body: string;
  proof: string | null;
  moved_from: string | null;
}

/** The bodies and proofs of the given entries, newest first. */
export async function accessBodies(db: Db, accessIds: string[]): Promise<StoredEntry[]> {
  // by primary key, given as a list (a subquery here makes SQLite scan the table)
  return db
    .selectFrom('access_log')
    .select(['body', 'proof', 'moved_from'])
    .where('access_id', 'in', accessIds)
    .orderBy('time', 'desc')
    .orderBy('access_id', 'desc')
    .execute();
}

/** Every entry's body and proof for the given records, oldest first. */
export async function accessBodiesOfRecords(db: Db, recordIds: string[]): Promise<StoredEntry[]> {
  if (recordIds.length === 0) return [];
  return db.selectFrom('access_log').select(['body', 'proof', 'moved_from']).where('record_id', 'in', recordIds).orderBy('time').execute();
}

/** The bodies of entries a gateway client reported, by access id. */
export async function reportedBodies(db: Db, gatewayClientId: string, accessIds: string[]): Promise<Map<string, string>> {
  if (accessIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('access_log')
    .select(['access_id', 'body'])
    .where('gateway_client_id', '=', gatewayClientId)
    .where('access_id', 'in', accessIds)
    .execute();
  return new Map(rows.map((r) => [r.access_id, r.body]));
}

/** Stores an entry's inclusion proof. */
export async function setProof(db: Db, accessId: string, proof: string): Promise<void> {
  await db.updateTable('access_log').set({ proof }).where('access_id', '=', accessId).execute();
}

/**
 * Every entry's body of one consent record, oldest first, `pageSize` at a time: a keyset walk
 * of the (record_id, time, access_id) index, so a caller holds one page, however many there are.
 */
export async function* accessBodiesOfRecord(db: Db, recordId: string, pageSize: number): AsyncGenerator<StoredEntry[]> {
  let after: { time: string; access_id: string } | undefined;
  for (;;) {
    let q = db.selectFrom('access_log').select(['access_id', 'time', 'body', 'proof', 'moved_from']).where('record_id', '=', recordId);
    if (after) {
      const a = after;
      q = q.where((eb) => eb(eb.refTuple('time', 'access_id'), '>', eb.tuple(a.time, a.access_id)));
    }
    const rows = await q.orderBy('time').orderBy('access_id').limit(pageSize).execute();
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { time: last.time, access_id: last.access_id };
  }
}

/** How many entries each record has (the export packs records into pages by it). */
export async function accessCountPerRecord(db: Db, recordIds: string[]): Promise<Map<string, number>> {
  if (recordIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('access_log')
    .select((eb) => ['record_id', eb.fn.countAll<number>().as('n')])
    .where('record_id', 'in', recordIds)
    .groupBy('record_id')
    .execute();
  return new Map(rows.map((r) => [r.record_id!, Number(r.n)]));
}

/**
 * Every entry of a few records (a page's worth in all), unordered: the caller sorts a page in
 * memory, cheaper than the database's collation-aware sort of wide rows.
 */
export async function accessEntriesOfFewRecords(
  db: Db,
  recordIds: string[],
): Promise<Array<StoredEntry & { record_id: string; time: string; access_id: string }>> {
  if (recordIds.length === 0) return [];
  const rows = await db
    .selectFrom('access_log')
    .select(['record_id', 'time', 'access_id', 'body', 'proof', 'moved_from'])
    .where('record_id', 'in', recordIds)
    .execute();
  return rows.map((r) => ({
    record_id: r.record_id!,
    time: r.time,
    access_id: r.access_id,
    body: r.body,
    proof: r.proof,
    moved_from: r.moved_from,
  }));
}

/** How many entries each record has per outcome, with the first and last time. */
export async function accessCountsOfRecords(
  db: Db,
  recordIds: string[],
): Promise<Array<{ record_id: string; outcome: string; n: number; first: string; last: string }>> {
  if (recordIds.length === 0) return [];
  const rows = await db
    .selectFrom('access_log')
    .select((eb) => [
      'record_id',
      'outcome',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min<string>('time').as('first'),
      eb.fn.max<string>('time').as('last'),
    ])
    .where('record_id', 'in', recordIds)
    .groupBy(['record_id', 'outcome'])
    .execute();
  return rows.map((r) => ({ record_id: r.record_id!, outcome: r.outcome, n: Number(r.n), first: r.first, last: r.last }));
}
