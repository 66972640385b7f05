/**
 * `portti audit verify-export <file>`: checks, offline, that every access record in a citizen's
 * export is in the gateway's log as a checkpoint signed by the gateway and cosigned by the
 * operator says (see audit/export-verify.ts). Exit 0 all verified, 1 any entry fails (each named),
 * 3 when some entries carry no proof yet and none fails.
 */
import { readFileSync } from 'node:fs';
import { verifyExportedLog, type LogEvidence } from '../../audit/export-verify.ts';
import { UsageError, type Command } from '../command.ts';

/** Verifies an export's access log offline. */
export const auditVerifyExportCommand: Command = {
  path: ['audit', 'verify-export'],
  summary: "check offline that every access record in a citizen's export is in the gateway's signed, witnessed log",
  usage: 'portti audit verify-export FILE [--json]',
  options: { json: { type: 'boolean' } },
  allowPositionals: true,
  async run(values, positionals) {
    const [file] = positionals;
    if (!file) throw new UsageError('give the export file: portti audit verify-export FILE');
    let data: { access_log?: unknown; transparency?: LogEvidence };
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
    } catch (e) {
      throw new UsageError(`${file}: not a readable JSON export (${(e as Error).message})`);
    }
    if (!Array.isArray(data.access_log) || !data.transparency)
      throw new UsageError(`${file}: no access_log and transparency evidence (is it a Portti export?)`);
    const v = verifyExportedLog(data.access_log as Array<Record<string, unknown>>, data.transparency);
    if (values.json) process.stdout.write(`${JSON.stringify(v)}\n`);
    else {
      const out = [`${v.verified} of ${data.access_log.length} access records verified against the signed, witnessed log`];
      for (const f of v.failed) out.push(`FAILED ${f.access_id}: ${f.reason}`);
      if (v.unproven.length > 0)
        out.push(`UNPROVEN: ${v.unproven.length} records have no inclusion proof yet (logged within a second of the export)`);
      out.push(`witness key: ${data.transparency.witness_key}`);
      for (const [origin, keys] of Object.entries(data.transparency.log_keys)) out.push(`log ${origin}: ${keys.join(', ')}`);
      process.stdout.write(`${out.join('\n')}\n`);
    }
    if (v.failed.length > 0) return 1;
    return v.unproven.length > 0 ? 3 : 0;
  },
};
