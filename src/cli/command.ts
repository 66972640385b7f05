/**
 * The shape of a CLI subcommand and the runner that parses its flags strictly.
 * Unknown flags and bad values end with a one-line reason, the usage, and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../shared/config-loader.ts';

/** The flag definitions of a command, as `node:util` parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** A CLI subcommand: the words that select it, its help, its flags and what it does. */
export interface Command {
  /** Words that select this command, e.g. `['audit', 'verify']`. */
  path: string[];
  summary: string;
  usage: string;
  options: Options;
  allowPositionals?: boolean;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number | void>;
}

/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** Writes to stderr and returns the exit code for a failure the user can fix. */
export function fail(message: string, code = 2): number {
  process.stderr.write(`portti: ${message}\n`);
  return code;
}

function helpText(command: Command): string {
  const flags = Object.entries(command.options)
    .map(([name, o]) => {
      const short = o.short ? `-${o.short}, ` : '    ';
      const arg = o.type === 'string' ? ` <value>` : '';
      return `  ${short}--${name}${arg}`;
    })
    .join('\n');
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${flags}\n  -h, --help`;
}

/** Parses flags for `command` and runs it; returns the process exit code. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    return fail(`${reason}\n\n${helpText(command)}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${helpText(command)}\n`);
    return 0;
  }
  try {
    return (await command.run(parsed.values as never, parsed.positionals)) ?? 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) return fail(err.message);
    throw err;
  }
}
