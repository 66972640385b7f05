/**
 * `portti trust-group keygen|sign|verify|show`: the governance side of a trust group,
 * from making its key pair to signing, checking and reading the signed group document.
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
} from '../../trust/trust-group.ts';
import { UsageError, type Command } from '../command.ts';

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

/** Writes a new governance key pair. */
export const trustGroupKeygenCommand: Command = {
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
};

/** Signs a trust-group document. */
export const trustGroupSignCommand: Command = {
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
};

/** Verifies a signed trust-group document; exit 1 when invalid. */
export const trustGroupVerifyCommand: Command = {
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
      const counts = `${doc.members.length} members, ${doc.sources.length} sources`;
      process.stdout.write(`VALID: ${doc.name} (${doc.group_id}), rulebook ${doc.rulebook.version}, ${counts}, until ${doc.expires_at}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof TrustGroupError)) throw err;
      process.stdout.write(`INVALID: ${err.message}\n`);
      return 1;
    }
  },
};

/** Prints a signed trust-group document without verifying it. */
export const trustGroupShowCommand: Command = {
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
};
