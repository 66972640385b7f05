import { describe, expect, it } from 'vitest';
import { FEE_PARAMETERS_2024, monthlyFee, threshold } from '../../src/demo/fee-service/fee-formula.ts';

describe('daycare fee formula (Act 1503/2016, parameters from 1 August 2024)', () => {
  it('uses the income limit for the family size, adding 262 € per person beyond six', () => {
    expect(threshold(2)).toBe(3874);
    expect(threshold(3)).toBe(4998);
    expect(threshold(6)).toBe(7028);
    expect(threshold(8)).toBe(7028 + 2 * 262);
    expect(() => threshold(1)).toThrow(/at least two/);
  });

  it('charges 10.7 % of the income above the limit, rounded down', () => {
    const r = monthlyFee({ family_size: 3, monthly_incomes: [3000, 2500] });
    expect(r.family_income_eur).toBe(5500);
    expect(r.monthly_fee_eur).toBe(Math.floor((5500 - 4998) * 0.107));
    expect(r.explanation).toContain('10.7 %');
  });

  it('caps at the maximum fee and waives fees under the minimum', () => {
    expect(monthlyFee({ family_size: 3, monthly_incomes: [6000, 5000] }).monthly_fee_eur).toBe(FEE_PARAMETERS_2024.max_fee);
    expect(monthlyFee({ family_size: 3, monthly_incomes: [2600, 2500] }).monthly_fee_eur).toBe(0); // (5100-4998)*10.7 % = 10 € < 28 €
    expect(monthlyFee({ family_size: 4, monthly_incomes: [2000, 1500] }).monthly_fee_eur).toBe(0);
  });

  it('takes other parameters for other years', () => {
    const p = { ...FEE_PARAMETERS_2024, percentage: 0.1, max_fee: 100 };
    expect(monthlyFee({ family_size: 2, monthly_incomes: [4874] }, p).monthly_fee_eur).toBe(100);
  });
});
