/**
 * Registry files: sources, services and gateways in YAML or JSON, checked against the
 * registry schema with file and line in every error, applied at start and by
 * `portti operator service add`.
 */
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../shared/config-loader.ts';
import { RegistryFileSchema } from './registry.schema.ts';

/** Loads a registry file (YAML/JSON) with file/line errors; `${ENV}` references expand from `env`. */
export function loadRegistryFile(file: string, env: NodeJS.ProcessEnv = process.env) {
  return parseConfigText(file, readFileSync(file, 'utf8'), RegistryFileSchema, env);
}
