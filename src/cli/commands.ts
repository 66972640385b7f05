/**
 * The CLI's subcommands. Servers run until SIGINT/SIGTERM and shut down cleanly;
 * offline commands (migrate, audit verify, receipt verify, service add) use the stores directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import {
  generateGovernanceKey,
  importGovernanceKey,
  signTrustGroup,
  TrustGroupError,
  verifyTrustGroup,
  type TrustGroupDocument,
} from '../trust/trust-group.ts';
import { runSystem, type RunningSystem, type RunOptions } from '../app/system.ts';
import { runInstances } from '../app/instances.ts';
import { verifyAccessLog } from '../audit/access-log.ts';
import { verifyReceipt } from '../core/receipt.ts';
import { gatewayMigrations, type GatewayDatabase } from '../gateway/gateway.tables.ts';
import { operatorMigrations, type OperatorDatabase } from '../operator/operator.tables.ts';
import { loadRegistryFile } from '../operator/operator.ts';
import { Registry } from '../operator/registry/registry.ts';
import { loadPorttiConfig, storeLocationFor } from '../shared/config.ts';
import type { PorttiConfig } from '../shared/config.schema.ts';
import { migrateToLatest, openStore } from '../store/database.ts';
import { loadSigningKeys, publicJwks } from '../store/keys.ts';
import { UsageError, type Command } from './command.ts';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../pds/pds-crypto.ts';
import { pdsMigrations, type PdsDatabase } from '../pds/pds.tables.ts';
import { openVault } from '../pds/vault.ts';

const DEFAULT_CONFIG = 'config/demo.yaml';
const configOption = { config: { type: 'string', short: 'c', default: DEFAULT_CONFIG } } as const;

function load(values: Record<string, unknown>): PorttiConfig {
  return loadPorttiConfig(String(values.config ?? DEFAULT_CONFIG));
}

/**
 * Starts a system and keeps it up until SIGINT/SIGTERM, then closes it. The signal handlers
 * are in place before anything starts, so a signal during start-up also ends cleanly.
 */
async function serve(start: () => Promise<Pick<RunningSystem, 'urls' | 'close'>>): Promise<number> {
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const system = await start();
  for (const u of system.urls) process.stdout.write(`  ${u.name.padEnd(44)} ${u.url}\n`);
  process.stdout.write('Portti is running. Press Ctrl+C to stop.\n');
  await stopped;
  process.stdout.write('Stopping…\n');
  await system.close();
  return 0;
}

/** Options of one instance among several (`portti gateway|operator`). */
const instanceOptions = {
  name: { type: 'string', short: 'n' },
  port: { type: 'string' },
  instance: { type: 'string' },
  'no-mtls': { type: 'boolean' },
} as const;

function instanceRun(values: Record<string, unknown>): Pick<RunOptions, 'port' | 'instance' | 'mtls'> {
  const out: Pick<RunOptions, 'port' | 'instance' | 'mtls'> = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
    out.port = port;
  }
  if (values.instance !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(String(values.instance))) throw new UsageError('--instance must be 1–32 letters, digits, - or _');
    out.instance = String(values.instance);
  }
  if (values['no-mtls']) out.mtls = false;
  return out;
}

function named(config: PorttiConfig, kind: 'gateway' | 'operator' | 'pds', name: string | undefined): string {
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

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} ${file} is not JSON`);
  }
}

export const COMMANDS: Command[] = [
  {
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
  },
  {
    path: ['gateway'],
    summary: 'run one Access Gateway',
    usage: 'portti gateway [--config FILE] [--name NAME] [--port P] [--instance ID] [--no-mtls]',
    options: { ...configOption, ...instanceOptions },
    async run(values) {
      const config = load(values);
      const name = named(config, 'gateway', values.name as string | undefined);
      return serve(() => runSystem(config, { only: { kind: 'gateway', name }, ...instanceRun(values) }));
    },
  },
  {
    path: ['operator'],
    summary: 'run one MyData operator',
    usage: 'portti operator [--config FILE] [--name NAME] [--port P] [--instance ID] [--no-mtls]',
    options: { ...configOption, ...instanceOptions },
    async run(values) {
      const config = load(values);
      const name = named(config, 'operator', values.name as string | undefined);
      return serve(() => runSystem(config, { only: { kind: 'operator', name }, ...instanceRun(values) }));
    },
  },
  {
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
  },
  {
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
  },
  {
    path: ['pds'],
    summary: 'run one personal data store',
    usage: 'portti pds [--config FILE] [--name NAME]',
    options: { ...configOption, name: { type: 'string', short: 'n' } },
    async run(values) {
      const config = load(values);
      const name = named(config, 'pds', values.name as string | undefined);
      return serve(() => runSystem(config, { only: { kind: 'pds', name } }));
    },
  },
  {
    path: ['pds', 'keygen'],
    summary: 'print a new random key-encryption key (32 bytes, base64) for a personal data store',
    usage: 'portti pds keygen',
    options: {},
    async run() {
      process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
      return 0;
    },
  },
  {
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
        process.stdout.write(
          `${p.name}: re-wrapped ${result.rewrapped} keys under ${result.kek_id}; KEKs still in use: ${(await vault.kekIdsInUse()).join(', ')}\n`,
        );
        process.stdout.write('Once every instance runs with the new KEK first, the old KEK can be removed from the configuration.\n');
        return 0;
      } finally {
        await store.close();
      }
    },
  },
  {
    path: ['audit', 'verify'],
    summary: "walk a gateway's access-log hash chain and signed checkpoints",
    usage: 'portti audit verify [--config FILE] [--name GATEWAY] [--json]',
    options: { ...configOption, name: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
    async run(values) {
      const config = load(values);
      const name = named(config, 'gateway', values.name as string | undefined);
      const store = await openStore<GatewayDatabase>(storeLocationFor(config, name));
      try {
        await migrateToLatest(store, gatewayMigrations);
        const reports = await verifyAccessLog(store.db, publicJwks(await loadSigningKeys(store.db)));
        if (values.json) process.stdout.write(`${JSON.stringify(reports)}\n`);
        else if (reports.length === 0) process.stdout.write('no access records yet\n');
        for (const r of values.json ? [] : reports) {
          if (r.ok) process.stdout.write(`chain ${r.chain}: OK, ${r.checked} records, ${r.checkpoints} signed checkpoints\n`);
          else if (r.broken_at)
            process.stdout.write(
              `chain ${r.chain}: BROKEN at record ${r.broken_at.position} (seq ${r.broken_at.seq}, ${r.broken_at.access_id}): ${r.broken_at.reason}\n`,
            );
          else process.stdout.write(`chain ${r.chain}: BROKEN: ${r.checkpoint_failure}\n`);
        }
        return reports.every((r) => r.ok) ? 0 : 1;
      } finally {
        await store.close();
      }
    },
  },
  {
    path: ['trust-group', 'keygen'],
    summary: 'create a governance key pair for signing a trust-group document',
    usage: 'portti trust-group keygen --out governance [--kid KID]',
    options: { out: { type: 'string', short: 'o' }, kid: { type: 'string' } },
    async run(values) {
      if (!values.out) throw new UsageError('--out is required');
      const { privateJwk, jwks } = await generateGovernanceKey(String(values.kid ?? 'governance-1'));
      writeFileSync(`${values.out}.private.jwk.json`, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
      writeFileSync(`${values.out}.jwks.json`, `${JSON.stringify(jwks, null, 2)}\n`);
      process.stdout.write(`wrote ${values.out}.private.jwk.json (keep it secret) and ${values.out}.jwks.json (publish it)\n`);
      return 0;
    },
  },
  {
    path: ['trust-group', 'sign'],
    summary: 'sign a trust-group document with the governance key',
    usage: 'portti trust-group sign --in group.json --key governance.private.jwk.json --out group.jws',
    options: { in: { type: 'string', short: 'i' }, key: { type: 'string', short: 'k' }, out: { type: 'string', short: 'o' } },
    async run(values) {
      if (!values.in || !values.key || !values.out) throw new UsageError('--in, --key and --out are required');
      try {
        const jws = await signTrustGroup(
          readJson(String(values.in), 'document') as TrustGroupDocument,
          await importGovernanceKey(readJson(String(values.key), 'key') as JWK),
        );
        writeFileSync(String(values.out), `${jws}\n`);
      } catch (err) {
        if (err instanceof TrustGroupError) throw new UsageError(err.message);
        throw err;
      }
      process.stdout.write(`signed ${values.in} → ${values.out}\n`);
      return 0;
    },
  },
  {
    path: ['trust-group', 'verify'],
    summary: 'verify a signed trust-group document (signature, validity, content)',
    usage: 'portti trust-group verify --in group.jws --jwks governance.jwks.json',
    options: { in: { type: 'string', short: 'i' }, jwks: { type: 'string' } },
    async run(values) {
      if (!values.in || !values.jwks) throw new UsageError('--in and --jwks are required');
      let jws: string;
      try {
        jws = readFileSync(String(values.in), 'utf8');
      } catch {
        throw new UsageError(`cannot read ${values.in}`);
      }
      try {
        const doc = await verifyTrustGroup(jws, readJson(String(values.jwks), 'JWKS') as { keys: JWK[] });
        process.stdout.write(
          `VALID: ${doc.name} (${doc.group_id}), rulebook ${doc.rulebook.version}, ${doc.members.length} members, ${doc.sources.length} sources, until ${doc.expires_at}\n`,
        );
        return 0;
      } catch (err) {
        if (!(err instanceof TrustGroupError)) throw err;
        process.stdout.write(`INVALID: ${err.message}\n`);
        return 1;
      }
    },
  },
  {
    path: ['trust-group', 'show'],
    summary: 'print the content of a signed trust-group document (without trusting it)',
    usage: 'portti trust-group show --in group.jws',
    options: { in: { type: 'string', short: 'i' } },
    async run(values) {
      if (!values.in) throw new UsageError('--in is required');
      const parts = readFileSync(String(values.in), 'utf8').trim().split('.');
      if (parts.length !== 3) throw new UsageError(`${values.in} is not a compact JWS`);
      const doc = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TrustGroupDocument;
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n(not verified: use "portti trust-group verify")\n`);
      return 0;
    },
  },
  {
    path: ['receipt', 'verify'],
    summary: 'verify a signed consent receipt offline',
    usage: 'portti receipt verify <receipt.jws> [--jwks operator-jwks.json]',
    options: { jwks: { type: 'string' } },
    allowPositionals: true,
    async run(values, positionals) {
      const file = positionals[0];
      if (!file) throw new UsageError('name the receipt file');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new UsageError(`cannot read ${file}`);
      }
      const jwks = values.jwks ? (JSON.parse(readFileSync(String(values.jwks), 'utf8')) as { keys: [] }) : undefined;
      const verdict = await verifyReceipt(text, jwks);
      if (!verdict.ok) {
        process.stdout.write(`INVALID: ${verdict.reason}\n`);
        return 1;
      }
      const r = verdict.receipt as { record_id?: string; status?: string; operator?: { issuer?: string } };
      process.stdout.write(
        `VALID: receipt for ${r.record_id} (status ${r.status}) from ${r.operator?.issuer}; signing key thumbprint ${verdict.key_thumbprint}`,
      );
      process.stdout.write(
        jwks ? '; key is in the given JWKS\n' : "\n(pass --jwks with the operator's published keys to check the key belongs to it)\n",
      );
      return 0;
    },
  },
];
