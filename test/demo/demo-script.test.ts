/**
 * `npm run demo` as CI runs it: the whole daycare-fee scenario on the embedded defaults
 * (on free ports, so it can run beside the `portti start` test and beside another checkout's run).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoPorts } from '../helpers/demo-ports.ts';

/** Runs a command to its end without blocking the event loop (spawnSync would). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeout: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('narrates every step and exits 0 with a JSON summary on the last line', async () => {
    const env = { ...process.env, ...(await demoPorts()).env };
    const res = await run(process.execPath, ['scripts/demo.ts', '--json'], env, 120_000);
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as { ok: boolean; steps: number; refused_after_withdrawal: boolean; monthly_fee_eur: number };
    expect(summary).toMatchObject({ ok: true, steps: 8, refused_after_withdrawal: true });
    expect(summary.monthly_fee_eur).toBeGreaterThanOrEqual(0);
    expect(res.stdout).toContain("✔ 7. the next read of Mikko's income is refused at the gateway");
    expect(res.stdout).not.toContain('✘');
  }, 150_000);
});
