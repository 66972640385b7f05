/**
 * `portti audit verify`: checks a gateway's access logs (one Merkle tree per instance) from its
 * store, streaming: every record against the stored tree, every checkpoint the gateway signed, and
 * the newest checkpoint each witness (the operators it reports to) cosigned. A record modified,
 * deleted or reordered, a cut tail, a rollback or a fork is exit 1 with one sentence; a witness
 * that cannot be asked leaves the tail unchecked: exit 3.
 */
import { chainsIn, verifyLog, type LogVerdict } from '../../audit/log-verify.ts';
import { logOrigin, logVerifiers } from '../../audit/log-origin.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../gateway/gateway.tables.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import { loadSigningKeys, publicJwks } from '../../store/keys.ts';
import type { Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';
import { askWitnesses } from '../witnesses.ts';

type Report = LogVerdict & { origin: string; unchecked: Record<string, string> };

function describe(r: Report): string {
  if (!r.ok) return `log ${r.chain}: BROKEN: ${r.failure?.message ?? ''}`;
  const witnessed = r.witnessed.map((w) => `${w.witness} at ${w.size}`).join(', ');
  const lines = [
    `log ${r.chain}: OK, ${r.records} records, ${r.checkpoints} signed checkpoints, witnessed by ${witnessed || 'no witness'}`,
  ];
  for (const [w, why] of Object.entries(r.unchecked))
    lines.push(`  UNCHECKED: witness ${w} could not be asked (${why}): the newest records are not checked against it`);
  return lines.join('\n');
}

/** Verifies a gateway's access logs; exit 1 when one is broken, 3 when a witness could not be asked. */
export const auditVerifyCommand: Command = {
  path: ['audit', 'verify'],
  summary: "check a gateway's access logs: records, signed checkpoints and the witnesses' cosigned checkpoints",
  usage: 'portti audit verify [--config FILE] [--name GATEWAY] [--json]',
  options: { ...configOption, name: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
  async run(values) {
    const config = load(values);
    const name = named(config, 'gateway', values.name as string | undefined);
    const gateway = config.gateways.find((g) => g.name === name)!;
    const store = await openStore<GatewayDatabase>(storeLocationFor(config, name));
    try {
      await migrateToLatest(store, gatewayMigrations);
      const jwks = publicJwks(await loadSigningKeys(store.db));
      const reports: Report[] = [];
      for (const chain of await chainsIn(store.db)) {
        const origin = logOrigin(gateway.public_url, chain);
        const keys = logVerifiers(jwks, origin);
        const view = await askWitnesses(
          gateway.operators.map((o) => o.issuer),
          origin,
          keys,
        );
        const verdict = await verifyLog(store.db, chain, keys, view.checkpoints);
        reports.push({ ...verdict, origin, unchecked: Object.fromEntries(view.unreachable) });
      }
      if (values.json) process.stdout.write(`${JSON.stringify(reports)}\n`);
      else if (reports.length === 0) process.stdout.write('no access records yet\n');
      else process.stdout.write(`${reports.map(describe).join('\n')}\n`);
      if (!reports.every((r) => r.ok)) return 1;
      return reports.some((r) => Object.keys(r.unchecked).length > 0) ? 3 : 0;
    } finally {
      await store.close();
    }
  },
};
