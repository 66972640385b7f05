import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import type { AccessRecord as Unchained } from '../../src/audit/access-record.ts';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, hashAccessRecord, verifyChain } from '../../src/audit/legacy-chain.ts';
import { StoredTree } from '../../src/audit/log-nodes.ts';
import { verifyLog } from '../../src/audit/log-verify.ts';
import { MemoryTree } from '../../src/audit/tlog/merkle-tree.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.ts';
import { migrator, step } from '../helpers/schema-snapshot.ts';
import { tempDir } from '../helpers/stores.ts';

/** A record of the hash chain stores had before the Merkle tree (migration 0004_merkle_log converts them). */
type AccessRecord = Unchained & { prev_hash: string; hash: string };

type Body = Omit<AccessRecord, 'hash' | 'prev_hash' | 'seq' | 'access_id' | 'time' | 'chain'>;

const body = (i: number): Body => ({
  iss: 'https://op.example',
  client_id: 'fee-service',
  consent_record_id: `urn:uuid:rec-${i % 3}`,
  source: 'https://gw.example/sources/incomes',
  operation: 'get-income',
  datatypes_released: i % 2 === 0 ? ['income', 'employer'] : ['income'],
  purpose: 'Setting the day-care fee',
  outcome: i % 4 === 3 ? 'refused' : 'allowed',
  status: i % 4 === 3 ? 403 : 200,
  reason: i % 4 === 3 ? 'attribute_not_consented' : null,
  subject_ref: `party-${i}`,
});

/** Builds a correctly linked chain of `n` records. */
function buildChain(n: number, startHash = GENESIS_HASH, firstSeq = 1): AccessRecord[] {
  const out: AccessRecord[] = [];
  let prev = startHash;
  for (let i = 0; i < n; i += 1) {
    const seq = firstSeq + i;
    const unhashed: Omit<AccessRecord, 'hash'> = {
      access_id: `acc-${seq}`,
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      chain: 'gw-1',
      seq,
      ...body(i),
      prev_hash: prev,
    };
    const record: AccessRecord = { ...unhashed, hash: hashAccessRecord(unhashed) };
    out.push(record);
    prev = record.hash;
  }
  return out;
}

/** Rebuilds an object with its keys in reverse order (same content). */
function reversedKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).reverse()) as T;
}

describe('hashAccessRecord', () => {
  const [record] = buildChain(1) as [AccessRecord];

  it('is a 64-character lower-case hex SHA-256', () => {
    expect(hashAccessRecord(record)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is SHA-256 over the RFC 8785 canonical JSON of every field but hash', () => {
    const { hash: _h, ...rest } = record;
    const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const expected = createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
    expect(hashAccessRecord(record)).toBe(expected);
  });

  it('is stable under key order', () => {
    expect(hashAccessRecord(reversedKeys(record))).toBe(hashAccessRecord(record));
    const shuffled = Object.fromEntries(
      Object.entries(record).sort(([a], [b]) => a.length - b.length || (a > b ? -1 : 1)),
    ) as unknown as AccessRecord;
    expect(hashAccessRecord(shuffled)).toBe(hashAccessRecord(record));
  });

  it('ignores the hash field, whether present, absent or wrong', () => {
    const { hash: _h, ...withoutHash } = record;
    expect(hashAccessRecord(withoutHash)).toBe(record.hash);
    expect(hashAccessRecord({ ...record, hash: 'bogus' })).toBe(record.hash);
  });

  it('changes when any field changes', () => {
    const base = hashAccessRecord(record);
    const variants: Array<Partial<AccessRecord>> = [
      { access_id: 'acc-x' },
      { time: '2026-01-01T00:00:02.000Z' },
      { chain: 'gw-2' },
      { seq: 2 },
      { iss: null },
      { client_id: 'other' },
      { consent_record_id: null },
      { source: 'https://gw.example/sources/other' },
      { operation: null },
      { datatypes_released: ['employer', 'income'] }, // order matters
      { datatypes_released: [] },
      { purpose: null },
      { outcome: 'error' },
      { status: 500 },
      { reason: 'upstream_error' },
      { subject_ref: null },
      { prev_hash: 'f'.repeat(64) },
    ];
    const seen = new Set([base]);
    for (const v of variants) {
      const h = hashAccessRecord({ ...record, ...v });
      expect(h, JSON.stringify(v)).not.toBe(base);
      seen.add(h);
    }
    expect(seen.size).toBe(variants.length + 1);
  });
});

describe('verifyChain', () => {
  it('accepts an empty chain', () => {
    expect(verifyChain([])).toEqual({ ok: true, checked: 0 });
  });

  it('accepts a good chain, counting every record', () => {
    const chain = buildChain(6);
    expect(chain[0]?.prev_hash).toBe(GENESIS_HASH);
    expect(verifyChain(chain)).toEqual({ ok: true, checked: 6 });
  });

  it('accepts a chain from any iterable (a generator)', () => {
    const chain = buildChain(3);
    function* gen() {
      yield* chain;
    }
    expect(verifyChain(gen())).toEqual({ ok: true, checked: 3 });
  });

  it('accepts a chain that continues from a given start hash (e.g. a checkpoint)', () => {
    const full = buildChain(5);
    const tail = full.slice(2);
    expect(verifyChain(tail, full[1]?.hash)).toEqual({ ok: true, checked: 3 });
    const broken = verifyChain(tail);
    expect(broken.ok).toBe(false);
    expect(broken.broken_at).toMatchObject({ position: 1, seq: 3, access_id: 'acc-3' });
  });

  it('accepts gaps in seq as long as hashes link and seq increases', () => {
    const records: AccessRecord[] = [];
    let prev = GENESIS_HASH;
    for (const seq of [1, 5, 9]) {
      const r: Omit<AccessRecord, 'hash'> = { access_id: `a${seq}`, time: 't', chain: 'c', seq, ...body(seq), prev_hash: prev };
      records.push({ ...r, hash: hashAccessRecord(r) });
      prev = hashAccessRecord(r);
    }
    expect(verifyChain(records)).toEqual({ ok: true, checked: 3 });
  });

  it('detects a modified record at its position', () => {
    const chain = buildChain(5);
    chain[2] = { ...(chain[2] as AccessRecord), datatypes_released: ['income', 'employer', 'tax_rate'] };
    const v = verifyChain(chain);
    expect(v).toEqual({
      ok: false,
      checked: 2,
      broken_at: { position: 3, seq: 3, access_id: 'acc-3', reason: 'record content does not match its hash (modified)' },
    });
  });

  it('detects a modified first record', () => {
    const chain = buildChain(3);
    chain[0] = { ...(chain[0] as AccessRecord), outcome: 'refused' };
    expect(verifyChain(chain).broken_at).toMatchObject({ position: 1, access_id: 'acc-1', reason: expect.stringContaining('modified') });
  });

  it('detects a modified record whose hash was recomputed at the next record', () => {
    const chain = buildChain(5);
    const tampered = { ...(chain[1] as AccessRecord), subject_ref: 'someone-else' };
    tampered.hash = hashAccessRecord(tampered);
    chain[1] = tampered;
    const v = verifyChain(chain);
    expect(v.ok).toBe(false);
    expect(v.checked).toBe(2);
    expect(v.broken_at).toEqual({
      position: 3,
      seq: 3,
      access_id: 'acc-3',
      reason: 'prev_hash does not match the previous record (deleted or reordered)',
    });
  });

  it('detects a deleted record at the record after the gap', () => {
    const chain = buildChain(5);
    chain.splice(2, 1); // delete acc-3
    const v = verifyChain(chain);
    expect(v).toEqual({
      ok: false,
      checked: 2,
      broken_at: { position: 3, seq: 4, access_id: 'acc-4', reason: 'prev_hash does not match the previous record (deleted or reordered)' },
    });
  });

  it('detects a deleted first record', () => {
    const chain = buildChain(3).slice(1);
    expect(verifyChain(chain).broken_at).toMatchObject({
      position: 1,
      seq: 2,
      access_id: 'acc-2',
      reason: expect.stringContaining('deleted'),
    });
  });

  it('detects two swapped records at the first one out of place', () => {
    const chain = buildChain(5);
    [chain[1], chain[2]] = [chain[2] as AccessRecord, chain[1] as AccessRecord]; // acc-1, acc-3, acc-2, acc-4, acc-5
    const v = verifyChain(chain);
    expect(v).toEqual({
      ok: false,
      checked: 1,
      broken_at: { position: 2, seq: 3, access_id: 'acc-3', reason: 'prev_hash does not match the previous record (deleted or reordered)' },
    });
  });

  it('detects swapped non-adjacent records', () => {
    const chain = buildChain(6);
    [chain[1], chain[4]] = [chain[4] as AccessRecord, chain[1] as AccessRecord];
    expect(verifyChain(chain).broken_at).toMatchObject({ position: 2, access_id: 'acc-5' });
  });

  it('detects a sequence number that does not increase even when hashes link', () => {
    const records: AccessRecord[] = [];
    let prev = GENESIS_HASH;
    for (const [i, seq] of [1, 2, 2].entries()) {
      const r: Omit<AccessRecord, 'hash'> = { access_id: `a${i}`, time: 't', chain: 'c', seq, ...body(i), prev_hash: prev };
      const hash = hashAccessRecord(r);
      records.push({ ...r, hash });
      prev = hash;
    }
    expect(verifyChain(records)).toEqual({
      ok: false,
      checked: 2,
      broken_at: { position: 3, seq: 2, access_id: 'a2', reason: 'sequence number out of order (reordered)' },
    });
  });

  it('detects a record inserted into the middle', () => {
    const chain = buildChain(4);
    const forged: Omit<AccessRecord, 'hash'> = { ...(chain[1] as AccessRecord), access_id: 'forged', prev_hash: chain[1]?.hash as string };
    chain.splice(2, 0, { ...forged, hash: hashAccessRecord(forged) });
    const v = verifyChain(chain);
    expect(v.ok).toBe(false);
    expect(v.broken_at?.position).toBe(3); // seq did not increase (copied from acc-2)
    expect(v.broken_at?.access_id).toBe('forged');
  });

  it('reports only the first break', () => {
    const chain = buildChain(6);
    chain[4] = { ...(chain[4] as AccessRecord), status: 418 };
    chain[1] = { ...(chain[1] as AccessRecord), status: 418 };
    expect(verifyChain(chain).broken_at?.position).toBe(2);
  });
});

describe('migration 0004_merkle_log on stores with a hash chain', () => {
  const withChain = async (records: AccessRecord[]) => {
    const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), 'old.db') });
    await step(migrator(store as Store<unknown>, gatewayMigrations(store.dialect)), '0003_moves');
    for (const r of records) {
      const { chain, seq, access_id, time, iss, client_id, consent_record_id, prev_hash, hash } = r;
      const row = { chain, seq, access_id, time, iss, client_id, consent_record_id, body: JSON.stringify(r), prev_hash, hash };
      await (store.db as unknown as Kysely<{ access_records: typeof row }>).insertInto('access_records').values(row).execute();
    }
    return store;
  };

  it('turns an intact chain into a tree that verifies, each old body a leaf', async () => {
    const store = await withChain(buildChain(10));
    await migrateToLatest(store, gatewayMigrations);
    expect(await verifyLog(store.db, 'gw-1', [])).toMatchObject({ ok: true, records: 10, checkpoints: 0 });
    const tree = new StoredTree(store.db, 'gw-1');
    const bodies = await store.db.selectFrom('access_records').select('body').orderBy('seq').execute();
    const reference = new MemoryTree();
    for (const b of bodies) reference.append(Buffer.from(b.body, 'utf8'));
    expect(Buffer.from(await tree.rootAt(10)).toString('hex')).toBe(Buffer.from(reference.root()).toString('hex'));
    await store.close();
  });

  it('refuses to convert a broken chain, naming the record, and leaves the store as it was', async () => {
    const chain = buildChain(6);
    chain[3] = { ...chain[3]!, purpose: 'something else' };
    const store = await withChain(chain);
    await expect(migrateToLatest(store, gatewayMigrations)).rejects.toThrow(
      /access log gw-1 is broken at seq 4: record content does not match its hash \(modified\); it is not converted/,
    );
    const columns = await sql<{ name: string }>`select name from pragma_table_info('access_records')`.execute(store.db);
    expect(columns.rows.map((c) => c.name)).toContain('prev_hash');
    await store.close();
  });
});
