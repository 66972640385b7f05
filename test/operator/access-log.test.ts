/**
 * The operator's access log on both dialects, as "who used my data" reads it: filtered by
 * service, source, period and outcome in the query, and paged by (time, access id) so that
 * entries with the same time are neither skipped nor repeated, towards older and newer pages;
 * migration 0005 fills the new source column from the entries already kept.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { operatorMigrations, type OperatorDatabase } from '../../src/operator/operator.tables.ts';
import type { AccessLogFilter } from '../../src/operator/transparency/access-log.repository.ts';
import { AccessReports, type ReportedAccessRecord } from '../../src/operator/transparency/access-reports.ts';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.ts';
import { migrator, step } from '../helpers/schema-snapshot.ts';
import { dialectCases, dropLocation } from '../helpers/stores.ts';

const SOURCES = ['https://gw/sources/incomes', 'https://gw/sources/taxes'];
const RECORDS = ['urn:uuid:r1', 'urn:uuid:r2', 'urn:uuid:r3'];

/** 60 entries over three records: every third second shared by three entries (ties), sources, services and outcomes mixed. */
const ENTRIES: ReportedAccessRecord[] = Array.from({ length: 60 }, (_, i) => ({
  access_id: `a-${String(i).padStart(3, '0')}`,
  time: new Date(Date.UTC(2025, 5, 1, 12, 0, Math.floor(i / 3))).toISOString(),
  outcome: i % 7 === 0 ? 'refused' : 'allowed',
  source: SOURCES[i % 2]!,
  consent_record_id: RECORDS[i % 3]!,
  client_id: i % 5 === 0 ? 'tax-office' : 'fee-service',
}));

/** The entries a filter should give, newest first (by time, then access id). */
function expected(keep: (e: ReportedAccessRecord) => boolean): string[] {
  return ENTRIES.filter(keep)
    .sort((a, b) => (a.time === b.time ? b.access_id.localeCompare(a.access_id) : b.time.localeCompare(a.time)))
    .map((e) => e.access_id);
}

for (const dialect of dialectCases()) {
  describe(`the operator's access log on ${dialect.name}`, () => {
    const stores: Store<OperatorDatabase>[] = [];
    afterAll(async () => {
      for (const s of stores) {
        await s.close();
        await dropLocation(s.location);
      }
    });
    const reports = async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      stores.push(store);
      await migrateToLatest(store, operatorMigrations);
      const r = new AccessReports(store.db, store.dialect);
      await r.accept('gateway', ENTRIES);
      return r;
    };
    const ids = async (r: AccessReports, filter: AccessLogFilter) => (await r.page(RECORDS, filter)).map((e) => String(e.access_id));

    it('filters by service, source, period and outcome in the query', async () => {
      const r = await reports();
      expect(await ids(r, { source: SOURCES[1] })).toEqual(expected((e) => e.source === SOURCES[1]));
      expect(await ids(r, { client_id: 'tax-office', outcome: 'allowed' })).toEqual(
        expected((e) => e.client_id === 'tax-office' && e.outcome === 'allowed'),
      );
      const [from, before] = ['2025-06-01T12:00:05.000Z', '2025-06-01T12:00:09.000Z'];
      expect(await ids(r, { from, before, source: SOURCES[0] })).toEqual(
        expected((e) => e.time >= from && e.time < before && e.source === SOURCES[0]),
      );
      expect(await ids(r, { source: 'unknown:nothing' })).toEqual([]);
    });

    it('pages towards older entries and back, each entry once, ties in time included', async () => {
      const r = await reports();
      const all = expected(() => true);
      const seen: string[] = [];
      let page = await r.page(RECORDS, { limit: 7 });
      while (page.length > 0) {
        seen.push(...page.map((e) => String(e.access_id)));
        const last = page.at(-1)!;
        page = await r.page(RECORDS, { limit: 7, older_than: { time: String(last.time), access_id: String(last.access_id) } });
      }
      expect(seen).toEqual(all);
      // the seven entries just newer than the 20th, newest first
      const at = ENTRIES.find((e) => e.access_id === all[20])!;
      expect(await ids(r, { limit: 7, newer_than: { time: at.time, access_id: at.access_id } })).toEqual(all.slice(13, 20));
      const fees = expected((e) => e.client_id === 'fee-service');
      const cursor = ENTRIES.find((e) => e.access_id === fees[4])!;
      expect(await ids(r, { limit: 3, client_id: 'fee-service', older_than: cursor })).toEqual(fees.slice(5, 8));
    });

    it('fills the source of entries kept before migration 0005 from their body', async () => {
      const store = await openStore<OperatorDatabase>(dialect.location());
      stores.push(store);
      const m = migrator(store as Store<unknown>, operatorMigrations(store.dialect));
      await step(m, '0004_access_log_covering_index');
      const e = ENTRIES[1]!;
      await sql`insert into ${sql.table('access_log')} (access_id, record_id, client_id, gateway_client_id, time, outcome, body, received_at)
        values (${e.access_id}, ${e.consent_record_id}, ${e.client_id}, 'gateway', ${e.time}, ${e.outcome}, ${JSON.stringify(e)}, 1)`.execute(
        store.db,
      );
      await migrateToLatest(store, operatorMigrations);
      const r = new AccessReports(store.db, store.dialect);
      expect(await ids(r, { source: e.source })).toEqual([e.access_id]);
    });
  });
}
