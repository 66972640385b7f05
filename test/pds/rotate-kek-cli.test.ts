/**
 * `portti pds rotate-kek` and `portti pds keygen` as an operator of the store runs them:
 * rotate with old and new KEK configured, then drop the old KEK and read everything.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPersonalDataStore } from '../../src/pds/pds.ts';
import type { PdsDatabase } from '../../src/pds/pds.tables.ts';
import { openStore } from '../../src/store/database.ts';
import { tempDir } from '../helpers/stores.ts';
import { createDepositor, newKek, pdsConfig, signDeposit } from './pds-helpers.ts';

const portti = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['bin/portti.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ...env },
    timeout: 30_000,
  });

describe('portti pds', () => {
  it('keygen prints a 32-byte base64 key', () => {
    const res = portti(['pds', 'keygen']);
    expect(res.status).toBe(0);
    expect(Buffer.from(res.stdout.trim(), 'base64')).toHaveLength(32);
  });

  it('rotate-kek re-wraps keys under the new KEK; the old one can then be removed', async () => {
    const dir = tempDir();
    const tax = await createDepositor('tax-administration');
    const [old, next] = [newKek(), newKek()];
    const base = pdsConfig([tax]);
    const store = await openStore<PdsDatabase>({ kind: 'sqlite', path: join(dir, 'pds.db') });
    const pds = await createPersonalDataStore({ config: { ...base, keks: [{ id: 'kek-old', key: old }] }, store, logLevel: 'silent' });
    await pds.service.deposit(
      await signDeposit(tax, { identifier: '010188-9028', category: 'tax-decision', document: { tax_year: 2025 } }),
    );
    await pds.close();
    await store.close();

    const file = join(dir, 'portti.yaml');
    const yaml = (keks: string) => `data_dir: ${dir}
personal_data_stores:
  - name: pds
    listen: { port: 0 }
    public_url: http://127.0.0.1:1
    keks: ${keks}
    upstream_token: gateway-upstream-token-0123456789
    categories:
      - { id: tax-decision, label: { fi: a, sv: a, en: a }, attributes: { tax_year: /tax_year } }
    depositors:
      - { id: tax-administration, name: { fi: a, sv: a, en: a }, jwks_file: ${tax.jwksFile}, categories: [tax-decision] }
`;
    writeFileSync(file, yaml(`[{ id: kek-new, key: "\${NEW_KEK}" }]`));
    const refused = portti(['pds', 'rotate-kek', '--config', file], { NEW_KEK: next });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not configured/);

    writeFileSync(file, yaml(`[{ id: kek-new, key: "\${NEW_KEK}" }, { id: kek-old, key: "\${OLD_KEK}" }]`));
    const rotated = portti(['pds', 'rotate-kek', '--config', file], { NEW_KEK: next, OLD_KEK: old });
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain('re-wrapped 2 keys under kek-new; KEKs still in use: kek-new');

    const after = await openStore<PdsDatabase>({ kind: 'sqlite', path: join(dir, 'pds.db') });
    const reopened = await createPersonalDataStore({
      config: { ...base, keks: [{ id: 'kek-new', key: next }] },
      store: after,
      logLevel: 'silent',
    });
    expect(await reopened.service.read('010188-9028', 'tax-decision')).toMatchObject({ tax_year: 2025 });
    await reopened.close();
    await after.close();

    writeFileSync(file, yaml(`[{ id: kek-new, key: "short" }]`));
    const bad = portti(['pds', 'rotate-kek', '--config', file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/keks\[0\]\.key/);
  });
});
