/**
 * `portti pds`: one personal data store of the configuration; `pds keygen` prints a new
 * key-encryption key; `pds rotate-kek` re-wraps every data key under the first configured
 * KEK, offline.
 */
import { randomBytes } from 'node:crypto';
import { runSystem } from '../../app/system.ts';
import { Keyring } from '../../pds/pds-crypto.ts';
import { pdsMigrations, type PdsDatabase } from '../../pds/pds.tables.ts';
import { openVault } from '../../pds/vault.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import { UsageError, type Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';
import { serve } from '../serve.ts';

/** Runs one personal data store until stopped. */
export const pdsCommand: Command = {
  path: ['pds'],
  summary: 'run one personal data store',
  usage: 'portti pds [--config FILE] [--name NAME]',
  options: { ...configOption, name: { type: 'string', short: 'n' } },
  async run(values) {
    const config = load(values);
    const name = named(config, 'pds', values.name as string | undefined);
    return serve(() => runSystem(config, { only: { kind: 'pds', name } }));
  },
};

/** Prints a fresh 32-byte KEK in base64. */
export const pdsKeygenCommand: Command = {
  path: ['pds', 'keygen'],
  summary: 'print a new random key-encryption key (32 bytes, base64) for a personal data store',
  usage: 'portti pds keygen',
  options: {},
  async run() {
    process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
    return 0;
  },
};

/** Re-wraps a store's data keys under its first KEK (offline). */
export const pdsRotateKekCommand: Command = {
  path: ['pds', 'rotate-kek'],
  summary: 're-wrap every data key of a personal data store under its first configured KEK (documents are not re-encrypted)',
  usage: 'portti pds rotate-kek [--config FILE] [--name NAME]',
  options: { ...configOption, name: { type: 'string', short: 'n' } },
  async run(values) {
    const config = load(values);
    const p = config.personal_data_stores.find((x) => x.name === named(config, 'pds', values.name as string | undefined))!;
    const store = await openStore<PdsDatabase>(storeLocationFor(config, p.name));
    try {
      await migrateToLatest(store, pdsMigrations);
      const keyring = new Keyring(p.keks);
      const vault = await openVault(store, keyring, p.identifier_type).catch((err: Error) => {
        throw new UsageError(`${p.name}: ${err.message}; configure the KEK the store was wrapped with as well as the new one`);
      });
      const result = await vault.rotateKek();
      const inUse = (await vault.kekIdsInUse()).join(', ');
      process.stdout.write(`${p.name}: re-wrapped ${result.rewrapped} keys under ${result.kek_id}; KEKs still in use: ${inUse}\n`);
      process.stdout.write('Once every instance runs with the new KEK first, the old KEK can be removed from the configuration.\n');
      return 0;
    } finally {
      await store.close();
    }
  },
};
