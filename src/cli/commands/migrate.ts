/**
 * `portti migrate`: applies the database migrations of every gateway, operator and
 * personal data store of the configuration, and says which ran.
 */
import { gatewayMigrations, type GatewayDatabase } from '../../gateway/gateway.tables.ts';
import { operatorMigrations, type OperatorDatabase } from '../../operator/operator.tables.ts';
import { pdsMigrations, type PdsDatabase } from '../../pds/pds.tables.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import type { Command } from '../command.ts';
import { configOption, load } from '../config-options.ts';

/** Migrates every component's store. */
export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'apply database migrations of every component',
  usage: 'portti migrate [--config FILE]',
  options: configOption,
  async run(values) {
    const config = load(values);
    for (const g of config.gateways) {
      const store = await openStore<GatewayDatabase>(storeLocationFor(config, g.name));
      const applied = await migrateToLatest(store, gatewayMigrations).finally(() => store.close());
      process.stdout.write(`${g.name}: ${applied.length ? applied.join(', ') : 'up to date'}\n`);
    }
    for (const o of config.operators) {
      const store = await openStore<OperatorDatabase>(storeLocationFor(config, o.name));
      const applied = await migrateToLatest(store, operatorMigrations).finally(() => store.close());
      process.stdout.write(`${o.name}: ${applied.length ? applied.join(', ') : 'up to date'}\n`);
    }
    for (const p of config.personal_data_stores) {
      const store = await openStore<PdsDatabase>(storeLocationFor(config, p.name));
      const applied = await migrateToLatest(store, pdsMigrations).finally(() => store.close());
      process.stdout.write(`${p.name}: ${applied.length ? applied.join(', ') : 'up to date'}\n`);
    }
    return 0;
  },
};
