/**
 * The demo's depositor: a stand-in Tax Administration that signs each adult resident's tax
 * decision as a `pds-deposit+jwt` and deposits it into the demo personal data store over
 * HTTP, like a real register would. Its key is made at start-up; the public JWKS is
 * written to the file the store's depositor configuration names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { PdsService } from '../pds/pds.service.ts';
import { createIncomeModel, type IncomeDocument } from './registers/income-model.ts';
import { ageAt, type Family, type Person } from './population/population.ts';

/** Where to deposit, as whom, and for which people. */
export interface DemoDepositOptions {
  pdsUrl: string;
  pds: PdsService;
  depositorId: string;
  jwksFile: string;
  category: string;
  people: Person[];
  families: Family[];
  seed: number;
  /** Aggregate services the generated residents opt in to (the sign-in residents decide themselves). */
  optIn: string[];
  /** Residents who can sign in (left to decide their own opt-ins). */
  residents: string[];
}

/** The tax decision the stand-in Tax Administration signs for an adult (the document the store keeps). */
export function taxDecision(p: Person, income: IncomeDocument) {
  return {
    tax_year: income.income_year,
    earned_income: income.annual_income.gross_eur,
    taxable_income: income.annual_income.taxable_eur,
    tax_withheld: income.annual_income.tax_withheld_eur,
    employer: income.employer?.name ?? null,
    municipality: p.municipality.name,
    postal_code: p.address.postal_code,
    birth_date: p.birth_date,
    refund_account: income.bank_account.iban,
  };
}

/** Deposits a signed tax decision for every adult the store does not hold yet. Returns how many. */
export async function depositDemoDocuments(o: DemoDepositOptions): Promise<number> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${o.depositorId}-${Date.now()}`;
  mkdirSync(dirname(o.jwksFile), { recursive: true });
  writeFileSync(o.jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }, null, 2));
  const incomes = createIncomeModel(o.people, { seed: o.seed, families: o.families });
  let deposited = 0;
  for (const p of o.people.filter((x) => ageAt(x.birth_date) >= 18)) {
    const code = p.personal_identity_code;
    if (await o.pds.vault.current(o.pds.vault.subjectOf(code), o.category)) continue;
    const income = incomes.income(code);
    if (!income) continue;
    const document = taxDecision(p, income);
    const jws = await new SignJWT({
      identifier_type: 'fi_hetu',
      identifier: code,
      category: o.category,
      document,
      correctable: ['/refund_account'],
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'pds-deposit+jwt' })
      .setIssuer(o.depositorId)
      .setIssuedAt()
      .sign(privateKey);
    const res = await fetch(`${o.pdsUrl.replace(/\/$/, '')}/deposits`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: jws,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`demo deposit refused by the data store (${res.status}): ${await res.text()}`);
    deposited += 1;
    if (o.optIn.length > 0 && !o.residents.includes(code)) await o.pds.setSharing(code, o.optIn);
  }
  return deposited;
}
