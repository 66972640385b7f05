/**
 * The Customer Fee Unit's daycare-fee applications: one consent request per operator the
 * guardians chose (one request with `all_activators_activate` when both use the same
 * operator), each record's status followed from the operators' webhooks, the incomes read
 * once every consent is active, and then the fee, or the paper process when a consent
 * is declined or ends.
 */
import { randomUUID } from 'node:crypto';
import { monthlyFee, type FeeResult } from './fee-formula.ts';
import type { OperatorClient } from './operator-client.ts';

/** The purpose the service asks consent for. */
export const FEE_PURPOSE = 'https://w3id.org/dpv#ServiceProvision';

/** A guardian named in an application. */
export interface Guardian {
  personal_identity_code: string;
  /** Issuer of the operator this guardian uses. */
  operator: string;
}

/** One consent record the application waits on, at one operator. */
export interface ConsentTrack {
  operator: string;
  record_id: string;
  status: string;
  /** Party refs of the guardians in this record (for `?subject=`). */
  subjects: Array<{ ref: string; identifier: string }>;
}

/** Where an application stands. */
export type ApplicationStatus = 'waiting_for_consents' | 'reading_incomes' | 'fee_decided' | 'paper_process';

/** A family's application for a reduced daycare fee, as the service tracks it. */
export interface Application {
  application_id: string;
  child: string;
  family_size: number;
  guardians: Guardian[];
  consents: ConsentTrack[];
  status: ApplicationStatus;
  fee?: FeeResult;
  reads: Array<{ guardian: string; status: number; access_id?: string | null; at: string }>;
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
  /** Reads every guardian's income again; decides the fee when all reads succeed. Returns the statuses. */
  readIncomes(id: string): Promise<number[]>;
  /** Takes a record's new status from a verified operator event and moves its applications on. */
  recordStatus(issuer: string, recordId: string, status: string): Promise<void>;
  /** Resolves when the application satisfies `predicate`; rejects after `timeoutMs`. */
  waitFor(id: string, predicate: (a: Application) => boolean, timeoutMs?: number): Promise<Application>;
}

const PAPER_MESSAGE =
  'Both guardians have not (or no longer) consented to reading their income from the Incomes Register. ' +
  'Please send the income proofs by post or secure e-mail to the Customer Fee Unit, as before.';

const ENDED = ['declined', 'withdrawn', 'expired', 'suspended', 'moved'];

/** Keeps the applications in memory (a demo service) and drives them with the operator client. */
export function createApplicationBook(client: OperatorClient): ApplicationBook {
  const applications = new Map<string, Application>();
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());

  async function apply(input: ApplicationInput): Promise<Application> {
    const application: Application = {
      application_id: randomUUID(),
      child: input.child,
      family_size: input.family_size,
      guardians: input.guardians,
      consents: [],
      status: 'waiting_for_consents',
      reads: [],
      message: 'Waiting for both guardians to decide in their MyData operator.',
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
    return { operator: issuer, record_id: record.record_id, status: record.status, subjects };
  }

  async function readIncomes(id: string): Promise<number[]> {
    const application = applications.get(id)!;
    const statuses: number[] = [];
    const incomes: number[] = [];
    for (const track of application.consents) {
      for (const subject of track.subjects) {
        const read = await client.readIncome(track.operator, track.record_id, subject.ref);
        if (read.monthlyIncome !== undefined) incomes.push(read.monthlyIncome);
        statuses.push(read.status);
        application.reads.push({
          guardian: subject.identifier,
          status: read.status,
          access_id: read.accessId,
          at: new Date().toISOString(),
        });
      }
    }
    if (statuses.every((s) => s === 200) && incomes.length === application.guardians.length) {
      application.fee = monthlyFee({ family_size: application.family_size, monthly_incomes: incomes });
      application.status = 'fee_decided';
      application.message = `Monthly fee ${application.fee.monthly_fee_eur} €. ${application.fee.explanation}`;
    }
    notify();
    return statuses;
  }

  async function reconsider(application: Application) {
    if (application.consents.some((c) => ENDED.includes(c.status))) {
      application.status = 'paper_process';
      application.message = PAPER_MESSAGE;
    } else if (application.consents.every((c) => c.status === 'active') && application.status === 'waiting_for_consents') {
      application.status = 'reading_incomes';
      await readIncomes(application.application_id);
    }
    notify();
  }

  async function recordStatus(issuer: string, recordId: string, status: string): Promise<void> {
    for (const a of applications.values()) {
      const track = a.consents.find((c) => c.record_id === recordId && c.operator === issuer);
      if (!track) continue;
      track.status = status;
      await reconsider(a);
    }
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

  return { applications, apply, readIncomes, recordStatus, waitFor };
}
