/**
 * Loads `portti.yaml`, applies environment overrides and cross-field checks.
 * Environment: DATABASE_URL and PORTTI_DATA_DIR override the file; any string in the
 * file may reference `${NAME}` or `${NAME:-default}` (secrets and URLs belong there).
 */
import { resolve } from 'node:path';
import { ConfigError, loadConfigFile, type ConfigCheck, type Segment } from './config-loader.ts';
import { PorttiConfigSchema, type OperatorConfig, type PersonalDataStoreConfig, type PorttiConfig } from './config.schema.ts';
import type { GatewayConfig, OperationConfig } from './gateway.schema.ts';
import type { Durability, StoreLocation } from '../store/database.ts';
import { outboundUrlProblem } from './outbound-url.ts';

/** The error every configuration problem throws (re-exported for callers of loadPorttiConfig). */
export { ConfigError };

/** Loads and validates a Portti configuration file. Throws {@link ConfigError}. */
export function loadPorttiConfig(file: string, env: NodeJS.ProcessEnv = process.env): PorttiConfig {
  const config = loadConfigFile(file, PorttiConfigSchema, env, crossCheck);
  if (env.DATABASE_URL) {
    if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
      throw new ConfigError(file, [
        { path: '(environment) DATABASE_URL', line: 0, column: 0, reason: 'must be a postgres:// or postgresql:// URL' },
      ]);
    }
    config.database_url = env.DATABASE_URL;
  }
  if (env.PORTTI_DATA_DIR) config.data_dir = env.PORTTI_DATA_DIR;
  config.data_dir = resolve(config.data_dir);
  return config;
}

/** One problem a cross-field check found, by path. */
type Issues = ReturnType<ConfigCheck<PorttiConfig>>;

/** Checks the schema cannot express: unique names, admitted operators that are configured. */
export const crossCheck: ConfigCheck<PorttiConfig> = (config) => {
  const issues: Issues = [];
  const names = new Set<string>();
  const unique = (name: string, path: Segment[]) => {
    if (names.has(name)) issues.push({ path, reason: `duplicate component name "${name}"` });
    names.add(name);
  };
  config.gateways.forEach((g, i) => {
    unique(g.name, ['gateways', i, 'name']);
    issues.push(...gatewayIssues(g, i));
  });
  config.operators.forEach((o, i) => {
    unique(o.name, ['operators', i, 'name']);
    issues.push(...operatorIssues(o, ['operators', i]));
  });
  config.personal_data_stores.forEach((p, i) => {
    unique(p.name, ['personal_data_stores', i, 'name']);
    issues.push(...storeIssues(p, ['personal_data_stores', i]));
  });
  issues.push(...demoIssues(config));
  return issues;
};

/** SSRF policy for every URL Portti itself fetches (see outbound-url.ts). */
function outboundIssues(url: string | undefined, path: Segment[]): Issues {
  const problem = url === undefined ? undefined : outboundUrlProblem(url);
  return problem ? [{ path, reason: problem }] : [];
}

/** A trust group comes from exactly one of a file or a URL. */
function trustGroupIssues(group: { file?: string; url?: string } | undefined, path: Segment[]): Issues {
  return group && !group.file === !group.url ? [{ path, reason: 'give exactly one of file or url' }] : [];
}

/** Gateway `i`: its trust group, outbound URLs, operation formats, unique source ids, admitted operators it lists. */
function gatewayIssues(g: GatewayConfig, i: number): Issues {
  const at: Segment[] = ['gateways', i];
  const issues: Issues = [...trustGroupIssues(g.trust_group, [...at, 'trust_group'])];
  issues.push(...outboundIssues(g.trust_group?.url, [...at, 'trust_group', 'url']));
  g.sources.forEach((s, j) => {
    issues.push(...outboundIssues(s.upstream.base_url, [...at, 'sources', j, 'upstream', 'base_url']));
    s.operations.forEach((o, k) => issues.push(...formatIssues(o, [...at, 'sources', j, 'operations', k])));
  });
  const ids = new Set<string>();
  const known = new Set(g.operators.map((o) => o.issuer));
  g.sources.forEach((s, j) => {
    if (ids.has(s.id)) issues.push({ path: [...at, 'sources', j, 'id'], reason: `duplicate source id "${s.id}"` });
    ids.add(s.id);
    s.admitted_operators.forEach((iss, k) => {
      if (!known.has(iss)) {
        issues.push({
          path: [...at, 'sources', j, 'admitted_operators', k],
          reason: `operator ${iss} is admitted but not listed under gateways[${i}].operators`,
        });
      }
    });
  });
  return issues;
}

/** `json` operations map attributes to JSON pointers, `turtle` operations to one predicate IRI each. */
function formatIssues(operation: OperationConfig, at: Segment[]): Issues {
  const issues: Issues = [];
  const turtle = operation.format === 'turtle';
  if (!turtle && operation.subject !== undefined) issues.push({ path: [...at, 'subject'], reason: 'subject is only for format turtle' });
  for (const [id, target] of Object.entries(operation.attributes)) {
    const isIri = typeof target === 'string' && /^https?:/.test(target);
    if (turtle && !isIri)
      issues.push({ path: [...at, 'attributes', id], reason: 'format turtle maps each attribute to one predicate IRI' });
    if (!turtle && isIri)
      issues.push({ path: [...at, 'attributes', id], reason: 'a predicate IRI needs format turtle; JSON sources take JSON pointers' });
  }
  return issues;
}

/** An operator: its outbound URLs and its trust group. */
function operatorIssues(o: OperatorConfig, at: Segment[]): Issues {
  return [
    ...outboundIssues(o.trust_group?.url, [...at, 'trust_group', 'url']),
    ...outboundIssues(o.guardianship_source, [...at, 'guardianship_source']),
    ...trustGroupIssues(o.trust_group, [...at, 'trust_group']),
  ];
}

/** A personal data store: unique 32-byte KEKs, depositors with one key source, known categories everywhere. */
function storeIssues(p: PersonalDataStoreConfig, at: Segment[]): Issues {
  const issues: Issues = [];
  const kekIds = new Set<string>();
  p.keks.forEach((k, j) => {
    if (kekIds.has(k.id)) issues.push({ path: [...at, 'keks', j, 'id'], reason: `duplicate key id "${k.id}"` });
    kekIds.add(k.id);
    if (Buffer.from(k.key, 'base64').length !== 32)
      issues.push({ path: [...at, 'keks', j, 'key'], reason: 'must be 32 bytes in base64 (e.g. `portti pds keygen`)' });
  });
  const categories = new Set(p.categories.map((c) => c.id));
  p.depositors.forEach((d, j) => {
    if (!d.jwks_file === !d.jwks_url) issues.push({ path: [...at, 'depositors', j], reason: 'give exactly one of jwks_file or jwks_url' });
    d.categories.forEach((c, k) => {
      if (!categories.has(c)) issues.push({ path: [...at, 'depositors', j, 'categories', k], reason: `unknown category "${c}"` });
    });
  });
  p.aggregate_services.forEach((a, j) => {
    if (!categories.has(a.category))
      issues.push({ path: [...at, 'aggregate_services', j, 'category'], reason: `unknown category "${a.category}"` });
  });
  return issues;
}

/** The demo depositor names a configured store and one of its depositors. */
function demoIssues(config: PorttiConfig): Issues {
  const depositor = config.demo?.pds_depositor;
  if (!depositor) return [];
  const store = config.personal_data_stores.find((p) => p.name === depositor.store);
  if (!store) return [{ path: ['demo', 'pds_depositor', 'store'], reason: `no personal data store named "${depositor.store}"` }];
  if (!store.depositors.some((d) => d.id === depositor.depositor_id))
    return [{ path: ['demo', 'pds_depositor', 'depositor_id'], reason: `the store has no depositor "${depositor.depositor_id}"` }];
  return [];
}

/** Where component `name` keeps its data under this configuration. */
export function storeLocationFor(
  config: Pick<PorttiConfig, 'database_url' | 'data_dir'> & { durability?: Durability },
  name: string,
): StoreLocation {
  const durability = config.durability ?? 'power_loss';
  if (config.database_url) return { kind: 'postgres', url: config.database_url, schema: name.replaceAll('-', '_'), durability };
  return { kind: 'sqlite', path: resolve(config.data_dir, `${name}.db`), durability };
}
