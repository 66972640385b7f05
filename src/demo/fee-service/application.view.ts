/**
 * One application as the family reads it, in their language: where it stands in a sentence
 * (who still has to decide, or whose consent ended when and that the maximum fee applies),
 * the fee and how it was computed, each consent, and every read the service made, as
 * "Aino's annual income read from the Incomes Register via operator A at 14:03".
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { listOf, type Locale } from '../../web/i18n.ts';
import { intlTag, localTime } from '../../web/local-time.ts';
import type { Application, IncomeReadEntry } from './applications.ts';
import { caseStatus, consentEnd, stillToConsent, type ConsentEnd } from './case-status.ts';
import { FEE_PARAMETERS_2024, type FeeResult } from './fee-formula.ts';
import { eur, ft, swedishGenitive, type FeeKey } from './fee-i18n.ts';
import { CONSENT_STATUS_LABELS } from './fee-messages.data.ts';

/** Display names the pages need: operators by issuer, in a language. */
export interface FeeNames {
  operator(issuer: string, locale: Locale): string;
}

/** A guardian's name as the family wrote it, else "Guardian 1". */
export function guardianName(a: Pick<Application, 'guardians'>, code: string, locale: Locale): string {
  const i = a.guardians.findIndex((g) => g.personal_identity_code === code);
  return a.guardians[i]?.name || ft(locale, 'guardian_n', { n: i + 1 });
}

const ENDED_WORDS: Record<ConsentEnd['status'], FeeKey> = {
  withdrawn: 'ended_withdrawn',
  declined: 'ended_declined',
  refused: 'ended_refused',
  expired: 'ended_other',
  suspended: 'ended_other',
  moved: 'ended_other',
  pending: 'ended_other',
  active: 'ended_other',
};

/** Why the maximum fee applies, in plain words: "Mikko withdrew consent on … — the maximum fee applies." */
export function endedSentence(a: Pick<Application, 'guardians'>, end: ConsentEnd, locale: Locale): string {
  const names =
    end.guardians.length > 0
      ? listOf(
          locale,
          end.guardians.map((g) => guardianName(a, g, locale)),
        )
      : ft(locale, 'a_guardian');
  return ft(locale, ENDED_WORDS[end.status], { names, time: localTime(end.at, locale) });
}

/** Where the application stands, in one sentence. */
export function statusSentence(a: Application, locale: Locale): string {
  const end = consentEnd(a);
  if (end) return endedSentence(a, end, locale);
  const status = caseStatus(a);
  if (status === 'fee_decided') return ft(locale, 'decided');
  const waiting = stillToConsent(a).map((g) => guardianName(a, g.personal_identity_code, locale));
  return status === 'waiting_for_consents' && waiting.length > 0
    ? ft(locale, 'waiting_for', { names: listOf(locale, waiting) })
    : ft(locale, 'reading');
}

/** One read as a sentence: whose income, from which source, through which operator, when (with zone). */
export function readSentence(a: Pick<Application, 'guardians'>, read: IncomeReadEntry, locale: Locale, names: FeeNames): string {
  const name = guardianName(a, read.guardian, locale);
  return ft(locale, read.status === 200 ? 'read_ok' : 'read_refused', {
    name,
    name_s: swedishGenitive(name),
    source: ft(locale, 'incomes_register'),
    operator: names.operator(read.operator, locale),
    time: localTime(read.at, locale),
  });
}

/** How the income-based fee was computed, in words. */
export function feeExplanation(fee: FeeResult, familySize: number, locale: Locale): string {
  const p = FEE_PARAMETERS_2024;
  const percent = new Intl.NumberFormat(intlTag(locale), { style: 'percent', minimumFractionDigits: 1 }).format(p.percentage);
  const vars = { income: eur(fee.family_income_eur, locale), limit: eur(fee.threshold_eur, locale), size: familySize, percent };
  if (fee.monthly_fee_eur === 0) return ft(locale, 'explain_zero', vars);
  if (fee.monthly_fee_eur === p.max_fee) return ft(locale, 'explain_max', { ...vars, max: eur(p.max_fee, locale) });
  return ft(locale, 'explain_share', { ...vars, fee: eur(fee.monthly_fee_eur, locale) });
}

function feeSection(a: Application, locale: Locale): SafeHtml {
  if (a.fee_basis === 'maximum') {
    return html`<p class="fee"><strong>${ft(locale, 'per_month_maximum', { fee: eur(a.monthly_fee_eur!, locale) })}</strong></p>
      ${a.dropped_fee_eur !== undefined ? html`<p>${ft(locale, 'dropped_fee', { fee: eur(a.dropped_fee_eur, locale) })}</p>` : ''}
      <p>${ft(locale, 'how_to_lower')}</p>`;
  }
  if (!a.fee) return html`<p>${ft(locale, 'fee_none')}</p>`;
  return html`<p class="fee"><strong>${ft(locale, 'per_month', { fee: eur(a.fee.monthly_fee_eur, locale) })}</strong></p>
    <p>${feeExplanation(a.fee, a.family_size, locale)}</p>
    <p><small>${ft(locale, 'fee_law')}</small></p>`;
}

function consentTable(a: Application, locale: Locale, names: FeeNames): SafeHtml {
  const rows = a.consents.flatMap((c) =>
    c.subjects.map(
      (s) =>
        html`<tr>
          <td>${guardianName(a, s.identifier, locale)}</td>
          <td>${names.operator(c.operator, locale)}</td>
          <td>${CONSENT_STATUS_LABELS[c.status][locale]}</td>
        </tr>`,
    ),
  );
  return html`<div class="scroll fit" role="region" tabindex="0" aria-label="${ft(locale, 'consents')}">
    <table>
      <thead>
        <tr>
          <th scope="col">${ft(locale, 'guardian')}</th>
          <th scope="col">${ft(locale, 'operator')}</th>
          <th scope="col">${ft(locale, 'status')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** What the page shows of an application, in one string: a change means the page is out of date. */
export function applicationVersion(a: Application): string {
  const consents = a.consents.map((c) => `${c.status}:${c.subjects.map((s) => s.status ?? '').join(',')}`).join(';');
  return `${a.status}|${consents}|${a.reads.length}`;
}

/** The application page's body. */
export function applicationView(a: Application, locale: Locale, names: FeeNames, refreshing: boolean): SafeHtml {
  const reads = a.reads.map((r) => html`<li>${readSentence(a, r, locale, names)}</li>`);
  const watch = refreshing ? html`data-watch="/applications/${a.application_id}/version" data-version="${applicationVersion(a)}"` : '';
  return html`<p class="notice" role="status" ${watch}>${statusSentence(a, locale)}</p>
    ${refreshing ? html`<p><small>${ft(locale, 'refreshes')}</small></p>` : ''}
    <p>${ft(locale, 'application_child', { child: a.child, time: localTime(a.created_at, locale) })}</p>
    <h2>${ft(locale, 'fee')}</h2>
    ${feeSection(a, locale)}
    <h2>${ft(locale, 'consents')}</h2>
    ${consentTable(a, locale, names)}
    <h2>${ft(locale, 'reads_title')}</h2>
    ${
      reads.length === 0
        ? html`<p>${ft(locale, 'reads_none')}</p>`
        : html`<ul class="reads">
            ${reads}
          </ul>`
    }
    <form method="post" action="/applications/${a.application_id}/recheck" class="inline">
      <button type="submit">${ft(locale, 'check_again')}</button>
    </form>
    <p><a href="/">${ft(locale, 'new_application')}</a></p>`;
}
