/**
 * The fee service's pure parts: where a case stands (status, who still has to consent, how the
 * consents ended), and the sentences and numbers its pages write in Finnish, Swedish and English.
 */
import { describe, expect, it } from 'vitest';
import { endedSentence, feeExplanation, readSentence, statusSentence } from '../../src/demo/fee-service/application.view.ts';
import type { Application, ConsentTrack } from '../../src/demo/fee-service/applications.ts';
import { casesFor } from '../../src/demo/fee-service/case-list.ts';
import { caseStatus, consentEnd, stillToConsent } from '../../src/demo/fee-service/case-status.ts';
import { monthlyFee } from '../../src/demo/fee-service/fee-formula.ts';
import { eur, ftn, swedishGenitive } from '../../src/demo/fee-service/fee-i18n.ts';
import { operatorNames } from '../../src/demo/fee-service/fee-pages.ts';
import { FEE_MESSAGES } from '../../src/demo/fee-service/fee-messages.data.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const AINO = '010188-9028';
const MIKKO = '020286-9059';

function track(operator: string, status: ConsentTrack['status'], ...subjects: Array<[string, ConsentTrack['subjects'][0]['status']?]>) {
  return {
    operator,
    record_id: `urn:uuid:${operator}`,
    status,
    changed_at: '2026-06-12T11:03:00.000Z',
    subjects: subjects.map(([identifier, s], i) => ({ ref: `p${i}`, identifier, ...(s ? { status: s } : {}) })),
  } satisfies ConsentTrack;
}

function application(consents: ConsentTrack[], extra: Partial<Application> = {}): Application {
  return {
    application_id: 'app-1',
    created_at: '2026-06-12T10:00:00.000Z',
    child: '110522A9876',
    family_size: 3,
    guardians: [
      { personal_identity_code: AINO, operator: A, name: 'Aino' },
      { personal_identity_code: MIKKO, operator: B, name: 'Mikko' },
    ],
    consents,
    status: 'waiting_for_consents',
    reads: [],
    message: '',
    ...extra,
  };
}

const fee = monthlyFee({ family_size: 3, monthly_incomes: [3000, 3000] });

describe('case status', () => {
  it('waits, then is consented, then decided', () => {
    const waiting = application([track(A, 'active', [AINO]), track(B, 'pending', [MIKKO])]);
    expect(caseStatus(waiting)).toBe('waiting_for_consents');
    expect(stillToConsent(waiting).map((g) => g.name)).toEqual(['Mikko']);
    const consented = application([track(A, 'active', [AINO]), track(B, 'active', [MIKKO])]);
    expect(caseStatus(consented)).toBe('consented');
    expect(stillToConsent(consented)).toEqual([]);
    expect(caseStatus({ ...consented, fee })).toBe('fee_decided');
  });

  it('one shared record: the parent who approved is no longer waited for', () => {
    const shared = application([track(A, 'pending', [AINO, 'approved'], [MIKKO, 'pending'])]);
    expect(stillToConsent(shared).map((g) => g.name)).toEqual(['Mikko']);
  });

  it('a withdrawal wins over a decided fee and names who withdrew and when', () => {
    const separate = application([track(A, 'active', [AINO]), track(B, 'withdrawn', [MIKKO])], { fee });
    expect(caseStatus(separate)).toBe('consent_withdrawn');
    expect(consentEnd(separate)).toEqual({ status: 'withdrawn', guardians: [MIKKO], at: '2026-06-12T11:03:00.000Z' });
    expect(stillToConsent(separate)).toEqual([]);
    const shared = application([track(A, 'withdrawn', [AINO, 'approved'], [MIKKO, 'withdrawn'])]);
    expect(consentEnd(shared)!.guardians).toEqual([MIKKO]);
    const unknown = application([track(A, 'withdrawn', [AINO], [MIKKO])]);
    expect(consentEnd(unknown)!.guardians).toEqual([]);
  });

  it('declined, expired and refused reads', () => {
    expect(caseStatus(application([track(A, 'declined', [AINO])]))).toBe('consent_declined');
    expect(caseStatus(application([track(A, 'expired', [AINO])]))).toBe('consent_ended');
    const refused = application([track(A, 'active', [AINO])], { fee, refused: { guardians: [AINO], at: '2026-06-12T11:05:00Z' } });
    expect(caseStatus(refused)).toBe('consent_ended');
    expect(consentEnd(refused)!.status).toBe('refused');
  });

  it('the case list filters by status, newest first, and shows everything for an unknown filter', () => {
    const older = application([track(A, 'pending', [AINO])], { application_id: 'old', created_at: '2026-01-01T00:00:00Z' });
    const newer = application([track(A, 'withdrawn', [AINO])], { application_id: 'new' });
    expect(casesFor([older, newer], undefined).map((a) => a.application_id)).toEqual(['new', 'old']);
    expect(casesFor([older, newer], 'consent_withdrawn').map((a) => a.application_id)).toEqual(['new']);
    expect(casesFor([older, newer], 'nonsense')).toHaveLength(2);
  });
});

describe('the words of the fee pages', () => {
  const names = operatorNames([
    { issuer: A, name: { fi: 'Operaattori A', sv: 'Operatör A', en: 'operator A' } },
    { issuer: B, name: { fi: 'Operaattori B', sv: 'Operatör B', en: 'operator B' } },
  ]);
  const read = { guardian: AINO, operator: A, source: 'incomes-register' as const, status: 200, at: '2026-06-12T11:03:00.000Z' };
  const app = application([track(A, 'active', [AINO]), track(B, 'withdrawn', [MIKKO])]);

  it('lists a read with source, operator and local time with zone', () => {
    expect(readSentence(app, read, 'en', names)).toBe(
      "Aino's annual income read from the Incomes Register via operator A at 12 Jun 2026, 14:03 EEST",
    );
    expect(readSentence(app, read, 'fi', names)).toMatch(
      /^Aino: vuositulot luettiin lähteestä Tulorekisteri operaattorin Operaattori A kautta 12\.6\.2026 klo 14\.03 UTC\+3$/,
    );
    expect(readSentence(app, read, 'sv', names)).toMatch(
      /^Ainos årsinkomst lästes från Inkomstregistret via Operatör A den 12 juni 2026 14\.03 EEST$/,
    );
    expect(readSentence(app, { ...read, status: 403 }, 'en', names)).toMatch(/^Reading Aino's annual income .* was refused at /);
    expect(readSentence(application([]), { ...read, guardian: 'x' }, 'en', names)).toMatch(/^Guardian 0's/);
  });

  it('says whose consent ended, when, and that the maximum fee applies', () => {
    const end = consentEnd(app)!;
    expect(endedSentence(app, end, 'en')).toBe('Mikko withdrew consent on 12 Jun 2026, 14:03 EEST — the maximum fee applies.');
    expect(endedSentence(app, end, 'fi')).toMatch(/^Mikko perui suostumuksen 12\.6\.2026 klo 14\.03 UTC\+3 – enimmäismaksu/);
    expect(endedSentence(app, { ...end, guardians: [] }, 'sv')).toMatch(/^En vårdnadshavare återkallade samtycket/);
    expect(statusSentence(application([track(A, 'pending', [AINO]), track(B, 'pending', [MIKKO])]), 'en')).toBe(
      'Waiting for Aino and Mikko to decide at their MyData operator.',
    );
  });

  it('writes euros, counts and genitives for the language', () => {
    expect(eur(311, 'fi')).toBe('311\u00a0€');
    expect(eur(311, 'en')).toBe('€311');
    expect(eur(120.5, 'sv')).toBe('120,50\u00a0€');
    expect([ftn('en', 'applications', 1), ftn('en', 'applications', 2), ftn('fi', 'applications', 2)]).toEqual([
      '1 application',
      '2 applications',
      '2 hakemusta',
    ]);
    expect(['Aino', 'Lars', 'Vårdnadshavare 1', 'Max'].map(swedishGenitive)).toEqual(['Ainos', 'Lars', 'Vårdnadshavare 1:s', 'Max']);
    expect(feeExplanation(fee, 3, 'en')).toBe('10.7% of the income above the limit: (€6,000 − €4,998) × 10.7% = €107.');
  });

  it('has every message in all three languages, none empty', () => {
    for (const [key, text] of Object.entries(FEE_MESSAGES)) for (const l of ['fi', 'sv', 'en'] as const) expect(text[l], key).not.toBe('');
  });
});
