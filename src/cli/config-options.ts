/**
 * What most subcommands share: the `--config` flag with its default, loading that file,
 * and choosing one component of it by `--name` (or the only one there is).
 */
import { loadPorttiConfig } from '../shared/config.ts';
import type { PorttiConfig } from '../shared/config.schema.ts';
import { UsageError } from './command.ts';

/** The configuration file used when `--config` is not given. */
export const DEFAULT_CONFIG = 'config/demo.yaml';

/** The `--config` / `-c` flag. */
export const configOption = { config: { type: 'string', short: 'c', default: DEFAULT_CONFIG } } as const;

/** Loads the configuration the flags name. Throws ConfigError (printed, exit 2). */
export function load(values: Record<string, unknown>): PorttiConfig {
  return loadPorttiConfig(String(values.config ?? DEFAULT_CONFIG));
}

/** The name of the `kind` component to act on: `name` if it exists, else the only one. */
export function named(config: PorttiConfig, kind: 'gateway' | 'operator' | 'pds', name: string | undefined): string {
  const list = kind === 'gateway' ? config.gateways : kind === 'operator' ? config.operators : config.personal_data_stores;
  if (list.length === 0) throw new UsageError(`the configuration has no ${kind}s`);
  if (name === undefined) {
    if (list.length > 1)
      throw new UsageError(`the configuration has several ${kind}s (${list.map((x) => x.name).join(', ')}): choose one with --name`);
    return list[0]!.name;
  }
  if (!list.some((x) => x.name === name)) throw new UsageError(`no ${kind} named "${name}" (have: ${list.map((x) => x.name).join(', ')})`);
  return name;
}
