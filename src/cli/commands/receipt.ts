/**
 * `portti receipt verify`: checks a signed consent receipt offline, and with the
 * operator's published keys also that the signing key is the operator's.
 */
import { readFileSync } from 'node:fs';
import { verifyReceipt } from '../../core/receipt.ts';
import { UsageError, type Command } from '../command.ts';

/** Verifies a consent receipt; exit 1 when invalid. */
export const receiptVerifyCommand: Command = {
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
};
