/**
 * `portti operator`: one MyData operator of the configuration (as one instance among
 * several if asked), and `portti operator service add`, which registers sources,
 * services and gateways from a registry file straight into the operator's store.
 */
import { runSystem } from '../../app/system.ts';
import { operatorMigrations, type OperatorDatabase } from '../../operator/operator.tables.ts';
import { loadRegistryFile } from '../../operator/registry/registry-file.ts';
import { Registry } from '../../operator/registry/registry.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import { UsageError, type Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';
import { instanceOptions, instanceRun, serve } from '../serve.ts';

/** Runs one operator until stopped. */
export const operatorCommand: Command = {
  path: ['operator'],
  summary: 'run one MyData operator',
  usage: 'portti operator [--config FILE] [--name NAME] [--port P] [--instance ID] [--no-mtls]',
  options: { ...configOption, ...instanceOptions },
  async run(values) {
    const config = load(values);
    const name = named(config, 'operator', values.name as string | undefined);
    return serve(() => runSystem(config, { only: { kind: 'operator', name }, ...instanceRun(values) }));
  },
};

/** Applies a registry file to an operator's store (offline). */
export const operatorServiceAddCommand: Command = {
  path: ['operator', 'service', 'add'],
  summary: 'register sources, services and gateways from a registry file',
  usage: 'portti operator service add --file registry.yaml [--config FILE] [--name OPERATOR]',
  options: { ...configOption, name: { type: 'string', short: 'n' }, file: { type: 'string', short: 'f' } },
  async run(values) {
    if (!values.file) throw new UsageError('--file is required');
    const config = load(values);
    const op = config.operators.find((o) => o.name === named(config, 'operator', values.name as string | undefined))!;
    const file = loadRegistryFile(String(values.file));
    const store = await openStore<OperatorDatabase>(storeLocationFor(config, op.name));
    try {
      await migrateToLatest(store, operatorMigrations);
      await new Registry(store.db, op.issuer.replace(/\/$/, '')).apply(file);
    } finally {
      await store.close();
    }
    process.stdout.write(
      `registered ${file.sources.length} sources, ${file.services.length} services, ${file.gateways.length} gateways at ${op.name}\n`,
    );
    return 0;
  },
};
