/**
 * Consent lifecycle at the operator: filing requests (asynchronous and interactive),
 * decisions, withdrawal, suspension, expiry and moves. Every change commits in one
 * transaction with its side effects (consent-effects.ts: signed feed events per source, a
 * signed 27560 receipt, webhook deliveries, and removal of grants when the record stops
 * being live); new records are built in consent-requests.ts.
 */
import { EventEmitter } from 'node:events';
import type { Kysely, Transaction } from 'kysely';
import {
  decide as decideCore,
  expire as expireCore,
  InvalidTransition,
  markMoved as markMovedCore,
  resume as resumeCore,
  suspend as suspendCore,
  withdraw as withdrawCore,
  type ConsentState,
  type HistoryEntry,
  type Party,
  type Purpose,
} from '../../core/consent.ts';
import { STATUS_RULES } from '../../core/consent-rules.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Dialect } from '../../store/database.ts';
import type { SigningKey } from '../../store/keys.ts';
import type { Registry, ServiceEntry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import { recordChangeEffects, republishErased, type ConsentChangeDatabase, type ReceiptFacts } from './consent-effects.ts';
import {
  interactiveRecord,
  movedAttributes,
  movedRecord,
  purposesFor,
  requestedRecord,
  type ConsentRequestInput,
  type MovedRecordInput,
  type NewRecord,
  type SubjectRef,
} from './consent-requests.ts';
import {
  dueForExpiry,
  eraseParties,
  insertRecord,
  loadRecord,
  loadRecords,
  partiesOfPerson,
  recordLanguage,
  saveTransition,
} from './consent.repository.ts';

/** What a service files, and how it names people (built in consent-requests.ts). */
export type { ConsentRequestInput, SubjectRef } from './consent-requests.ts';

type Trx = Transaction<ConsentChangeDatabase>;
/** A participant's decision; `reason` is written in the history (who decided under a mandate). */
type Decision = { approve: boolean; choices?: string[]; reason?: string };
/** A transition with the history's reason set, when one is given. */
const because = <T extends { history: HistoryEntry }>(r: T, reason?: string): T =>
  reason ? { ...r, history: { ...r.history, reason } } : r;

/** The collaborators and identity of the consent lifecycle. */
export interface ConsentServiceOptions {
  db: Kysely<ConsentChangeDatabase>;
  registry: Registry;
  issuer: string;
  operatorName: string;
  signingKey: () => SigningKey;
  dialect: Dialect;
  /** The pairwise subject the service knows a party by, when the party has an account (for receipts). */
  pairwiseSubject?: (party: Party, clientId: string) => Promise<string | null>;
  /** Guardians of a person (empty for adults); from the configured guardianship source. */
  guardiansOf?: (subject: SubjectRef) => Promise<SubjectRef[]>;
  /** Standing rules (permission arrangements) that may decide a freshly filed request. */
  arrangements?: {
    verdicts(
      state: ConsentState,
      now?: number,
    ): Promise<Array<{ party_id: string; choices: string[]; arrangement_id: string; reason: string }>>;
  };
}

/**
 * The operator's consent lifecycle. Emits `event` (feeds wake up) and `committed` (other
 * instances are notified) with the new feed seq after each commit, `changed` with the new
 * state after each transition, and `filed` with a service's new request once stored.
 */
export class ConsentService extends EventEmitter {
  private readonly o: ConsentServiceOptions;

  constructor(options: ConsentServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.o = options;
  }

  /** Builds the record's purposes from a service's agreement and the requested attributes. */
  async purposesFor(
    clientId: string,
    purposeIri: string,
    attributes?: Array<{ source: string; id: string }>,
  ): Promise<{ purposes: Purpose[]; service: ServiceDefinition; validity?: string }> {
    return purposesFor(this.o.registry, this.o.issuer, clientId, purposeIri, attributes);
  }

  /** Files an asynchronous consent request for the named subjects. */
  async fileRequest(clientId: string, input: ConsentRequestInput, now = Date.now()): Promise<ConsentState> {
    const agreed = await this.purposesFor(clientId, input.purpose, input.attributes);
    const record = await requestedRecord(clientId, input, agreed, this.o.guardiansOf, now);
    await this.create(record, input.language ?? null);
    const state = await this.applyArrangements(record.state, now);
    this.emit('filed', state);
    return state;
  }

  /** Lets the data subjects' permission arrangements decide a new pending record. */
  private async applyArrangements(state: ConsentState, now: number): Promise<ConsentState> {
    let current = state;
    for (const v of (await this.o.arrangements?.verdicts(state, now)) ?? []) {
      current = await this.transition(state.record_id, (s) => {
        const r = decideCore(s, v.party_id, { approve: true, choices: v.choices }, `arrangement:${v.arrangement_id}`, now);
        r.history.reason = v.reason;
        return r;
      });
    }
    return current;
  }

  /** Creates an active record from an interactive authorization (the citizen is the data subject). */
  async createInteractive(
    clientId: string,
    accountId: string,
    subject: SubjectRef,
    purposes: Purpose[],
    choices: string[],
    { validity = null, language = null, now = Date.now() }: { validity?: string | null; language?: string | null; now?: number } = {},
  ): Promise<ConsentState> {
    const record = interactiveRecord(clientId, accountId, subject, { purposes, choices, validity }, now);
    await this.create(record, language);
    return record.state;
  }

  /** Loads a record or answers 404. */
  async get(recordId: string): Promise<ConsentState> {
    const state = await loadRecord(this.o.db, recordId);
    if (!state) throw new ProblemError(404, 'not_found', `no consent record ${recordId}`);
    return state;
  }

  /** A participant's decision on a pending record (`reason`: who acted, for a delegate under a mandate). */
  async decide(recordId: string, partyId: string, actor: string, decision: Decision, now = Date.now()) {
    return this.transition(recordId, (s) => because(decideCore(s, partyId, decision, actor, now), decision.reason));
  }

  /** A participant withdraws the record (`reason` as for {@link decide}). */
  async withdraw(recordId: string, partyId: string, actor: string, now = Date.now(), reason?: string) {
    return this.transition(recordId, (s) => because(withdrawCore(s, partyId, actor, now), reason));
  }

  /** The record moved to another operator, where `newRecordId` replaces it. */
  async markMoved(recordId: string, newRecordId: string, actor: string, now = Date.now()) {
    return this.transition(recordId, (s) => markMovedCore(s, newRecordId, actor, now));
  }

  /**
   * Re-creates a record that moved here from another operator: a new record id with
   * `replaces` naming the old one, the purposes rebuilt from this operator's own agreement
   * with the service, the parties' decisions carried over (or asked again: `reconfirm`).
   */
  async importMoved(old: ConsentState, input: MovedRecordInput, now = Date.now()): Promise<ConsentState> {
    const { purpose, attributes } = movedAttributes(old, input.sourceIds);
    const { purposes } = await this.purposesFor(old.client_id, purpose, attributes);
    const record = movedRecord(old, input, purposes, now);
    await this.create(record, null);
    return record.state;
  }

  /**
   * Erases a person from every record that no longer stands (GDPR Art. 17): their parties'
   * identifiers and account links go, each such record's state goes once more on the feed
   * without them (gateways drop them within the feed's propagation bound) and its older feed
   * events, which named them, are deleted. A record still open (processing on another lawful
   * basis the person cannot withdraw, Art. 17(3)(b)) keeps them and is counted as kept.
   */
  async erasePerson(
    accountId: string | null,
    identifiers: Array<{ identifier_type: string; identifier: string }>,
  ): Promise<{ erased: number; kept: number }> {
    const parties = await partiesOfPerson(this.o.db, accountId, identifiers);
    let erased = 0;
    let kept = 0;
    for (const state of await loadRecords(this.o.db, [...parties.keys()])) {
      if (STATUS_RULES[state.status].open) {
        kept += 1;
        continue;
      }
      const erasure = { recordId: state.record_id, status: state.status, actor: accountId ? `account:${accountId}` : 'operator' };
      await this.commit(state.client_id, async (trx) => {
        await eraseParties(trx, erasure, parties.get(state.record_id) ?? []);
        // the record as now stored, without the erased identifiers, goes on the feed
        return republishErased(trx, (await loadRecord(trx, state.record_id))!, this.o);
      });
      erased += 1;
    }
    return { erased, kept };
  }

  /** The operator suspends a record (it stops being honoured until resumed). */
  async suspend(recordId: string, actor: string, reason: string, now = Date.now()) {
    return this.transition(recordId, (s) => suspendCore(s, actor, reason, now));
  }

  /** The operator resumes a suspended record. */
  async resume(recordId: string, actor: string, now = Date.now()) {
    return this.transition(recordId, (s) => resumeCore(s, actor, now));
  }

  /** Expires every record past its expiry; returns how many. */
  async expireDue(now = Date.now()): Promise<number> {
    let n = 0;
    for (const id of await dueForExpiry(this.o.db, now)) {
      try {
        await this.transition(id, (s) => expireCore(s, now));
        n += 1;
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
      }
    }
    return n;
  }

  /** Open records that end in (after, until], earliest first (participants are told before a consent ends). */
  async endingBetween(after: number, until: number, limit = 100): Promise<ConsentState[]> {
    return loadRecords(this.o.db, await dueForExpiry(this.o.db, until, limit, after));
  }

  /**
   * What the receipt of a change needs besides the record: the request's language (Finnish,
   * the dashboard's default, when it named none) and the data subjects' pairwise subjects.
   * Read before the transaction opens (see {@link commit}).
   */
  private async receiptFacts(state: ConsentState, language: string | null): Promise<ReceiptFacts> {
    const subjects = new Map<string, string>();
    for (const p of state.parties.filter((x) => x.role === 'data_subject')) {
      const subject = await this.o.pairwiseSubject?.(p, state.client_id);
      if (subject) subjects.set(p.party_id, subject);
    }
    return { language: language ?? 'fi', subjects };
  }

  /** Stores a new record with its effects. */
  private async create(record: NewRecord, language: string | null): Promise<void> {
    const facts = await this.receiptFacts(record.state, language);
    await this.commit(record.state.client_id, async (trx, service) => {
      await insertRecord(trx, record.state, record.first, language);
      return recordChangeEffects(trx, record.state, service, this.o, facts);
    });
  }

  private async transition(
    recordId: string,
    step: (s: ConsentState) => { state: ConsentState; history: HistoryEntry },
  ): Promise<ConsentState> {
    const current = await this.get(recordId);
    let result;
    try {
      result = step(current);
    } catch (err) {
      if (err instanceof InvalidTransition) {
        throw new ProblemError(409, 'invalid_transition', err.message, { record_id: recordId, consent_status: err.from });
      }
      throw err;
    }
    const facts = await this.receiptFacts(result.state, await recordLanguage(this.o.db, recordId));
    await this.commit(current.client_id, async (trx, service) => {
      await saveTransition(trx, current.version, result.state, result.history);
      return recordChangeEffects(trx, result.state, service, this.o, facts);
    });
    this.emit('changed', result.state);
    return result.state;
  }

  /**
   * Runs `work` in a transaction, then announces the new feed position. Everything the
   * work needs from outside the transaction is read before it starts (SQLite has one
   * connection: a read outside an open transaction would wait for it forever).
   */
  private async commit(
    clientId: string,
    work: (trx: Trx, service: ServiceEntry | undefined) => Promise<number | undefined>,
  ): Promise<void> {
    const service = await this.o.registry.service(clientId);
    const seq = await this.o.db.transaction().execute((trx) => work(trx, service));
    if (seq !== undefined) {
      this.emit('event', seq);
      this.emit('committed', seq);
    }
  }
}
