/**
 * The vault's keys: erasure shreds a person (nothing of them left in the SQLite files),
 * KEK rotation re-wraps data keys only (old data readable after, old KEK removable), and
 * ciphertexts cannot be moved between people or versions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPersonalDataStore } from '../../src/pds/pds.ts';
import type { PdsDatabase } from '../../src/pds/pds.tables.ts';
import type { PersonalDataStoreConfig } from '../../src/shared/config.schema.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { dialectCases, dropLocation, tempDir } from '../helpers/stores.ts';
import { createDepositor, newKek, pdsConfig, signDeposit } from './pds-helpers.ts';

const AINO = '010188-9028';
const MIKKO = '020286-9059';
const SECRET = {
  tax_year: 2025,
  earned_income: 73519,
  employer: 'Kumpulan Kuparipaja Oy',
  postal_code: '00560',
  birth_date: '1988-01-01',
  note: 'Ainon-salainen-muistiinpano',
};

async function withStore<T>(
  config: PersonalDataStoreConfig,
  location: StoreLocation,
  fn: (pds: Awaited<ReturnType<typeof createPersonalDataStore>>) => Promise<T>,
): Promise<T> {
  const store = await openStore<PdsDatabase>(location);
  try {
    const pds = await createPersonalDataStore({ config, store, logLevel: 'silent' });
    try {
      return await fn(pds);
    } finally {
      await pds.close();
    }
  } finally {
    await store.close();
  }
}

function rawFiles(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
}

describe('crypto-shredding', () => {
  it('leaves neither plaintext nor the identifier nor its hash in the SQLite files after erasure', async () => {
    const tax = await createDepositor('tax-administration');
    const config = pdsConfig([tax]);
    const path = join(tempDir(), 'pds.db');
    let subject = '';
    await withStore(config, { kind: 'sqlite', path }, async (pds) => {
      await pds.service.deposit(
        await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: SECRET, correctable: ['/employer'] }),
      );
      await pds.service.correct(AINO, 'tax-decision', { '/employer': 'Kumpulan Kuparipaja Oyj' });
      await pds.service.deposit(
        await signDeposit(tax, { identifier: MIKKO, category: 'tax-decision', document: { tax_year: 2025, earned_income: 1 } }),
      );
      subject = pds.service.vault.subjectOf(AINO);
      const before = rawFiles(path);
      // encrypted from the start: no plaintext, no identifier; only the keyed hash indexes the rows
      for (const s of [AINO, 'Kumpulan Kuparipaja', 'Ainon-salainen-muistiinpano', '73519'])
        expect(before.includes(Buffer.from(s)), s).toBe(false);
      expect(before.includes(Buffer.from(subject))).toBe(true);

      await pds.service.erase(AINO);
      expect(await pds.service.documents(AINO)).toEqual({ documents: [], sharing: [] });
      expect((await pds.service.documents(MIKKO)).documents).toHaveLength(1);
      const after = rawFiles(path);
      for (const s of [AINO, subject, 'Kumpulan Kuparipaja', 'Ainon-salainen-muistiinpano', '73519'])
        expect(after.includes(Buffer.from(s)), s).toBe(false);
    });
    // and still nothing once the process has closed the files
    const closed = rawFiles(path);
    for (const s of [AINO, subject, 'Ainon-salainen-muistiinpano']) expect(closed.includes(Buffer.from(s)), s).toBe(false);
  });
});

describe.each(dialectCases())('vault keys ($name)', ({ location }) => {
  const locations: StoreLocation[] = [];
  afterAll(async () => {
    for (const l of locations) await dropLocation(l);
  });

  it('rotates the KEK by re-wrapping keys only; old data reads after rotation and after the old KEK is removed', async () => {
    const loc = location();
    locations.push(loc);
    const tax = await createDepositor('tax-administration');
    const k1 = { id: 'kek-2025', key: newKek() };
    const k2 = { id: 'kek-2026', key: newKek() };
    const base = pdsConfig([tax]);
    let ciphertextsBefore: string[] = [];
    const ciphertexts = async (pds: Awaited<ReturnType<typeof createPersonalDataStore>>) => {
      const db = (pds.service.vault as unknown as { db: import('kysely').Kysely<PdsDatabase> }).db;
      return (await db.selectFrom('pds_documents').select('ciphertext').orderBy('subject').orderBy('version').execute()).map((r) =>
        Buffer.from(r.ciphertext).toString('hex'),
      );
    };
    await withStore({ ...base, keks: [k1] }, loc, async (pds) => {
      await pds.service.deposit(await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: SECRET }));
      await pds.service.deposit(await signDeposit(tax, { identifier: MIKKO, category: 'tax-decision', document: { tax_year: 2024 } }));
      ciphertextsBefore = await ciphertexts(pds);
    });
    // during rotation both KEKs are configured, the new one first
    await withStore({ ...base, keks: [k2, k1] }, loc, async (pds) => {
      expect(await pds.service.vault.kekIdsInUse()).toEqual(['kek-2025']);
      const result = await pds.service.vault.rotateKek();
      expect(result).toEqual({ rewrapped: 3, kek_id: 'kek-2026' }); // master secret + two people
      expect(await pds.service.vault.kekIdsInUse()).toEqual(['kek-2026']);
      expect(await ciphertexts(pds)).toEqual(ciphertextsBefore); // documents were not re-encrypted
      expect(await pds.service.read(AINO, 'tax-decision')).toMatchObject(SECRET);
    });
    // the old KEK is removed: everything still reads
    await withStore({ ...base, keks: [k2] }, loc, async (pds) => {
      expect(await pds.service.read(AINO, 'tax-decision')).toMatchObject(SECRET);
      expect(await pds.service.read(MIKKO, 'tax-decision')).toMatchObject({ tax_year: 2024 });
      expect((await pds.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    });
    // only the old KEK: the store cannot open its keys
    await expect(withStore({ ...base, keks: [k1] }, loc, async () => undefined)).rejects.toThrow(/not configured/);
  });

  it('refuses ciphertexts moved to another person or version (associated data)', async () => {
    const loc = location();
    locations.push(loc);
    const tax = await createDepositor('tax-administration');
    await withStore(pdsConfig([tax]), loc, async (pds) => {
      await pds.service.deposit(await signDeposit(tax, { identifier: AINO, category: 'tax-decision', document: SECRET }));
      await pds.service.deposit(await signDeposit(tax, { identifier: MIKKO, category: 'tax-decision', document: { tax_year: 2024 } }));
      const vault = pds.service.vault;
      const db = (vault as unknown as { db: import('kysely').Kysely<PdsDatabase> }).db;
      const aino = vault.subjectOf(AINO);
      const mikko = vault.subjectOf(MIKKO);
      // give Mikko's row Aino's ciphertext: it does not open under Mikko's key and binding
      const ainoRow = await db.selectFrom('pds_documents').select('ciphertext').where('subject', '=', aino).executeTakeFirstOrThrow();
      await db.updateTable('pds_documents').set({ ciphertext: ainoRow.ciphertext }).where('subject', '=', mikko).execute();
      await expect(vault.current(mikko, 'tax-decision')).rejects.toThrow();
      // move Aino's wrapped data key to Mikko: it does not unwrap there either
      const keyRow = await db.selectFrom('pds_subjects').select('wrapped_key').where('subject', '=', aino).executeTakeFirstOrThrow();
      await db.updateTable('pds_subjects').set({ wrapped_key: keyRow.wrapped_key }).where('subject', '=', mikko).execute();
      await expect(vault.current(mikko, 'tax-decision')).rejects.toThrow();
      // a key under a KEK that is not configured: readiness names it, reads answer 503
      await db.updateTable('pds_subjects').set({ kek_id: 'kek-gone' }).where('subject', '=', aino).execute();
      const ready = await pds.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.body).toContain('kek-gone');
      await expect(pds.service.read(AINO, 'tax-decision')).rejects.toMatchObject({ status: 503, code: 'key_unavailable' });
    });
  });
});
