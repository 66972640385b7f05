/**
 * `portti export`: everything an operator holds about one person (GDPR Art. 15 and 20), for
 * the operator's data-protection officer answering a written request: the same document the
 * person downloads from the dashboard (format portti-export/2, `requested_by: operator`),
 * streamed to standard output or a file. `--schema` prints the format's JSON Schema.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { offlineExport } from '../../operator/export/offline-export.ts';
import { exportJsonSchema } from '../../operator/export/export.schema.ts';
import { operatorMigrations, type OperatorDatabase } from '../../operator/operator.tables.ts';
import { storeLocationFor } from '../../shared/config.ts';
import { migrateToLatest, openStore } from '../../store/database.ts';
import { UsageError, type Command } from '../command.ts';
import { configOption, load, named } from '../config-options.ts';

/** Exports one person's data from an operator's store. */
export const exportCommand: Command = {
  path: ['export'],
  summary: 'everything an operator holds about a person (GDPR Art. 15/20), as JSON',
  usage:
    'portti export --person IDENTIFIER [--identifier-type fi_hetu] [--operator-config FILE] [--name OPERATOR] [--out FILE]\n' +
    '       portti export --schema',
  options: {
    ...configOption,
    'operator-config': { type: 'string' },
    name: { type: 'string', short: 'n' },
    person: { type: 'string', short: 'p' },
    'identifier-type': { type: 'string', default: 'fi_hetu' },
    out: { type: 'string', short: 'o' },
    schema: { type: 'boolean' },
  },
  async run(values) {
    if (values.schema) {
      process.stdout.write(`${JSON.stringify(exportJsonSchema(), null, 2)}\n`);
      return 0;
    }
    const person = values.person as string | undefined;
    if (!person) throw new UsageError('--person is required (the identifier of the person the request is about)');
    const identifierType = String(values['identifier-type']);
    const config = load({ config: values['operator-config'] ?? values.config });
    const op = config.operators.find((o) => o.name === named(config, 'operator', values.name as string | undefined))!;
    const store = await openStore<OperatorDatabase>(storeLocationFor(config, op.name));
    try {
      await migrateToLatest(store, operatorMigrations);
      const exports = await offlineExport(store, op);
      const prepared = await exports.prepare(await exports.ofPerson(identifierType, person), 'operator');
      const out = values.out ? createWriteStream(String(values.out)) : process.stdout;
      await pipeline(Readable.from(exports.chunks(prepared), { objectMode: false }), out, { end: out !== process.stdout });
      const found = prepared.head.subject.account_id !== null || prepared.recordIds.length > 0;
      process.stderr.write(
        found
          ? `exported ${prepared.recordIds.length} consent records and ${prepared.written} access records` +
              ` about ${identifierType} ${person}\n`
          : `no account and no consent record of ${op.name} names ${identifierType} ${person}: the export holds nothing about them\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
