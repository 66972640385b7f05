/**
 * The complete, documented export (GDPR Art. 15 and 20): a citizen with more than 10,000
 * access records downloads a file that holds every one of them, their consent records with
 * history and receipts, their standing permission, keychain and data-store document with its
 * provenance, and that validates (ajv, JSON Schema 2020-12) against the schema the operator
 * publishes at /schemas/export.json, which equals docs/export.schema.json. The response is a
 * stream (it starts long before the last record is read, and a paused reader holds the server
 * back) and the export's live memory stays a small fraction of its size. The browser gets a
 * summary page; the operator's DPO gets the same file from `portti export --person`.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, decide, type Citizen } from '../../src/demo/citizen-client.ts';
import { AccessReports, type ReportedAccessRecord } from '../../src/operator/transparency/access-reports.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { openStore } from '../../src/store/database.ts';
import type { Operator } from '../../src/operator/operator.ts';
import { tempDir } from '../helpers/stores.ts';
import {
  createTestService,
  fileRequest,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  type TestService,
} from '../helpers/world.ts';
import { startPdsWorld, type PdsWorld } from '../pds/pds-world.ts';

const SYNTHETIC = 30_000;
const AINO = PEOPLE.aino.personal_identity_code;

interface ExportFile {
  format: string;
  subject: { account_id: string | null; identifiers: Array<{ identifier: string }> };
  keychain: unknown[];
  consent_records: Array<{ record_id: string; status: string; history: unknown[]; receipts: Array<{ jws: string }> }>;
  standing_permissions: Array<{ label: string }>;
  data_store: { status: string; documents: Array<{ category: string; provenance: { depositor: string } }> };
  access_log: Array<{ access_id: string; proof?: unknown; status?: number }>;
  transparency: { checkpoints: Record<string, string>; log_keys: Record<string, string[]>; witness_key: string };
  access_log_count: number;
  complete: boolean;
  requested_by: string;
}

/** A reported access record of `recordId` (the shape gateways report), at `time`. */
function syntheticRecord(recordId: string, clientId: string, resource: string, i: number, time: string): ReportedAccessRecord {
  return {
    access_id: `urn:uuid:${randomUUID()}`,
    time,
    chain: 'gateway/synthetic',
    seq: i,
    iss: 'http://operator.test',
    client_id: clientId,
    consent_record_id: recordId,
    source: resource,
    operation: 'income',
    datatypes_released: ['annual_income'],
    purpose: PURPOSE,
    outcome: i % 10 === 0 ? 'refused' : 'allowed',
    status: i % 10 === 0 ? 403 : 200,
    reason: null,
    subject_ref: 'p1',
    prev_hash: randomBytes(32).toString('hex'),
    hash: randomBytes(32).toString('hex'),
  } as ReportedAccessRecord;
}

/** Runs `portti` with standard output into `out`, without blocking this process (its servers answer the command). */
function portti(args: string[], out: string): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(out, 'w');
  const child = spawn(process.execPath, ['bin/portti.js', ...args], {
    stdio: ['ignore', fd, 'pipe'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      closeSync(fd);
      resolve({ code, stderr });
    }),
  );
}

describe('the personal-data export', () => {
  let setup: PdsWorld;
  let op: Operator;
  let service: TestService;
  let aino: Citizen;
  let recordId: string;
  let dir: string;
  const expectedIds = new Set<string>();

  beforeAll(async () => {
    dir = tempDir();
    setup = await startPdsWorld({}, { location: (name) => ({ kind: 'sqlite', path: join(dir, `${name}.db`) }) });
    const { world } = setup;
    op = world.operators.a;
    service = await createTestService('export-service');
    await op.registry.putService(serviceDefinition(service));
    aino = await signIn(world.issuers.a, 'demo', 'aino');
    const filed = await fileRequest(service, world.issuers.a, [AINO]);
    recordId = filed.record_id;
    expect((await decide(aino, recordId, { approve: true, choices: [] })).status).toBe(200);
    const me = (await (await aino.browser.get(`${world.issuers.a}/citizen/api/me`)).json()) as { account_id: string };
    await op.arrangements.create(me.account_id, {
      label: 'Income for fees',
      purpose: PURPOSE,
      attributes: [`${world.resource}#annual_income`],
    });
    expect(await setup.deposit(AINO, { tax_year: 2025, earned_income: 41000, employer: 'City', postal_code: '00100' })).toBe(201);

    // one real read through the gateway, reported to the operator
    for (let i = 0; i < 100 && world.gateway.replica.get(world.issuers.a, recordId, world.resource)?.status !== 'active'; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    const token = await sourceToken(service, world.issuers.a, world.resource, recordId, ['annual_income', 'income_year']);
    const read = await readSource(service, `${world.resource}/income`, token);
    expect(read.status).toBe(200);
    expectedIds.add(read.headers.get('portti-access-id')!);
    // reported at once, its inclusion proof once the operator has cosigned a checkpoint (about a second)
    const proven = async () => (await op.citizens.accessLog(me.account_id)).some((e) => (e as { proof?: unknown }).proof);
    for (let i = 0; i < 200 && !(await proven()); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await proven()).toBe(true);

    // and many more, as gateways would have reported them over the years (same time for some: ties are kept apart by id)
    const store = await openStore<OperatorDatabase>({ kind: 'sqlite', path: join(dir, 'operator-a.db') });
    const reports = new AccessReports(store.db, store.dialect);
    const base = Date.parse('2024-01-01T00:00:00Z');
    for (let start = 0; start < SYNTHETIC; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => {
        const i = start + j;
        return syntheticRecord(recordId, service.clientId, world.resource, i, new Date(base + Math.floor(i / 3) * 60_000).toISOString());
      });
      for (const r of batch) expectedIds.add(r.access_id);
      await reports.accept('gateway', batch);
    }
    await store.close();
    // the synchronous inserts held the event loop: let idle keep-alive sockets close before the tests run
    await new Promise((r) => setTimeout(r, 200));
  }, 120_000);
  afterAll(async () => setup?.close());

  it('holds every access record and everything else, valid against the published schema', async () => {
    const res = await aino.browser.get(`${setup.world.issuers.a}/citizen/api/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="portti-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const text = await res.text();
    const file = JSON.parse(text) as ExportFile;

    const schema = (await (await fetch(`${setup.world.issuers.a}/schemas/export.json`)).json()) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(file), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);

    expect(file.complete).toBe(true);
    expect(file.requested_by).toBe('data_subject');
    expect(file.access_log).toHaveLength(SYNTHETIC + 1);
    expect(file.access_log_count).toBe(SYNTHETIC + 1);
    expect(new Set(file.access_log.map((r) => r.access_id))).toEqual(expectedIds);
    const record = file.consent_records.find((r) => r.record_id === recordId)!;
    expect(record.status).toBe('active');
    expect(record.history.length).toBeGreaterThanOrEqual(2);
    expect(record.receipts.length).toBeGreaterThanOrEqual(2);
    expect(file.standing_permissions.map((p) => p.label)).toEqual(['Income for fees']);
    expect(file.keychain.length).toBe(1);
    expect(file.subject.identifiers.map((i) => i.identifier)).toContain(AINO);
    expect(file.data_store.status).toBe('included');
    expect(file.data_store.documents.map((d) => [d.category, d.provenance.depositor])).toEqual([['tax-decision', 'tax-administration']]);
    console.log(`export: ${file.access_log.length} access records, ${(text.length / 1e6).toFixed(1)} MB`);
  }, 60_000);

  it('carries the proofs and the witnessed checkpoints: `portti audit verify-export` checks them offline and catches an edit', async () => {
    const text = await (await aino.browser.get(`${setup.world.issuers.a}/citizen/api/export`)).text();
    const file = JSON.parse(text) as ExportFile;
    const witnessKey = await (await fetch(`${setup.world.issuers.a}/witness/key`)).text();
    expect(file.transparency.witness_key).toBe(witnessKey.trim());
    const proven = file.access_log.filter((e) => e.proof);
    expect(proven.map((e) => e.access_id)).toEqual([...expectedIds].filter((id) => proven.some((e) => e.access_id === id)));
    expect(proven).toHaveLength(1); // the real read; the synthetic history has no log behind it
    expect(Object.keys(file.transparency.checkpoints)).toHaveLength(1);

    const whole = join(dir, 'export.json');
    writeFileSync(whole, text);
    const all = await portti(['audit', 'verify-export', whole], join(dir, 'verify-all.txt'));
    expect(all.code, all.stderr).toBe(3);
    expect(readFileSync(join(dir, 'verify-all.txt'), 'utf8')).toContain(`UNPROVEN: ${SYNTHETIC} records have no inclusion proof yet`);

    const real = join(dir, 'export-real.json');
    writeFileSync(real, JSON.stringify({ ...file, access_log: proven }));
    const ok = await portti(['audit', 'verify-export', real], join(dir, 'verify-real.txt'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'verify-real.txt'), 'utf8')).toMatch(
      /^1 of 1 access records verified against the signed, witnessed log\n/,
    );

    // the operator (or anyone holding the file) turns the allowed read into a refused one
    const edited = join(dir, 'export-edited.json');
    writeFileSync(edited, JSON.stringify({ ...file, access_log: proven.map((e) => ({ ...e, status: 403 })) }));
    const bad = await portti(['audit', 'verify-export', edited], join(dir, 'verify-edited.txt'));
    expect(bad.code).toBe(1);
    expect(readFileSync(join(dir, 'verify-edited.txt'), 'utf8')).toContain(
      `FAILED ${proven[0]!.access_id}: the record is not in the log its checkpoint commits to`,
    );
  }, 60_000);

  it('publishes the same schema in docs/ as at /schemas/export.json', async () => {
    const served = await (await fetch(`${setup.world.issuers.a}/schemas/export.json`)).json();
    const docs = JSON.parse(readFileSync(new URL('../../docs/export.schema.json', import.meta.url), 'utf8')) as unknown;
    // regenerate with: npx portti export --schema > docs/export.schema.json
    expect(docs).toEqual(served);
  });

  it('streams: the response starts before the end is produced, and a paused reader holds the server back', async () => {
    let produced = 0;
    let finished = false;
    const original = op.exports.chunks.bind(op.exports);
    op.exports.chunks = async function* (prepared) {
      for await (const chunk of original(prepared)) {
        produced += chunk.length;
        yield chunk;
      }
      finished = true;
    };
    try {
      const cookie = `portti_session=${aino.browser.cookie(setup.world.issuers.a, 'portti_session')}`;
      const seen = await new Promise<{
        total: number;
        atFirst: number;
        doneAtFirst: boolean;
        whilePaused: number;
        doneWhilePaused: boolean;
      }>((resolve, reject) => {
        get(`${setup.world.issuers.a}/citizen/api/export`, { headers: { cookie } }, (res) => {
          const seen = { total: 0, atFirst: -1, doneAtFirst: false, whilePaused: -1, doneWhilePaused: false };
          res.on('data', (chunk: Buffer) => {
            seen.total += chunk.length;
            if (seen.atFirst >= 0) return;
            seen.atFirst = produced;
            seen.doneAtFirst = finished;
            res.pause();
            setTimeout(() => {
              seen.whilePaused = produced;
              seen.doneWhilePaused = finished;
              res.resume();
            }, 300);
          });
          res.on('end', () => resolve(seen));
          res.on('error', reject);
        }).on('error', reject);
      });
      const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
      console.log(
        `stream of ${mb(seen.total)}: produced when the first bytes arrived ${mb(seen.atFirst)}, after a 300 ms pause ${mb(seen.whilePaused)} ` +
          '(the rest waits in socket buffers)',
      );
      // the response started long before the end was produced, and a paused reader stops the production
      expect(seen.doneAtFirst).toBe(false);
      expect(seen.doneWhilePaused).toBe(false);
      expect(seen.whilePaused).toBeLessThan(seen.total / 2);
      expect(seen.whilePaused - seen.atFirst).toBeLessThan(2e6);
    } finally {
      op.exports.chunks = original;
    }
  }, 60_000);

  it('shows the browser a summary page, never the raw JSON, with the file to download', async () => {
    const res = await aino.browser.get(`${setup.world.issuers.a}/dashboard/export/summary?lang=en`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain(`${SYNTHETIC + 1} uses: ${SYNTHETIC - SYNTHETIC / 10 + 1} released, ${SYNTHETIC / 10} refused`);
    expect(page).toContain('Customer Fee Unit');
    expect(page).toContain('Income for fees');
    expect(page).toContain('Verified by tax-administration');
    expect(page).toContain('href="/citizen/api/export" download');
    const exportPage = await (await aino.browser.get(`${setup.world.issuers.a}/dashboard/export?lang=en`)).text();
    expect(exportPage).toContain('href="/dashboard/export/summary"');
  });

  it('gives the operator’s DPO the same export with `portti export --person`', async () => {
    const config = join(dir, 'portti.json');
    writeFileSync(config, JSON.stringify({ data_dir: dir, operators: [setup.world.operatorConfigs.a] }));
    const out = join(dir, 'aino.json');
    // as a DPO runs it: `portti export --person … --operator-config … > file.json` (the data store answers meanwhile)
    const res = await portti(['export', '--person', AINO, '--operator-config', config, '--name', 'operator-a'], out);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`1 consent records and ${SYNTHETIC + 1} access records about fi_hetu ${AINO}`);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ExportFile;
    expect(file.requested_by).toBe('operator');
    expect(file.access_log_count).toBe(SYNTHETIC + 1);
    expect(new Set(file.access_log.map((r) => r.access_id))).toEqual(expectedIds);
    expect(file.data_store.status, JSON.stringify(file.data_store)).toBe('included');

    const nobodyOut = join(dir, 'nobody.json');
    const nobody = await portti(['export', '--person', '311299-999X', '--operator-config', config], nobodyOut);
    expect(nobody.code).toBe(0);
    expect(nobody.stderr).toContain('the export holds nothing about them');
    expect((JSON.parse(readFileSync(nobodyOut, 'utf8')) as ExportFile).access_log_count).toBe(0);
  }, 120_000);

  it('keeps its live memory far below the size of the export', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const prepared = await op.exports.prepare(await op.exports.ofPerson('fi_hetu', AINO), 'data_subject');
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let i = 0;
    for await (const chunk of op.exports.chunks(prepared)) {
      bytes += chunk.length;
      if (i++ % 2 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    console.log(`export of ${(bytes / 1e6).toFixed(1)} MB: live heap grew by at most ${(peak / 1e6).toFixed(2)} MB while streaming`);
    expect(prepared.written).toBe(SYNTHETIC + 1);
    expect(peak).toBeLessThan(bytes / 4);
    // the gc calls held the event loop: let idle keep-alive sockets close before anything else runs
    await new Promise((r) => setTimeout(r, 200));
  }, 60_000);
});
