/**
 * Variations of the daycare-fee case on the demo system: both parents at one operator
 * (one record, all_activators_activate), one parent declining, an unticked optional
 * attribute, a consent expiring, and guardians deciding for their child.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSystem, type RunningSystem } from '../../src/app/system.ts';
import { citizenGet, decide, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import type { FeeService } from '../../src/demo/fee-service/fee-service.ts';
import { DEMO_RESIDENTS } from '../../src/demo/population/population.ts';
import { loadPorttiConfig } from '../../src/shared/config.ts';
import { tempDir } from '../helpers/stores.ts';

const PORTS = {
  GATEWAY: 4200,
  OPERATOR_A: 4201,
  OPERATOR_B: 4202,
  IDP1: 4210,
  IDP2: 4211,
  INCOMES: 4220,
  POPULATION: 4221,
  FEE: 4230,
  PDS: 4240,
};

describe('daycare fee variations', () => {
  let system: RunningSystem;
  let fee: FeeService;
  let feeUrl: string;
  let a: string;
  let b: string;
  let incomes: string;
  let population: string;
  const people = DEMO_RESIDENTS;

  beforeAll(async () => {
    const env = {
      ...process.env,
      DATABASE_URL: '',
      PORTTI_DATA_DIR: join(tempDir(), 'data'),
      PORTTI_LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`PORTTI_${k}_PORT`, String(v)])),
    };
    const config = loadPorttiConfig('config/demo.yaml', env);
    system = await runSystem(config, { logLevel: 'silent', env });
    fee = system.demo!.feeService!;
    feeUrl = config.demo!.fee_service!.public_url;
    [a, b] = config.operators.map((o) => o.issuer) as [string, string];
    incomes = `${config.gateways[0]!.public_url}/sources/incomes-register`;
    population = `${config.gateways[0]!.public_url}/sources/population-register`;
    for (let i = 0; i < 100 && !system.gateways[0]!.feeds.get(a)!.isFresh(); i += 1) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
  afterAll(async () => system?.close());

  async function apply(guardians: Array<[string, string]>, extra: Record<string, unknown> = {}) {
    const res = await fetch(`${feeUrl}/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        child: people.eelis.personal_identity_code,
        family_size: 3,
        guardians: guardians.map(([code, operator]) => ({ personal_identity_code: code, operator })),
        ...extra,
      }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as {
      application_id: string;
      consents: Array<{ operator: string; record_id: string; subjects: Array<{ ref: string }> }>;
    };
  }

  it('both parents at the same operator: one record, all_activators_activate, read per parent', async () => {
    const app = await apply([
      [people.aino.personal_identity_code, a],
      [people.mikko.personal_identity_code, a],
    ]);
    expect(app.consents).toHaveLength(1);
    const record = app.consents[0]!;
    expect(record.subjects).toHaveLength(2);
    const aino = await signIn(a, 'suomifi', people.aino.personal_identity_code);
    expect((await decide(aino, record.record_id, { approve: true })).status).toBe(200);
    const view = await citizenGet<{ status: string; activation_mode: string; parties: Array<{ status: string; is_me: boolean }> }>(
      aino,
      `/citizen/api/consents/${encodeURIComponent(record.record_id)}`,
    );
    expect(view).toMatchObject({ status: 'pending', activation_mode: 'all_activators_activate' });
    expect(view.parties.filter((p) => !p.is_me).map((p) => p.status)).toEqual(['pending']);
    expect(fee.applications.get(app.application_id)!.status).toBe('waiting_for_consents');
    const mikko = await signIn(a, 'bank', people.mikko.personal_identity_code);
    expect((await decide(mikko, record.record_id, { approve: true })).status).toBe(200);
    const done = await fee.waitFor(app.application_id, (x) => x.status === 'fee_decided');
    expect(done.reads.map((r) => r.status)).toEqual([200, 200]);
  });

  it('one parent declines: the family falls back to the paper process', async () => {
    const app = await apply([
      [people.aino.personal_identity_code, a],
      [people.mikko.personal_identity_code, b],
    ]);
    const aino = await signIn(a, 'suomifi', people.aino.personal_identity_code);
    await decide(aino, app.consents.find((c) => c.operator === a)!.record_id, { approve: true });
    const mikko = await signIn(b, 'suomifi', people.mikko.personal_identity_code);
    expect((await decide(mikko, app.consents.find((c) => c.operator === b)!.record_id, { approve: false })).status).toBe(200);
    const paper = await fee.waitFor(app.application_id, (x) => x.status === 'paper_process');
    expect(paper.message).toMatch(/send the income proofs by post or secure e-mail/);
    expect(paper.reads).toHaveLength(0);
  });

  it('a parent unticks an optional attribute: the service gets only the rest', async () => {
    const filed = await fee.fileRequest(a, {
      subjects: [{ identifier_type: 'fi_hetu', identifier: people.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: 'https://w3id.org/dpv#ServiceProvision',
    });
    const aino = await signIn(a, 'suomifi', people.aino.personal_identity_code);
    // benefits ticked, monthly income unticked
    expect((await decide(aino, filed.record_id, { approve: true, choices: [`${incomes}#benefits`] })).status).toBe(200);
    const ok = await fee.read(a, filed.record_id, incomes, 'income', ['annual_income', 'income_year', 'benefits']);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body as object).sort()).toEqual(['annual_income', 'benefits', 'income_year']);
    const refused = await fee.read(a, filed.record_id, incomes, 'income', ['annual_income', 'monthly_income']);
    expect(refused.status).toBe(403);
  });

  it('a consent expires: the service is told and the next read is refused', async () => {
    const app = await apply([[people.aino.personal_identity_code, a]], { validity_duration: 'PT2S', family_size: 2 });
    const aino = await signIn(a, 'suomifi', people.aino.personal_identity_code);
    await decide(aino, app.consents[0]!.record_id, { approve: true });
    await fee.waitFor(app.application_id, (x) => x.status === 'fee_decided');
    const expired = await fee.waitFor(app.application_id, (x) => x.status === 'paper_process', 8000);
    expect(expired.consents[0]!.status).toBe('expired');
    const again = await fee.readIncomes(app.application_id);
    expect(again).toEqual([403]);
    const view = await citizenGet<{ status: string; history: Array<{ event_type: string }> }>(
      aino,
      `/citizen/api/consents/${encodeURIComponent(app.consents[0]!.record_id)}`,
    );
    expect(view.status).toBe('expired');
    expect(view.history.at(-1)!.event_type).toBe('dpv:ConsentExpired');
  }, 20_000);

  it('guardians decide for their child; the child cannot; the service reads only the consented attributes', async () => {
    const filed = await fee.fileRequest(a, {
      subjects: [{ identifier_type: 'fi_hetu', identifier: people.eelis.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: 'https://w3id.org/dpv#IdentityVerification',
    });
    // the service learns that guardians decide, but not who they are
    const roles = filed.parties.map((p) => `${p.role}:${p.identifier ?? '(not disclosed)'}`).sort();
    expect(roles).toEqual([`data_subject:${people.eelis.personal_identity_code}`, 'guardian:(not disclosed)', 'guardian:(not disclosed)']);
    const aino: Citizen = await signIn(a, 'suomifi', people.aino.personal_identity_code);
    const pending = await citizenGet<Array<{ record_id: string; my_parties: Array<{ role: string }> }>>(aino, '/citizen/api/requests');
    expect(pending.find((p) => p.record_id === filed.record_id)?.my_parties.map((p) => p.role)).toEqual(['guardian']);
    await decide(aino, filed.record_id, { approve: true });
    const mikko = await signIn(a, 'suomifi', people.mikko.personal_identity_code);
    await decide(mikko, filed.record_id, { approve: true });
    const read = await fee.read(a, filed.record_id, population, 'person', ['birth_date', 'municipality']);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ birth_date: '2022-05-11', municipality: { code: '091', name: 'Helsinki' } });
  });
});

describe('the Customer Fee Unit page for people clicking through', () => {
  it('takes an application from a form and shows its status', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: '',
      PORTTI_DATA_DIR: join(tempDir(), 'data'),
      PORTTI_LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [`PORTTI_${k}_PORT`, String(v + 50)])),
    };
    const config = loadPorttiConfig('config/demo.yaml', env);
    const system = await runSystem(config, { logLevel: 'silent', env });
    try {
      const base = config.demo!.fee_service!.public_url;
      const english = { 'accept-language': 'en-GB,en;q=0.9' };
      const form = await (await fetch(base, { headers: english })).text();
      expect(form).toContain('Apply and ask the guardians for consent');
      const res = await fetch(`${base}/apply`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...english },
        body: new URLSearchParams({
          child: DEMO_RESIDENTS.eelis.personal_identity_code,
          family_size: '3',
          name1: DEMO_RESIDENTS.aino.name,
          guardian1: DEMO_RESIDENTS.aino.personal_identity_code,
          operator1: config.operators[0]!.issuer,
          name2: DEMO_RESIDENTS.mikko.name,
          guardian2: DEMO_RESIDENTS.mikko.personal_identity_code,
          operator2: config.operators[1]!.issuer,
        }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      const view = await (await fetch(new URL(res.headers.get('location')!, base), { headers: english })).text();
      expect(view).toContain('Waiting for Aino Virtanen and Mikko Virtanen to decide at their MyData operator.');
      expect(view.match(/<td>Waiting for a decision<\/td>/g)).toHaveLength(2);
    } finally {
      await system.close();
    }
  }, 60_000);
});
