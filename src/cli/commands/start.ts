/**
 * `portti start`: every component of the configuration in one process (the demo by
 * default), or with `--instances N` several instances of every gateway and operator
 * sharing one PostgreSQL database, behind the built-in balancer (development) or HAProxy
 * with `deploy/haproxy.cfg` (`--balancer haproxy`).
 */
import { findHaproxy, HAPROXY_CONFIG, HAPROXY_INSTALL_HINT, haproxySlots } from '../../app/haproxy.ts';
import { runInstances, type BalancerKind } from '../../app/instances.ts';
import { runSystem } from '../../app/system.ts';
import { UsageError, type Command } from '../command.ts';
import { configOption, DEFAULT_CONFIG, load } from '../config-options.ts';
import { serve } from '../serve.ts';

/** Runs the whole system until stopped. */
export const startCommand: Command = {
  path: ['start'],
  summary: 'run every component of the configuration in one process (demo by default)',
  usage: 'portti start [--config config/demo.yaml] [--instances N [--balancer builtin|haproxy]]',
  options: { ...configOption, instances: { type: 'string' }, balancer: { type: 'string' } },
  async run(values) {
    const config = load(values);
    const instances = values.instances === undefined ? 1 : Number(values.instances);
    if (!Number.isInteger(instances) || instances < 1 || instances > 16)
      throw new UsageError('--instances must be a whole number from 1 to 16');
    const balancer = checkBalancer(values.balancer, instances);
    if (instances > 1) {
      if (!config.database_url) throw new UsageError('--instances needs PostgreSQL: set DATABASE_URL (instances share one database)');
      const behind = balancer === 'haproxy' ? 'HAProxy' : 'the built-in balancer (for development)';
      process.stdout.write(`Starting ${instances} instances of every gateway and operator on PostgreSQL behind ${behind}…\n`);
      return serve(() => runInstances(config, String(values.config ?? DEFAULT_CONFIG), instances, { balancer }));
    }
    process.stdout.write(`Starting Portti (${config.database_url ? 'PostgreSQL' : `SQLite under ${config.data_dir}`})…\n`);
    return serve(() => runSystem(config));
  },
};

/** The `--balancer` asked for; throws UsageError for an unknown one, HAProxy missing, or too few server slots. */
function checkBalancer(value: unknown, instances: number): BalancerKind {
  if (value === undefined) return 'builtin';
  if (value !== 'builtin' && value !== 'haproxy') throw new UsageError('--balancer must be builtin or haproxy');
  if (instances < 2) throw new UsageError('--balancer needs --instances 2 or more');
  if (value === 'haproxy') {
    if (!findHaproxy()) throw new UsageError(`--balancer haproxy needs HAProxy, which is not installed: ${HAPROXY_INSTALL_HINT}`);
    const slots = Math.min(haproxySlots('operator'), haproxySlots('gateway'));
    if (instances > slots)
      throw new UsageError(`${HAPROXY_CONFIG} has server lines for ${slots} instances per component: add lines for ${instances}`);
  }
  return value;
}
