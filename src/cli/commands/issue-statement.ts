/**
 * `portti trust-group issue-statement`: the governance signs a software statement (RFC 7591 §2.3)
 * for one service, which then registers itself at any operator of the group (`POST /oauth/register`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { ServiceSchema } from '../../operator/registry/registry.schema.ts';
import { parseConfigText } from '../../shared/config-loader.ts';
import { issueSoftwareStatement } from '../../trust/software-statement.ts';
import { importGovernanceKey, TrustGroupError } from '../../trust/trust-group.ts';
import { UsageError, type Command } from '../command.ts';

/** Reads a file or says which one could not be read. */
function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} ${file}`);
  }
}

/** Signs a software statement for a service definition. */
export const trustGroupIssueStatementCommand: Command = {
  path: ['trust-group', 'issue-statement'],
  summary:
    'sign a software statement (RFC 7591) for a service: its definition (name, controller, privacy notice, ' +
    'purposes with the attributes of its data agreement, jwks) as a registry document describes one; ' +
    'the service presents it to POST /oauth/register at any operator of the group',
  usage:
    'portti trust-group issue-statement --service service.yaml --group-id GROUP_ID --key governance.private.jwk.json ' +
    '--out statement.jwt [--days 365]',
  options: {
    service: { type: 'string', short: 's' },
    'group-id': { type: 'string' },
    key: { type: 'string', short: 'k' },
    out: { type: 'string', short: 'o' },
    days: { type: 'string' },
  },
  async run(values) {
    if (!values.service || !values['group-id'] || !values.key || !values.out)
      throw new UsageError('--service, --group-id, --key and --out are required');
    const days = Number(values.days ?? 365);
    if (!Number.isInteger(days) || days < 1 || days > 3660) throw new UsageError('--days must be a whole number from 1 to 3660');
    const file = String(values.service);
    const { client_id: softwareId, ...service } = parseConfigText(file, read(file, 'service definition'), ServiceSchema);
    if (!service.jwks) throw new UsageError(`${file}: a software statement carries the service's keys: give jwks (not jwks_uri)`);
    let jwk: JWK;
    try {
      jwk = JSON.parse(read(String(values.key), 'key')) as JWK;
    } catch (err) {
      throw err instanceof UsageError ? err : new UsageError(`key ${values.key} is not JSON`);
    }
    try {
      const key = await importGovernanceKey(jwk);
      const groupId = String(values['group-id']);
      writeFileSync(String(values.out), `${await issueSoftwareStatement({ groupId, softwareId, service, key, ttlS: days * 86400 })}\n`);
    } catch (err) {
      if (err instanceof TrustGroupError) throw new UsageError(err.message);
      throw err;
    }
    process.stdout.write(`signed a software statement for ${softwareId} in ${values['group-id']}, valid ${days} days → ${values.out}\n`);
    return 0;
  },
};
