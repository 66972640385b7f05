/**
 * Running servers from the command line: keep a system up until SIGINT/SIGTERM, print its
 * URLs, close it in order; and the flags of one instance among several (`--port`,
 * `--instance`, `--no-mtls`).
 */
import type { RunningSystem, RunOptions } from '../app/system.ts';
import { UsageError } from './command.ts';

/**
 * Starts a system and keeps it up until SIGINT/SIGTERM, then closes it. The signal handlers
 * are in place before anything starts, so a signal during start-up also ends cleanly.
 */
export async function serve(start: () => Promise<Pick<RunningSystem, 'urls' | 'close'>>): Promise<number> {
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
export const instanceOptions = {
  name: { type: 'string', short: 'n' },
  port: { type: 'string' },
  instance: { type: 'string' },
  'no-mtls': { type: 'boolean' },
} as const;

/** The run options the instance flags ask for; throws UsageError for a bad port or instance id. */
export function instanceRun(values: Record<string, unknown>): Pick<RunOptions, 'port' | 'instance' | 'mtls'> {
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
