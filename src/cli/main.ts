/**
 * The `portti` command line: one composition point per executable. It picks the subcommand
 * (one file per command group under `commands/`) by the longest matching words; each
 * subcommand parses its flags strictly; user errors print one paragraph and exit 2, never a stack.
 */
import { readFileSync } from 'node:fs';
import { runCommand, UsageError, type Command } from './command.ts';
import { auditVerifyCommand } from './commands/audit.ts';
import { auditVerifyExportCommand } from './commands/verify-export.ts';
import { exportCommand } from './commands/export.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { migrateCommand } from './commands/migrate.ts';
import { operatorCommand, operatorServiceAddCommand } from './commands/operator.ts';
import { pdsCommand, pdsKeygenCommand, pdsRotateKekCommand } from './commands/pds.ts';
import { receiptVerifyCommand } from './commands/receipt.ts';
import { startCommand } from './commands/start.ts';
import { trustGroupIssueStatementCommand } from './commands/issue-statement.ts';
import { trustGroupKeygenCommand, trustGroupShowCommand, trustGroupSignCommand, trustGroupVerifyCommand } from './commands/trust-group.ts';

/** Every subcommand, in the order the usage lists them. */
const COMMANDS: Command[] = [
  startCommand,
  gatewayCommand,
  operatorCommand,
  operatorServiceAddCommand,
  migrateCommand,
  pdsCommand,
  pdsKeygenCommand,
  pdsRotateKekCommand,
  auditVerifyCommand,
  auditVerifyExportCommand,
  exportCommand,
  trustGroupKeygenCommand,
  trustGroupSignCommand,
  trustGroupVerifyCommand,
  trustGroupShowCommand,
  trustGroupIssueStatementCommand,
  receiptVerifyCommand,
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  portti ${c.path.join(' ').padEnd(24)} ${c.summary}`);
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return [
    `portti ${version} — OASC MIM4 access gateway and MyData operator`,
    '',
    'Usage: portti <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "portti <command> --help" for a command\'s options.',
  ].join('\n');
}

/** Finds the longest command path matching the arguments. */
function match(argv: string[]): { command: Command; rest: string[] } | undefined {
  const candidates = COMMANDS.filter((c) => c.path.every((word, i) => argv[i] === word)).sort((a, b) => b.path.length - a.path.length);
  const command = candidates[0];
  return command ? { command, rest: argv.slice(command.path.length) } : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = match(argv);
  if (!found) {
    process.stderr.write(`portti: unknown command "${argv.join(' ')}"\n\n${usage()}\n`);
    return 2;
  }
  return runCommand(found.command, found.rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // everything was closed in order; do not wait for idle pooled connections to time out
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`portti: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`portti: unexpected failure: ${(err as Error).message}\n`);
    if (process.env.PORTTI_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  },
);
