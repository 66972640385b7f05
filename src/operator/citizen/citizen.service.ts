/**
 * What a signed-in citizen may see and do: their pending requests and consents (as a
 * participant, including as a guardian), decisions and withdrawals through their own
 * party, receipts, and the access log of every record they take part in (the export of it
 * all is export/).
 */
import type { Kysely } from 'kysely';
import { canWithdraw } from '../../core/consent-rules.ts';
import { activators, sourcesOf, subjectsForSource, type ConsentState, type HistoryEntry, type Party } from '../../core/consent.ts';
import { ProblemError } from '../../shared/errors.ts';
import { deleteAccount } from '../accounts/accounts.repository.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AccountIdentifier } from '../accounts/accounts.repository.ts';
import type { AccountsDatabase } from '../accounts/accounts.tables.ts';
import { detachAccount, loadHistories, loadHistory, loadRecord, loadRecords, recordIdsForAccount } from '../consent/consent.repository.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { ConsentDatabase } from '../consent/consent.tables.ts';
import { receiptsOf } from '../consent/receipts.repository.ts';
import type { ReceiptsDatabase } from '../consent/receipts.tables.ts';
import type { Registry, ServiceSummary } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { AccessLogFilter } from '../transparency/access-log.repository.ts';
import type { AccessReports } from '../transparency/access-reports.ts';
import type { MovedHistory } from '../portability/portability.ts';
import type { CitizenRecordView, LocalizedText } from './view-models.ts';

/** The citizen's access-log filter (owned by transparency/). */
export type { AccessLogFilter } from '../transparency/access-log.repository.ts';

/** What the citizen service reads and writes: records, receipts and the account (erasure). */
interface CitizenDatabase extends ConsentDatabase, ReceiptsDatabase, AccountsDatabase {}

/** The collaborators of {@link CitizenService}. */
export interface CitizenServiceOptions {
  db: Kysely<CitizenDatabase>;
  accounts: Accounts;
  consents: ConsentService;
  registry: Registry;
  accessReports: AccessReports;
  /** What other features keep of an account and delete at its erasure (standing permissions, moves). */
  forget?: Array<(accountId: string) => Promise<void>>;
  /** The history the citizen's moves here brought (portability/): old record ids and the evidence proving their uses. */
  history?: (accountId: string) => Promise<MovedHistory>;
  /** Leaves no copy of deleted rows in the store's files (store/database.ts `eraseResidue`). */
  eraseResidue?: () => Promise<void>;
}

/** What an erasure did: consents withdrawn, requests declined, records erased, records kept on another lawful basis. */
export interface ErasureResult {
  withdrawn: number;
  declined: number;
  erased: number;
  kept: number;
}

/** The parties of a record that are the account (by account id or one of its identifiers); with no account, by identifier only. */
function partiesOf(
  accountId: string | null,
  identifiers: Array<{ identifier_type: string; identifier: string }>,
  state: ConsentState,
): Party[] {
  return state.parties.filter(
    (p) =>
      (accountId !== null && p.account_id === accountId) ||
      identifiers.some((i) => i.identifier_type === p.identifier_type && i.identifier === p.identifier),
  );
}

/** The citizen's view of the operator: their records, decisions, receipts, access log, export and erasure. */
export class CitizenService {
  private readonly db: Kysely<CitizenDatabase>;
  private readonly accounts: Accounts;
  private readonly consents: ConsentService;
  private readonly registry: Registry;
  private readonly accessReports: AccessReports;
  private readonly forget: Array<(accountId: string) => Promise<void>>;
  private readonly eraseResidue: () => Promise<void>;
  /** What the citizen's moves here brought: the old records' ids and the old operators' evidence. */
  readonly movedHistory: (accountId: string) => Promise<MovedHistory>;

  constructor(options: CitizenServiceOptions) {
    this.db = options.db;
    this.accounts = options.accounts;
    this.consents = options.consents;
    this.registry = options.registry;
    this.accessReports = options.accessReports;
    this.forget = options.forget ?? [];
    this.eraseResidue = options.eraseResidue ?? (async () => undefined);
    this.movedHistory = options.history ?? (async () => ({ recordIds: [], evidence: new Map() }));
  }

  /** Record ids the account takes part in (as itself or by one of its identifiers). */
  private async recordIds(accountId: string): Promise<string[]> {
    return recordIdsForAccount(this.db, accountId, await this.accounts.identifiers(accountId));
  }

  /** The account's parties in a record (by account id or bound identifier). */
  async myParties(accountId: string, state: ConsentState): Promise<Party[]> {
    return partiesOf(accountId, await this.accounts.identifiers(accountId), state);
  }

  /** Every record the account takes part in, newest first, with history (a few queries in all). */
  async records(accountId: string): Promise<CitizenRecordView[]> {
    return this.recordsOf(accountId, await this.accounts.identifiers(accountId));
  }

  /**
   * Every record a person takes part in: an account with its identifiers, or (no account, as
   * when the operator answers a written request about someone who never signed in) the
   * identifiers alone. Newest first, with history.
   */
  async recordsOf(accountId: string | null, identifiers: AccountIdentifier[]): Promise<CitizenRecordView[]> {
    const ids = await recordIdsForAccount(this.db, accountId, identifiers);
    if (ids.length === 0) return [];
    const states = await loadRecords(this.db, ids);
    states.sort((a, b) => b.updated_at - a.updated_at);
    const histories = await loadHistories(this.db, ids);
    const services = await this.registry.summaries([...new Set(states.map((s) => s.client_id))]);
    const mine = new Map(states.map((s) => [s.record_id, partiesOf(accountId, identifiers, s)]));
    const names = await this.namesOf(states, mine);
    return states.map((s) => this.view(s, mine.get(s.record_id)!, histories.get(s.record_id) ?? [], services.get(s.client_id), names));
  }

  /** One record as the citizen sees it, or 404 when they take no part in it. */
  async record(accountId: string, recordId: string): Promise<CitizenRecordView> {
    const state = await loadRecord(this.db, recordId);
    const mine = state ? await this.myParties(accountId, state) : [];
    if (!state || mine.length === 0) throw new ProblemError(404, 'not_found', `no consent record ${recordId} of yours`);
    const names = await this.namesOf([state], new Map([[state.record_id, mine]]));
    const service = (await this.registry.summaries([state.client_id])).get(state.client_id);
    return this.view(state, mine, await loadHistory(this.db, recordId), service, names);
  }

  /** Names of the other participants of the records who have an account here (one query). */
  private async namesOf(states: ConsentState[], mine: Map<string, Party[]>): Promise<Map<string, string>> {
    const others = states.flatMap((s) => s.parties.filter((p) => !mine.get(s.record_id)?.some((m) => m.party_id === p.party_id)));
    return this.accounts.namesOf(others);
  }

  private view(
    state: ConsentState,
    mine: Party[],
    history: HistoryEntry[],
    service: ServiceSummary | undefined,
    names: Map<string, string>,
  ): CitizenRecordView {
    const deciders = new Set(activators(state).map((p) => p.party_id));
    const definition = service ? (JSON.parse(service.definition) as Partial<ServiceDefinition>) : undefined;
    const purpose = definition?.purposes?.find((p) => p.purpose === state.purposes[0]?.purpose);
    return {
      record_id: state.record_id,
      client_id: state.client_id,
      service_name: service ? (JSON.parse(service.name) as LocalizedText) : null,
      status: state.status,
      activation_mode: state.activation_mode,
      purposes: state.purposes,
      purpose_label: purpose?.label ?? null,
      purpose_description: purpose?.description ?? null,
      controller: definition?.controller ?? null,
      privacy_notice: definition?.privacy_notice ?? null,
      validity_duration: state.validity_duration,
      created_at: new Date(state.created_at).toISOString(),
      updated_at: new Date(state.updated_at).toISOString(),
      expires_at: state.expires_at === null ? null : new Date(state.expires_at).toISOString(),
      replaces: state.replaces,
      my_parties: mine.map((p) => ({
        party_id: p.party_id,
        role: p.role,
        status: p.status,
        acting_for: p.acting_for,
        /** For a guardian: the identifier of the child they act for. */
        acting_for_identifier: p.acting_for ? (state.parties.find((x) => x.party_id === p.acting_for)?.identifier ?? null) : null,
        decides: deciders.has(p.party_id),
        choices: p.choices,
      })),
      parties: state.parties.map((p) => ({
        party_id: p.party_id,
        role: p.role,
        status: p.status,
        acting_for: p.acting_for,
        is_me: mine.some((m) => m.party_id === p.party_id),
        decides: deciders.has(p.party_id),
        name: names.get(`${p.identifier_type}|${p.identifier}`) ?? null,
      })),
      released: sourcesOf(state).map((source) => ({
        source,
        subjects: subjectsForSource(state, source).map((s) => ({ ref: s.ref, datatypes: s.datatypes })),
      })),
      history: history.map((h) => ({ ...h, time: new Date(h.time).toISOString() })),
      awaiting_me: state.status === 'pending' && mine.some((p) => deciders.has(p.party_id) && p.status === 'pending'),
    };
  }

  /** Pending records waiting for this account's decision. */
  async pending(accountId: string): Promise<CitizenRecordView[]> {
    return (await this.records(accountId)).filter((r) => r.awaiting_me);
  }

  private async partyFor(accountId: string, recordId: string, partyId: string | undefined, pick: (p: Party, s: ConsentState) => boolean) {
    const state = await this.consents.get(recordId);
    const mine = (await this.myParties(accountId, state)).filter((p) => pick(p, state));
    if (mine.length === 0) throw new ProblemError(404, 'not_found', `no consent record ${recordId} of yours to act on`);
    if (partyId) {
      const p = mine.find((x) => x.party_id === partyId);
      if (!p) throw new ProblemError(403, 'forbidden', 'you do not act as that participant');
      return p;
    }
    if (mine.length > 1)
      throw new ProblemError(400, 'bad_request', 'you take part in this record several times; name the party_id you act as');
    return mine[0]!;
  }

  async decide(accountId: string, recordId: string, decision: { approve: boolean; choices?: string[]; party_id?: string }) {
    const party = await this.partyFor(accountId, recordId, decision.party_id, (p, s) =>
      activators(s).some((a) => a.party_id === p.party_id),
    );
    await this.consents.decide(recordId, party.party_id, `account:${accountId}`, decision);
    return this.record(accountId, recordId);
  }

  async withdraw(accountId: string, recordId: string, partyId?: string) {
    const party = await this.partyFor(accountId, recordId, partyId, (p, s) => activators(s).some((a) => a.party_id === p.party_id));
    await this.consents.withdraw(recordId, party.party_id, `account:${accountId}`);
    return this.record(accountId, recordId);
  }

  async receipts(accountId: string, recordId: string) {
    await this.record(accountId, recordId);
    return (await receiptsOf(this.db, [recordId])).map(({ receipt_id, time, jws }) => ({ receipt_id, time, jws }));
  }

  /**
   * Erases the person (GDPR Art. 17): declines every request awaiting their decision and
   * withdraws every live consent they decide; then erases their identifiers from every record
   * that no longer stands (consent/consent.service.ts `erasePerson`: gateways drop them too),
   * deletes the account, keychain, identifiers and sessions, and whatever other features keep
   * of the account (`forget`), and leaves no copy of the deleted rows in the store's files.
   * What stays, and why, is listed in docs/decisions.md ("Erasure").
   */
  async erase(accountId: string): Promise<ErasureResult> {
    const identifiers = await this.accounts.identifiers(accountId);
    let withdrawn = 0;
    let declined = 0;
    for (const r of await this.records(accountId)) {
      const deciding = r.my_parties.filter((p) => p.decides);
      const mine = deciding[0];
      if (mine && canWithdraw(r)) {
        await this.consents.withdraw(r.record_id, mine.party_id, `account:${accountId}`);
        withdrawn += 1;
      } else if (r.status === 'pending') {
        const undecided = deciding.find((p) => p.status === 'pending');
        if (!undecided) continue;
        await this.consents.decide(r.record_id, undecided.party_id, `account:${accountId}`, { approve: false });
        declined += 1;
      }
    }
    const { erased, kept } = await this.consents.erasePerson(accountId, identifiers);
    await this.db.transaction().execute(async (trx) => {
      await detachAccount(trx, accountId);
      await deleteAccount(trx, accountId);
    });
    for (const forget of this.forget) await forget(accountId);
    await this.eraseResidue();
    return { withdrawn, declined, erased, kept };
  }

  /** Access records of the citizen's consent records, newest first, filtered. */
  async accessLog(accountId: string, filter: AccessLogFilter = {}) {
    return this.accessReports.page(await this.accessRecordIds(accountId), filter);
  }

  /** The records whose uses the citizen sees: their own here, and those their moves brought from other operators. */
  async accessRecordIds(accountId: string): Promise<string[]> {
    const own = await this.recordIds(accountId);
    const moved = (await this.movedHistory(accountId)).recordIds;
    return moved.length === 0 ? own : [...new Set([...own, ...moved])];
  }

  /** Checks shown access-log entries' inclusion proofs against the checkpoints this operator cosigned. */
  async verifyAccessEntries(entries: Array<Record<string, unknown>>, accountId?: string) {
    const states = await this.checkAccessEntries(entries, accountId);
    const count = (x: string) => states.filter((y) => y === x).length;
    return { checked: count('proven'), broken: count('broken'), pending: count('pending') };
  }

  /**
   * Each shown entry's state: proven, broken or pending (see AccessReports.checkEntries); an entry
   * that came with the account's move, against the old operator's evidence.
   */
  async checkAccessEntries(entries: Array<Record<string, unknown>>, accountId?: string) {
    const moved = entries.some((e) => e.moved_from !== undefined) && accountId ? (await this.movedHistory(accountId)).evidence : undefined;
    return this.accessReports.checkEntries(entries, moved);
  }

  /** The query of one page of the access log of a set of consent records (the scale bench EXPLAINs it). */
  accessLogPage(ids: string[], filter: AccessLogFilter) {
    return this.accessReports.pageQuery(ids, filter);
  }
}
