/**
 * `portti start`: every component of the configuration in one process (the demo by
 * default), or with `--instances N` several instances of every gateway and operator
 * sharing one PostgreSQL database.
 */
import { runInstances } from '../../app/instances.ts';
import { runSystem } from '../../app/system.ts';
import { UsageError, type Command } from '../command.ts';
import { configOption, DEFAULT_CONFIG, load } from '../config-options.ts';
import { serve } from '../serve.ts';

/** Runs the whole system until stopped. */
export const startCommand: Command = {
  path: ['start'],
  summary: 'run every component of the configuration in one process (demo by default)',
  usage: 'portti start [--config config/demo.yaml] [--instances N]',
  options: { ...configOption, instances: { type: 'string' } },
  async run(values) {
    const config = load(values);
    const instances = values.instances === undefined ? 1 : Number(values.instances);
    if (!Number.isInteger(instances) || instances < 1 || instances > 16)
      throw new UsageError('--instances must be a whole number from 1 to 16');
    if (instances > 1) {
      if (!config.database_url) throw new UsageError('--instances needs PostgreSQL: set DATABASE_URL (instances share one database)');
      process.stdout.write(`Starting ${instances} instances of every gateway and operator on PostgreSQL…\n`);
      return serve(() => runInstances(config, String(values.config ?? DEFAULT_CONFIG), instances));
    }
    process.stdout.write(`Starting Portti (${config.database_url ? 'PostgreSQL' : `SQLite under ${config.data_dir}`})…\n`);
    return serve(() => runSystem(config));
  },
};
