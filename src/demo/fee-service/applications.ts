/**
 * The Customer Fee Unit's daycare-fee applications: one consent request per operator the
 * guardians chose (one request with `all_activators_activate` when both use the same
 * operator), each record's status followed from the operators' webhooks and checked again
 * when someone looks, the incomes read once every consent is active, and then the fee. When a
 * consent is declined or ends, or a read is refused, the income-based fee is dropped for the
 * maximum fee (as without income data) and the case says whose consent ended and when.
 */
import { randomUUID } from 'node:crypto';
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { PartyStatus } from '../../core/consent.ts';
import { consentEnd, ENDED_STATUSES } from './case-status.ts';
import { FEE_PARAMETERS_2024, monthlyFee, type FeeResult } from './fee-formula.ts';
import type { OperatorClient } from './operator-client.ts';

/** The purpose the service asks consent for. */
export const FEE_PURPOSE = 'https://w3id.org/dpv#ServiceProvision';

/** A guardian named in an application. */
export interface Guardian {
  personal_identity_code: string;
  /** Issuer of the operator this guardian uses. */
  operator: string;
  /** The name the family wrote in the form (pages say "Aino's income"; without it "Guardian 1"). */
  name?: string;
}

/** One consent record the application waits on, at one operator. */
export interface ConsentTrack {
  operator: string;
  record_id: string;
  status: ConsentStatus;
  /** When the record last changed status, as the operator's event said (or when the service noticed). */
  changed_at?: string;
  /** When the service last asked the operator for the record (ms since epoch). */
  checked_at?: number;
  /** Party refs of the guardians in this record (for `?subject=`), with each one's own decision when known. */
  subjects: Array<{ ref: string; identifier: string; status?: PartyStatus }>;
}

/** One read of a guardian's income through the gateway. */
export interface IncomeReadEntry {
  guardian: string;
  /** The operator whose consent record the token named. */
  operator: string;
  source: 'incomes-register';
  status: number;
  access_id?: string | null;
  at: string;
}

/** Where an application stands in the service's own workflow (the case list derives its status from it). */
export type ApplicationStatus = 'waiting_for_consents' | 'reading_incomes' | 'fee_decided' | 'paper_process';

/** A family's application for a reduced daycare fee, as the service tracks it. */
export interface Application {
  application_id: string;
  created_at: string;
  child: string;
  family_size: number;
  guardians: Guardian[];
  consents: ConsentTrack[];
  status: ApplicationStatus;
  /** The income-based fee, only while it applies (removed when the consents end). */
  fee?: FeeResult;
  /** What the family is charged now and on what grounds (absent while undecided). */
  fee_basis?: 'income' | 'maximum';
  monthly_fee_eur?: number;
  /** The income-based fee that was dropped when the consents ended. */
  dropped_fee_eur?: number;
  /** Reads the gateway refused while the records still looked live. */
  refused?: { guardians: string[]; at: string };
  reads: IncomeReadEntry[];
  /** A sentence in English for API clients (pages say it in the visitor's language). */
  message: string;
}

/** What a family applies with. */
export interface ApplicationInput {
  child: string;
  family_size: number;
  guardians: Guardian[];
  validity_duration?: string;
}

/** The service's applications and what moves them on. */
export interface ApplicationBook {
  applications: Map<string, Application>;
  /** Files the consent requests and records the application (waiting for consents). */
  apply(input: ApplicationInput): Promise<Application>;
  /** Reads every guardian's income again; decides the fee when all reads succeed, drops it when one is refused. */
  readIncomes(id: string): Promise<number[]>;
  /** Takes a record's new status from a verified operator event and moves its applications on. */
  recordStatus(issuer: string, recordId: string, status: ConsentStatus, time?: string): Promise<void>;
  /** Asks the operators for the application's live records (at most every `maxAgeMs`) and moves it on. */
  refresh(id: string, maxAgeMs?: number): Promise<void>;
  /** Resolves when the application satisfies `predicate`; rejects after `timeoutMs`. */
  waitFor(id: string, predicate: (a: Application) => boolean, timeoutMs?: number): Promise<Application>;
}

const WAITING_MESSAGE = 'Waiting for both guardians to decide in their MyData operator.';
const ENDED_MESSAGE =
  'A guardian has not (or no longer) consented to reading their income from the Incomes Register: the maximum fee applies. ' +
  'For a fee set by income, send the income proofs by post or secure e-mail to the Customer Fee Unit, as before.';

const isEnded = (status: ConsentStatus) => ENDED_STATUSES.includes(status);

/** The application as the case stands once its consents ended: the maximum fee, and the old figure kept only as dropped. */
function dropFee(a: Application): void {
  a.status = 'paper_process';
  if (a.fee) a.dropped_fee_eur = a.fee.monthly_fee_eur;
  delete a.fee;
  a.fee_basis = 'maximum';
  a.monthly_fee_eur = FEE_PARAMETERS_2024.max_fee;
  a.message = ENDED_MESSAGE;
}

/** Keeps the applications in memory (a demo service) and drives them with the operator client. */
export function createApplicationBook(client: OperatorClient): ApplicationBook {
  const applications = new Map<string, Application>();
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());

  async function apply(input: ApplicationInput): Promise<Application> {
    const application: Application = {
      application_id: randomUUID(),
      created_at: new Date().toISOString(),
      child: input.child,
      family_size: input.family_size,
      guardians: input.guardians,
      consents: [],
      status: 'waiting_for_consents',
      reads: [],
      message: WAITING_MESSAGE,
    };
    const byOperator = new Map<string, Guardian[]>();
    for (const g of input.guardians) byOperator.set(g.operator, [...(byOperator.get(g.operator) ?? []), g]);
    for (const [issuer, guardians] of byOperator) application.consents.push(await requestConsent(issuer, guardians, input));
    applications.set(application.application_id, application);
    return application;
  }

  async function requestConsent(issuer: string, guardians: Guardian[], input: ApplicationInput): Promise<ConsentTrack> {
    const record = await client.fileRequest(issuer, {
      subjects: guardians.map((g) => ({ identifier_type: 'fi_hetu', identifier: g.personal_identity_code })),
      activation_mode: guardians.length > 1 ? 'all_activators_activate' : 'data_subject_activates',
      purpose: FEE_PURPOSE,
      language: 'fi',
      ...(input.validity_duration ? { validity_duration: input.validity_duration } : {}),
    });
    const subjects = record.sources[0]!.subjects.map((s) => ({
      ref: s.ref,
      identifier: record.parties.find((p) => p.party_id === s.ref)?.identifier ?? '',
    }));
    return { operator: issuer, record_id: record.record_id, status: record.status as ConsentStatus, subjects };
  }

  async function readIncomes(id: string): Promise<number[]> {
    const application = applications.get(id)!;
    const incomes: number[] = [];
    const refused: string[] = [];
    const statuses: number[] = [];
    for (const track of application.consents) {
      for (const subject of track.subjects) {
        const read = await client.readIncome(track.operator, track.record_id, subject.ref);
        if (read.monthlyIncome !== undefined) incomes.push(read.monthlyIncome);
        else refused.push(subject.identifier);
        statuses.push(read.status);
        const at = new Date().toISOString();
        const entry = { guardian: subject.identifier, operator: track.operator, source: 'incomes-register' as const, at };
        application.reads.push({ ...entry, status: read.status, access_id: read.accessId });
      }
    }
    if (refused.length === 0 && incomes.length === application.guardians.length && !consentEnd(application)) {
      application.fee = monthlyFee({ family_size: application.family_size, monthly_incomes: incomes });
      Object.assign(application, { status: 'fee_decided', fee_basis: 'income', monthly_fee_eur: application.fee.monthly_fee_eur });
      application.message = `Monthly fee ${application.fee.monthly_fee_eur} €. ${application.fee.explanation}`;
    } else if (refused.length > 0 && application.status === 'fee_decided' && !consentEnd(application)) {
      // a decided fee whose read is now refused: ask the operators why, and never keep the old figure meanwhile
      await refresh(id, 0);
      if (!consentEnd(application)) application.refused = { guardians: refused, at: new Date().toISOString() };
      await reconsider(application);
    }
    notify();
    return statuses;
  }

  async function reconsider(application: Application) {
    if (consentEnd(application)) {
      if (application.status !== 'paper_process') dropFee(application);
    } else if (application.consents.every((c) => c.status === 'active') && application.status === 'waiting_for_consents') {
      application.status = 'reading_incomes';
      await readIncomes(application.application_id);
    }
    notify();
  }

  /** Takes the record's status and each guardian's own decision from the operator. */
  async function checkTrack(track: ConsentTrack): Promise<void> {
    const view = await client.record(track.operator, track.record_id);
    track.checked_at = Date.now();
    if (view.status !== track.status) {
      track.status = view.status;
      if (isEnded(view.status)) track.changed_at ??= new Date().toISOString();
    }
    for (const s of track.subjects) {
      const party = view.parties.find((p) => p.party_id === s.ref);
      if (party) s.status = party.status;
    }
  }

  async function recordStatus(issuer: string, recordId: string, status: ConsentStatus, time?: string): Promise<void> {
    for (const a of applications.values()) {
      const track = a.consents.find((c) => c.record_id === recordId && c.operator === issuer);
      if (!track) continue;
      track.status = status;
      track.changed_at = time ?? new Date().toISOString();
      // whose decision it was, when several guardians share the record
      if (track.subjects.length > 1) await checkTrack(track).catch(() => undefined);
      await reconsider(a);
    }
  }

  async function refresh(id: string, maxAgeMs = 2000): Promise<void> {
    const a = applications.get(id);
    if (!a || a.status === 'paper_process') return;
    const stale = a.consents.filter((c) => !isEnded(c.status) && Date.now() - (c.checked_at ?? 0) >= maxAgeMs);
    // an operator out of reach leaves the record as its last event said
    await Promise.all(stale.map((c) => checkTrack(c).catch(() => undefined)));
    if (stale.length > 0 && a.status !== 'reading_incomes') await reconsider(a);
  }

  function waitFor(id: string, predicate: (a: Application) => boolean, timeoutMs = 15_000): Promise<Application> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const a = applications.get(id);
        if (a && predicate(a)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(a);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`application ${id} did not reach the expected state in ${timeoutMs} ms (now ${applications.get(id)?.status})`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  return { applications, apply, readIncomes, recordStatus, refresh, waitFor };
}
