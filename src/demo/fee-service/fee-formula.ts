/**
 * The monthly early childhood education (daycare) fee of Finnish municipalities, per the
 * Act on Early Childhood Education Client Fees (laki varhaiskasvatuksen asiakasmaksuista
 * 1503/2016, §§ 3–7), with the index-adjusted parameters in force from 1 August 2024.
 * Pure and parameterised: pass other parameters for other years.
 *
 * fee (youngest child, full-time care) = min(max_fee, (family income − threshold) × percentage),
 * rounded down to whole euros; a fee below the minimum is not charged.
 */

export interface FeeParameters {
  /** The year and source of the figures, shown to the family. */
  label: string;
  /** Monthly income limits by family size (persons); larger families add `per_extra_child`. */
  thresholds: Record<number, number>;
  per_extra_child: number;
  /** Share of income above the limit (0.107 = 10.7 %). */
  percentage: number;
  max_fee: number;
  min_fee: number;
}

/** Parameters valid from 1 August 2024 (Ministry of Education and Culture index adjustment). */
export const FEE_PARAMETERS_2024: FeeParameters = {
  label: 'Act 1503/2016, parameters from 1 August 2024',
  thresholds: { 2: 3874, 3: 4998, 4: 5675, 5: 6353, 6: 7028 },
  per_extra_child: 262,
  percentage: 0.107,
  max_fee: 311,
  min_fee: 28,
};

/** What the fee depends on. */
export interface FeeInput {
  /** Persons in the family: the guardians living together and their minor children. */
  family_size: number;
  /** Each guardian's gross monthly income in euros. */
  monthly_incomes: number[];
}

/** The fee, the figures it was computed from and a sentence explaining it. */
export interface FeeResult {
  monthly_fee_eur: number;
  family_income_eur: number;
  threshold_eur: number;
  explanation: string;
}

/** Income limit for a family of `size` persons. */
export function threshold(size: number, p: FeeParameters = FEE_PARAMETERS_2024): number {
  if (!Number.isInteger(size) || size < 2) throw new RangeError('a family has at least two persons (one guardian and the child)');
  const largest = Math.max(...Object.keys(p.thresholds).map(Number));
  return size <= largest ? p.thresholds[size]! : p.thresholds[largest]! + (size - largest) * p.per_extra_child;
}

/** Computes the monthly fee for the youngest child in full-time care. */
export function monthlyFee(input: FeeInput, p: FeeParameters = FEE_PARAMETERS_2024): FeeResult {
  const income = Math.round(input.monthly_incomes.reduce((a, b) => a + b, 0) * 100) / 100;
  const limit = threshold(input.family_size, p);
  const raw = Math.floor(Math.max(0, income - limit) * p.percentage);
  const fee = raw < p.min_fee ? 0 : Math.min(p.max_fee, raw);
  const explanation = explain(fee, income, limit, input.family_size, p);
  return { monthly_fee_eur: fee, family_income_eur: income, threshold_eur: limit, explanation };
}

/** The sentence the family sees: why no fee, the maximum fee, or how the fee was computed. */
function explain(fee: number, income: number, limit: number, familySize: number, p: FeeParameters): string {
  const eur = `${income.toFixed(2)} €`;
  if (fee === 0) return `Family income ${eur} is below or close to the limit ${limit} € for ${familySize} persons: no fee (${p.label}).`;
  if (fee === p.max_fee) return `Family income ${eur} gives the maximum fee ${p.max_fee} € (${p.label}).`;
  const percent = `${(p.percentage * 100).toFixed(1)} %`;
  return `${percent} of the income above the limit: (${eur} − ${limit} €) × ${percent} = ${fee} € (${p.label}).`;
}
