/**
 * `portti audit verify`: walks a gateway's access-log hash chains and signed checkpoints
 * offline and names the first record that was modified, deleted or reordered.
 */
import { verifyAccessLog } from '../../audit/access-log.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../gateway/gateway.tables.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import { loadSigningKeys, publicJwks } from '../../store/keys.ts';
import type { Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';

/** Verifies a gateway's access log; exit 1 when a chain is broken. */
export const auditVerifyCommand: Command = {
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
        else if (r.broken_at) {
          const { position, seq, access_id, reason } = r.broken_at;
          process.stdout.write(`chain ${r.chain}: BROKEN at record ${position} (seq ${seq}, ${access_id}): ${reason}\n`);
        } else process.stdout.write(`chain ${r.chain}: BROKEN: ${r.checkpoint_failure}\n`);
      }
      return reports.every((r) => r.ok) ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};
