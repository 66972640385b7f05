/**
 * `portti receipt verify`: checks a signed consent receipt against its issuer's published keys,
 * which it finds itself (the issuer's RFC 8414 metadata → `jwks_uri`), or through a signed
 * trust-group document, or in a JWKS the user names. A key the receipt carries for itself is
 * never trusted. VALID exit 0, INVALID exit 1, UNVERIFIED (no issuer keys to check with) exit 3.
 */
import { readFileSync } from 'node:fs';
import { inspectReceipt, verifyReceipt } from '../../core/receipt/receipt.ts';
import { UsageError, type Command } from '../command.ts';
import { issuerKeys, KeysUnavailable } from '../issuer-keys.ts';

const EXIT = { valid: 0, invalid: 1, unverified: 3 } as const;

function say(outcome: keyof typeof EXIT, sentence: string): number {
  process.stdout.write(`${outcome.toUpperCase()}: ${sentence}\n`);
  return EXIT[outcome];
}

/** Verifies a consent receipt; exit 0 valid, 1 invalid, 3 unverified. */
export const receiptVerifyCommand: Command = {
  path: ['receipt', 'verify'],
  summary: "verify a signed consent receipt with its issuer's published keys",
  usage:
    'portti receipt verify <receipt.jws> [--jwks FILE|URL | --trust-group FILE|URL --governance-jwks FILE]\n\n' +
    "Without options the keys come from the issuer's RFC 8414 metadata (jwks_uri).\n" +
    'Exit codes: 0 VALID, 1 INVALID, 2 usage error, 3 UNVERIFIED (no issuer keys could be had).',
  options: { jwks: { type: 'string' }, 'trust-group': { type: 'string' }, 'governance-jwks': { type: 'string' } },
  allowPositionals: true,
  async run(values, positionals) {
    const file = positionals[0];
    if (!file) throw new UsageError('name the receipt file');
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
    const inspected = inspectReceipt(text);
    if (typeof inspected === 'string') return say('invalid', `${file} is no consent receipt: ${inspected}.`);
    const issuer = inspected.summary.issuer;
    let keys;
    try {
      keys = await issuerKeys(issuer, {
        jwks: values.jwks as string | undefined,
        trustGroup: values['trust-group'] as string | undefined,
        governanceJwks: values['governance-jwks'] as string | undefined,
      });
    } catch (err) {
      if (!(err instanceof KeysUnavailable)) throw err;
      return say('unverified', `no keys of the issuer ${issuer ?? '(none named)'} to check the signature with: ${err.message}.`);
    }
    const verdict = await verifyReceipt(text, keys.keys, keys.from);
    const which = `receipt ${inspected.summary.receipt_id ?? file} of ${issuer ?? 'no named issuer'}`;
    if (verdict.outcome !== 'valid') return say(verdict.outcome, `${which}: ${verdict.reason}.`);
    const s = verdict.summary;
    return say(
      'valid',
      `receipt ${s.receipt_id} for consent record ${s.record_id} (status ${s.status}), issued by ${s.issuer} at ${s.created}; ` +
        `signed with key "${verdict.kid}" from ${keys.from}.`,
    );
  },
};
