/**
 * The operator's access log read page by page for the export, on SQLite and PostgreSQL: a
 * keyset walk of (record_id, time, access_id) yields every entry of every record exactly once,
 * oldest first within each record, ties in time kept apart by id, one bounded page at a time;
 * the counts per record and outcome match.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { operatorMigrations, type OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { AccessReports, type ReportedAccessRecord } from '../../src/operator/transparency/access-reports.ts';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

const HASH = 'a'.repeat(64);

function record(recordId: string, time: string, outcome: 'allowed' | 'refused'): ReportedAccessRecord {
  return {
    access_id: `urn:uuid:${randomUUID()}`,
    time,
    outcome,
    consent_record_id: recordId,
    client_id: 'svc',
    source: 'https://gw/sources/s',
  };
}

describe.each(dialectCases())('the access log streamed for the export on $name', (dialect) => {
  const opened: Store<OperatorDatabase>[] = [];
  afterAll(async () => {
    for (const s of opened) {
      await s.close();
      await dropLocation(s.location);
    }
  });

  it('yields every entry once, record after record, oldest first, in pages of the asked size', async () => {
    const store = await openStore<OperatorDatabase>(dialect.location());
    opened.push(store);
    await migrateToLatest(store, operatorMigrations);
    const reports = new AccessReports(store.db, store.dialect);
    const records = ['urn:uuid:r1', 'urn:uuid:r2', 'urn:uuid:r3'];
    const written = new Map<string, ReportedAccessRecord[]>(records.map((r) => [r, []]));
    for (let i = 0; i < 2500; i += 1) {
      const recordId = records[i % 3 === 0 ? 0 : i % 7 === 0 ? 2 : 1]!;
      // four entries share each second: the walk must not lose or repeat any of them at a page border
      const r = record(recordId, new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 4) * 1000).toISOString(), i % 5 ? 'allowed' : 'refused');
      written.get(recordId)!.push({ ...r, hash: HASH, prev_hash: HASH } as ReportedAccessRecord);
    }
    for (const batch of written.values()) await reports.accept('gateway', batch);

    const pages: string[][] = [];
    for await (const page of reports.stream(records, 100)) pages.push(page);
    expect(Math.max(...pages.map((p) => p.length))).toBe(100);
    const got = pages.flat().map((b) => JSON.parse(b) as ReportedAccessRecord);
    const expected = records.flatMap((id) =>
      [...written.get(id)!].sort((a, b) => (a.time === b.time ? (a.access_id < b.access_id ? -1 : 1) : a.time < b.time ? -1 : 1)),
    );
    expect(got.map((r) => r.access_id)).toEqual(expected.map((r) => r.access_id));

    const counts = await reports.counts(records);
    for (const id of records) {
      const mine = written.get(id)!;
      const allowed = counts.find((c) => c.record_id === id && c.outcome === 'allowed');
      expect(allowed?.n).toBe(mine.filter((r) => r.outcome === 'allowed').length);
      expect(allowed?.first).toBe(
        mine
          .filter((r) => r.outcome === 'allowed')
          .map((r) => r.time)
          .sort()[0],
      );
    }
    // many small records share pages (one query each), in the order asked, with a big one walked along its index between them
    const small = Array.from({ length: 40 }, (_, i) => `urn:uuid:s${String(39 - i).padStart(2, '0')}`);
    const mixed = [...small.slice(0, 20), 'urn:uuid:r1', ...small.slice(20)];
    const smallWritten = small.flatMap((id, i) =>
      Array.from({ length: 7 + (i % 5) }, (_, j) => ({
        ...record(id, new Date(Date.UTC(2025, 1, 1) + Math.floor(j / 2) * 1000).toISOString(), 'allowed'),
        hash: HASH,
        prev_hash: HASH,
      })),
    );
    await reports.accept('gateway', smallWritten as ReportedAccessRecord[]);
    const mixedPages: string[][] = [];
    for await (const page of reports.stream(mixed, 100)) mixedPages.push(page);
    expect(Math.max(...mixedPages.map((p) => p.length))).toBe(100);
    const byId = (id: string) =>
      (id === 'urn:uuid:r1' ? written.get(id)! : smallWritten.filter((r) => r.consent_record_id === id)).sort((a, b) =>
        a.time === b.time ? (a.access_id < b.access_id ? -1 : 1) : a.time < b.time ? -1 : 1,
      );
    expect(mixedPages.flat().map((b) => (JSON.parse(b) as ReportedAccessRecord).access_id)).toEqual(
      mixed.flatMap((id) => byId(id).map((r) => r.access_id)),
    );

    // a record without entries yields no page at all
    const none: string[][] = [];
    for await (const p of reports.stream(['urn:uuid:none'])) none.push(p);
    expect(none).toEqual([]);
  });
});
