/**
 * `npm run demo` as CI runs it: the whole daycare-fee scenario on the embedded defaults
 * (its own ports here, so it can run beside the `portti start` test).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('narrates every step and exits 0 with a JSON summary on the last line', () => {
    const ports = {
      GATEWAY: 4100,
      OPERATOR_A: 4101,
      OPERATOR_B: 4102,
      IDP1: 4110,
      IDP2: 4111,
      INCOMES: 4120,
      POPULATION: 4121,
      FEE: 4130,
      PDS: 4140,
    };
    const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`PORTTI_${k}_PORT`, String(v)])) };
    const res = spawnSync(process.execPath, ['scripts/demo.ts', '--json'], { encoding: 'utf8', env, timeout: 120_000 });
    expect(res.status, res.stdout + res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as { ok: boolean; steps: number; refused_after_withdrawal: boolean; monthly_fee_eur: number };
    expect(summary).toMatchObject({ ok: true, steps: 8, refused_after_withdrawal: true });
    expect(summary.monthly_fee_eur).toBeGreaterThanOrEqual(0);
    expect(res.stdout).toContain("✔ 7. the next read of Mikko's income is refused at the gateway");
    expect(res.stdout).not.toContain('✘');
  }, 150_000);
});
