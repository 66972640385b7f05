/**
 * `portti gateway`: one Access Gateway of the configuration, as one instance among several
 * if asked (`--port`, `--instance`, `--no-mtls`).
 */
import { runSystem } from '../../app/system.ts';
import type { Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';
import { instanceOptions, instanceRun, serve } from '../serve.ts';

/** Runs one gateway until stopped. */
export const gatewayCommand: Command = {
  path: ['gateway'],
  summary: 'run one Access Gateway',
  usage: 'portti gateway [--config FILE] [--name NAME] [--port P] [--instance ID] [--no-mtls]',
  options: { ...configOption, ...instanceOptions },
  async run(values) {
    const config = load(values);
    const name = named(config, 'gateway', values.name as string | undefined);
    return serve(() => runSystem(config, { only: { kind: 'gateway', name }, ...instanceRun(values) }));
  },
};
