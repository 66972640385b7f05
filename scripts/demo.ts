/**
 * `npm run demo`: the reduced daycare fee, end to end, headless, on the embedded defaults.
 * Aino (operator A) and Mikko (operator B) each consent, separately, to the City's Customer
 * Fee Unit reading their income from the Incomes Register; the service reads through the
 * gateway and computes the fee; Mikko withdraws; the next read is refused; both see every
 * read. Exits 0 only if every step behaved. `--json` prints a summary on the last line.
 */
import { join } from 'node:path';
import { runSystem } from '../src/app/system.ts';
import { DEMO_RESIDENTS } from '../src/demo/population/population.ts';
import { citizenGet, citizenPost, decide, signIn, type Citizen } from '../src/demo/citizen-client.ts';
import { loadPorttiConfig } from '../src/shared/config.ts';
import { tempDir } from './temp-dir.ts';

const json = process.argv.includes('--json');
const steps: Array<{ step: string; ok: boolean; detail: string }> = [];
const say = (text: string) => process.stdout.write(`${text}\n`);

function check(step: string, ok: boolean, detail: string): void {
  steps.push({ step, ok, detail });
  say(`${ok ? '✔' : '✘'} ${step}\n    ${detail}`);
  if (!ok) throw new Error(`step failed: ${step}`);
}

async function main(): Promise<void> {
  const env = {
    ...process.env,
    PORTTI_DATA_DIR: process.env.PORTTI_DATA_DIR ?? join(tempDir(), 'data'),
    PORTTI_LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.PORTTI_DEMO_DATABASE_URL ?? '',
  };
  const config = loadPorttiConfig('config/demo.yaml', env);
  const system = await runSystem(config, { logLevel: 'warn', env });
  let summary: Record<string, unknown> = {};
  try {
    const [a, b] = config.operators.map((o) => o.issuer);
    const fee = system.demo?.feeService;
    if (!fee || !a || !b) throw new Error('the demo configuration needs the fee service and two operators');
    const feeUrl = config.demo!.fee_service!.public_url;
    const aino = DEMO_RESIDENTS.aino;
    const mikko = DEMO_RESIDENTS.mikko;
    say(`\nThe Virtanen family applies for a reduced daycare fee for ${DEMO_RESIDENTS.eelis.name}.`);
    say(`${aino.name} uses operator A (${a}); ${mikko.name} uses operator B (${b}).\n`);

    const created = await fetch(`${feeUrl}/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        child: DEMO_RESIDENTS.eelis.personal_identity_code,
        family_size: 3,
        guardians: [
          { personal_identity_code: aino.personal_identity_code, operator: a },
          { personal_identity_code: mikko.personal_identity_code, operator: b },
        ],
      }),
    });
    const application = (await created.json()) as {
      application_id: string;
      consents: Array<{ operator: string; record_id: string; status: string }>;
    };
    check(
      "1. the Customer Fee Unit files a consent request at each parent's operator",
      created.status === 201 && application.consents.length === 2 && application.consents.every((c) => c.status === 'pending'),
      application.consents.map((c) => `${c.operator}: ${c.record_id} (${c.status})`).join('; '),
    );
    const recordAt = (issuer: string) => application.consents.find((c) => c.operator === issuer)!.record_id;

    const ainoAtA = await signIn(a, 'suomifi', aino.personal_identity_code);
    const pendingA = await citizenGet<Array<{ record_id: string }>>(ainoAtA, '/citizen/api/requests');
    const approvedA = await decide(ainoAtA, recordAt(a), { approve: true, choices: [] });
    check(
      '2. Aino signs in at operator A and approves (optional monthly income and benefits unticked)',
      pendingA.some((p) => p.record_id === recordAt(a)) && approvedA.status === 200,
      `record ${recordAt(a)} is ${((await approvedA.json()) as { status: string }).status}`,
    );
    const stillWaiting = fee.applications.get(application.application_id)!.status;

    const mikkoAtB = await signIn(b, 'suomifi', mikko.personal_identity_code);
    const approvedB = await decide(mikkoAtB, recordAt(b), { approve: true, choices: [] });
    check(
      '3. Mikko signs in at operator B and approves',
      approvedB.status === 200 && stillWaiting === 'waiting_for_consents',
      `until now the application was "${stillWaiting}"; record ${recordAt(b)} is active`,
    );

    const decided = await fee.waitFor(application.application_id, (x) => x.status === 'fee_decided' || x.status === 'paper_process');
    const reads = decided.reads.filter((r) => r.status === 200);
    check(
      '4. webhooks tell the service; it gets DPoP-bound tokens from A and B and reads both incomes through the gateway',
      reads.length === 2,
      decided.reads.map((r) => `read ${r.status} ${r.access_id ?? ''}`).join('; '),
    );
    check('5. the fee is computed', decided.status === 'fee_decided' && decided.fee !== undefined, decided.message);
    // the application moves on after the withdrawal: keep the figures as decided
    const decidedFee = { ...decided.fee };

    const withdrawn = await citizenPost(mikkoAtB, `/citizen/api/consents/${encodeURIComponent(recordAt(b))}/withdraw`, {});
    const paper = await fee.waitFor(application.application_id, (x) => x.status === 'paper_process');
    check(
      '6. Mikko withdraws at operator B; the service is told, drops the income-based fee and charges the maximum fee',
      withdrawn.status === 200 && paper.fee === undefined && paper.fee_basis === 'maximum',
      paper.message,
    );

    const after = await fee.readIncomes(application.application_id);
    check(
      "7. the next read of Mikko's income is refused at the gateway (Aino's alone is not enough)",
      after[1] === 403,
      `statuses of the next reads: Aino ${after[0]}, Mikko ${after[1]}`,
    );

    // access records reach the operators in the gateway's next report batch
    const logOf = async (who: Citizen) => {
      let entries: Array<{ outcome: string }> = [];
      for (let i = 0; i < 40 && entries.length < 2; i += 1) {
        entries = await citizenGet<Array<{ outcome: string }>>(who, '/citizen/api/access-log');
        if (entries.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      return entries;
    };
    const logA = await logOf(ainoAtA);
    const logB = await logOf(mikkoAtB);
    const count = (l: Array<{ outcome: string }>, o: string) => l.filter((e) => e.outcome === o).length;
    check(
      '8. both parents see every read in "Who used my data"',
      count(logA, 'allowed') >= 2 && count(logB, 'allowed') >= 1 && count(logB, 'refused') >= 1,
      `Aino at A: ${count(logA, 'allowed')} released; Mikko at B: ${count(logB, 'allowed')} released, ${count(logB, 'refused')} refused`,
    );

    summary = {
      ok: true,
      steps: steps.length,
      monthly_fee_eur: decidedFee.monthly_fee_eur,
      family_income_eur: decidedFee.family_income_eur,
      fee_after_withdrawal_eur: paper.monthly_fee_eur,
      refused_after_withdrawal: after[1] === 403,
      access_log: { aino_allowed: count(logA, 'allowed'), mikko_allowed: count(logB, 'allowed'), mikko_refused: count(logB, 'refused') },
    };
  } finally {
    await system.close();
  }
  // after shutdown, so that nothing the components log while stopping follows the summary line
  if (json) console.log(JSON.stringify(summary));
}

main().catch((err: Error) => {
  say(`\nThe demo did not complete: ${err.message}`);
  if (json) console.log(JSON.stringify({ ok: false, steps: steps.length, failed: err.message }));
  process.exitCode = 1;
});
