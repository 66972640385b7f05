/**
 * Person-to-person mandates (modelled on Suomi.fi e-Authorizations): an adult grants a
 * trusted person, named by their personal identity code, the right to decide for them on the
 * services listed until a date; the delegate, signed in as themselves, decides or withdraws
 * the grantor's consents within it, and every such act is recorded on the record as done by
 * that delegate under the mandate (actor `mandate:<id>`, the delegate's name as the reason).
 * The grantor ends a mandate at any time; outside a mandate the operator refuses (403).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { identifierProblem } from '../../core/identifiers.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { CitizenService } from '../citizen/citizen.service.ts';
import type { CitizenRecordView } from '../citizen/view-models.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry } from '../registry/registry.ts';
import { MAX_MANDATE_MS, mandateRefusal, type MandateRefusal } from './mandate-scope.ts';
import { endMandate, insertMandate, mandateById, mandatesOfDelegate, mandatesOfGrantor, type MandateRow } from './mandates.repository.ts';
import type { MandatesDatabase } from './mandates.tables.ts';

/** A mandate as the grantor and the delegate see it. */
export interface Mandate {
  mandate_id: string;
  delegate_name: string;
  delegate_identifier: string;
  services: string[];
  valid_until: string;
  created_at: string;
  ended_at: string | null;
  /** `live`, `ended` (by the grantor) or `expired` (its date passed). */
  state: 'live' | 'ended' | 'expired';
}

/** What a grantor fills in. */
export interface MandateInput {
  delegate_name: string;
  /** The delegate's Finnish personal identity code. */
  delegate_identifier: string;
  services: string[];
  /** The last day (or instant) the mandate holds, ISO 8601. */
  valid_until: string;
}

/** A mandate given to the signed-in person: whose it is and the grantor's records within it. */
export interface ReceivedMandate {
  mandate: Mandate;
  grantor_name: string;
  records: CitizenRecordView[];
}

/** What is wrong with a mandate the grantor filled in (the page says it in their language). */
export type MandateProblem = 'name' | 'identifier' | 'self' | 'services' | 'until';

/** What a delegate does for the grantor. */
export type DelegateAct = { approve: boolean; choices?: string[] } | { withdraw: true };

/** The collaborators of {@link Mandates}. */
export interface MandatesOptions {
  db: Kysely<MandatesDatabase>;
  accounts: Accounts;
  citizens: CitizenService;
  consents: ConsentService;
  registry: Registry;
}

const REFUSALS: Record<MandateRefusal, string> = {
  not_delegate: 'this mandate does not name you',
  ended: 'the person who gave this mandate has ended it',
  expired: 'this mandate has expired',
  other_service: 'this mandate does not cover this service',
};

function view(row: MandateRow, now: number): Mandate {
  return {
    mandate_id: row.mandate_id,
    delegate_name: row.delegate_name,
    delegate_identifier: row.delegate_identifier,
    services: JSON.parse(row.services) as string[],
    valid_until: new Date(Number(row.valid_until)).toISOString(),
    created_at: new Date(Number(row.created_at)).toISOString(),
    ended_at: row.ended_at === null ? null : new Date(Number(row.ended_at)).toISOString(),
    state: row.ended_at !== null ? 'ended' : Number(row.valid_until) <= now ? 'expired' : 'live',
  };
}

const facts = (row: MandateRow) => ({
  ...row,
  services: JSON.parse(row.services) as string[],
  valid_until: Number(row.valid_until),
  ended_at: row.ended_at === null ? null : Number(row.ended_at),
});

/** Grants, lists, checks and ends mandates, and lets delegates act within them. */
export class Mandates {
  private readonly o: MandatesOptions;

  constructor(options: MandatesOptions) {
    this.o = options;
  }

  /** The grantor gives a mandate; the input is checked (a real identity code, services named and known, an end within a year). */
  async grant(grantorAccountId: string, input: MandateInput, now = Date.now()): Promise<Mandate> {
    const code = input.delegate_identifier.trim().toUpperCase();
    const name = input.delegate_name.trim();
    const bad = (problem: MandateProblem, detail: string) =>
      new ProblemError(400, 'validation_failed', detail, { mandate_problem: problem });
    if (!name) throw bad('name', 'name the person you give the mandate to');
    const problem = identifierProblem('fi_hetu', code);
    if (problem) throw bad('identifier', `delegate_identifier: ${problem}`);
    const own = await this.o.accounts.identifiers(grantorAccountId);
    if (own.some((i) => i.identifier_type === 'fi_hetu' && i.identifier === code))
      throw bad('self', 'you cannot give a mandate to yourself');
    const services = [...new Set(input.services)];
    if (services.length === 0) throw bad('services', 'choose at least one service the mandate covers');
    for (const s of services) if (!(await this.o.registry.service(s))) throw bad('services', `no service ${s}`);
    const until = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(input.valid_until) ? `${input.valid_until}T23:59:59Z` : input.valid_until);
    if (!Number.isFinite(until) || until <= now) throw bad('until', 'valid_until must be a date in the future');
    if (until > now + MAX_MANDATE_MS) throw bad('until', 'a mandate may run for a year at most');
    const row = {
      mandate_id: `urn:uuid:${randomUUID()}`,
      grantor_account_id: grantorAccountId,
      delegate_identifier_type: 'fi_hetu',
      delegate_identifier: code,
      delegate_name: name.slice(0, 120),
      services: JSON.stringify(services),
      valid_until: until,
      created_at: now,
      ended_at: null,
    };
    await insertMandate(this.o.db, row);
    return view(row, now);
  }

  /** The mandates the account has given, newest first. */
  async given(grantorAccountId: string, now = Date.now()): Promise<Mandate[]> {
    return (await mandatesOfGrantor(this.o.db, grantorAccountId)).map((r) => view(r, now));
  }

  /** The grantor ends one of their mandates (404 when it is not theirs or already ended). */
  async end(grantorAccountId: string, mandateId: string, now = Date.now()): Promise<void> {
    if (!(await endMandate(this.o.db, grantorAccountId, mandateId, now)))
      throw new ProblemError(404, 'not_found', `no mandate ${mandateId} of yours to end`);
  }

  /** The live mandates given to the signed-in person, each with the grantor's records it covers. */
  async received(delegateAccountId: string, now = Date.now()): Promise<ReceivedMandate[]> {
    const ids = await this.o.accounts.identifiers(delegateAccountId);
    const rows = (await mandatesOfDelegate(this.o.db, ids)).filter((r) => !mandateRefusal(facts(r), ids, null, now));
    const out: ReceivedMandate[] = [];
    for (const row of rows) {
      const m = view(row, now);
      const records = (await this.o.citizens.records(row.grantor_account_id)).filter(
        (r) => m.services.includes(r.client_id) && r.my_parties.some((p) => p.decides && p.acting_for === null),
      );
      out.push({ mandate: m, grantor_name: (await this.o.accounts.displayName(row.grantor_account_id)) ?? '', records });
    }
    return out;
  }

  /**
   * The delegate decides or withdraws for the grantor: refused (403) unless the mandate names
   * them, is live and covers the record's service; recorded under the mandate with the
   * delegate's own name (from their sign-in). Answers the record as the grantor sees it.
   */
  async act(delegateAccountId: string, mandateId: string, recordId: string, act: DelegateAct, now = Date.now()) {
    const row = await mandateById(this.o.db, mandateId);
    const ids = await this.o.accounts.identifiers(delegateAccountId);
    if (!row) throw new ProblemError(403, 'forbidden', REFUSALS.not_delegate, { mandate_refusal: 'not_delegate' });
    const grantor = row.grantor_account_id;
    const record = (await this.o.citizens.records(grantor)).find((r) => r.record_id === recordId);
    const refusal = mandateRefusal(facts(row), ids, record?.client_id ?? '', now);
    if (refusal) throw new ProblemError(403, 'forbidden', REFUSALS[refusal], { mandate_refusal: refusal });
    const party = record?.my_parties.find((p) => p.decides && p.acting_for === null);
    if (!record || !party) throw new ProblemError(403, 'forbidden', REFUSALS.other_service, { mandate_refusal: 'other_service' });
    const name = (await this.o.accounts.displayName(delegateAccountId)) || row.delegate_name;
    const actor = `mandate:${mandateId}`;
    if ('withdraw' in act) await this.o.consents.withdraw(recordId, party.party_id, actor, now, name);
    else await this.o.consents.decide(recordId, party.party_id, actor, { ...act, reason: name }, now);
    return this.o.citizens.record(grantor, recordId);
  }
}
