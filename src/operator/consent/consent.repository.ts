/**
 * The only code that queries the consent records' tables: the record row, its parties and
 * its history. Saves use optimistic concurrency on `version`, so two parents deciding at
 * the same instant cannot overwrite each other's decision.
 */
import type { ConsentStatus } from '../../core/consent-event.ts';
import { statusesWhere } from '../../core/consent-rules.ts';
import type { ActivationMode, ConsentState, HistoryEntry, Party, PartyRole, PartyStatus, Purpose } from '../../core/consent.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { ConsentDatabase } from './consent.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<ConsentDatabase>;

function partyRow(recordId: string, p: Party, position: number) {
  return {
    party_id: p.party_id,
    record_id: recordId,
    position,
    role: p.role,
    identifier_type: p.identifier_type,
    identifier: p.identifier,
    account_id: p.account_id,
    acting_for: p.acting_for,
    status: p.status,
    choices: p.choices === null ? null : JSON.stringify(p.choices),
    decided_at: p.decided_at,
  };
}

/** Inserts a new record with its parties and first history entry. */
export async function insertRecord(db: Db, state: ConsentState, first: HistoryEntry, language: string | null): Promise<void> {
  await db
    .insertInto('consent_records')
    .values({
      record_id: state.record_id,
      client_id: state.client_id,
      status: state.status,
      activation_mode: state.activation_mode,
      purposes: JSON.stringify(state.purposes),
      created_at: state.created_at,
      updated_at: state.updated_at,
      expires_at: state.expires_at,
      validity_duration: state.validity_duration,
      replaces: state.replaces,
      replaced_by: state.replaced_by ?? null,
      language,
      version: state.version,
    })
    .execute();
  for (const [i, p] of state.parties.entries())
    await db
      .insertInto('consent_parties')
      .values(partyRow(state.record_id, p, i))
      .execute();
  await insertHistory(db, state.record_id, first);
}

async function insertHistory(db: Db, recordId: string, h: HistoryEntry): Promise<void> {
  await db
    .insertInto('consent_history')
    .values({
      record_id: recordId,
      time: h.time,
      event_type: h.event_type,
      from_status: h.from_status,
      to_status: h.to_status,
      actor: h.actor,
      party_id: h.party_id,
      reason: h.reason,
    })
    .execute();
}

/**
 * Saves a transition of `previous` to `next`. Throws 409 when another writer changed the
 * record in between (the caller reloads and retries or reports).
 */
export async function saveTransition(db: Db, previousVersion: number, next: ConsentState, history: HistoryEntry): Promise<void> {
  const res = await db
    .updateTable('consent_records')
    .set({
      status: next.status,
      updated_at: next.updated_at,
      expires_at: next.expires_at,
      version: next.version,
      replaced_by: next.replaced_by ?? null,
    })
    .where('record_id', '=', next.record_id)
    .where('version', '=', previousVersion)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    throw new ProblemError(409, 'conflict', 'the record changed while you were deciding; reload and try again');
  }
  for (const [i, p] of next.parties.entries()) {
    const row = partyRow(next.record_id, p, i);
    await db
      .updateTable('consent_parties')
      .set({ status: row.status, choices: row.choices, decided_at: row.decided_at, account_id: row.account_id })
      .where('party_id', '=', p.party_id)
      .execute();
  }
  await insertHistory(db, next.record_id, history);
}

type RecordRow = Awaited<ReturnType<typeof recordRows>>[number];
type PartyRow = Awaited<ReturnType<typeof partyRows>>[number];

const recordRows = (db: Db, ids: string[]) => db.selectFrom('consent_records').selectAll().where('record_id', 'in', ids).execute();
const partyRows = (db: Db, ids: string[]) =>
  db.selectFrom('consent_parties').selectAll().where('record_id', 'in', ids).orderBy('record_id').orderBy('position').execute();

function toState(r: RecordRow, parties: PartyRow[]): ConsentState {
  return {
    record_id: r.record_id,
    client_id: r.client_id,
    status: r.status as ConsentStatus,
    activation_mode: r.activation_mode as ActivationMode,
    purposes: JSON.parse(r.purposes) as Purpose[],
    parties: parties.map((p) => ({
      party_id: p.party_id,
      role: p.role as PartyRole,
      identifier_type: p.identifier_type,
      identifier: p.identifier,
      account_id: p.account_id,
      acting_for: p.acting_for,
      status: p.status as PartyStatus,
      choices: p.choices === null ? null : (JSON.parse(p.choices) as string[]),
      decided_at: p.decided_at,
    })),
    created_at: r.created_at,
    updated_at: r.updated_at,
    expires_at: r.expires_at,
    validity_duration: r.validity_duration,
    replaces: r.replaces,
    replaced_by: r.replaced_by,
    version: r.version,
  };
}

/** Loads one record's state, or undefined. */
export async function loadRecord(db: Db, recordId: string): Promise<ConsentState | undefined> {
  const r = await db.selectFrom('consent_records').selectAll().where('record_id', '=', recordId).executeTakeFirst();
  if (!r) return undefined;
  const parties = await db.selectFrom('consent_parties').selectAll().where('record_id', '=', recordId).orderBy('position').execute();
  return toState(r, parties);
}

/** The language of the request that started a record (null when it named none). */
export async function recordLanguage(db: Db, recordId: string): Promise<string | null> {
  const r = await db.selectFrom('consent_records').select('language').where('record_id', '=', recordId).executeTakeFirst();
  return r?.language ?? null;
}

/** Splits ids into chunks small enough for one statement's parameters. */
function chunks(ids: string[], size = 500): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/** Loads many records' states in a few queries (a citizen's export, their list of consents). */
export async function loadRecords(db: Db, ids: string[]): Promise<ConsentState[]> {
  const states: ConsentState[] = [];
  for (const part of chunks(ids)) {
    const byRecord = new Map<string, PartyRow[]>();
    for (const p of await partyRows(db, part)) {
      const list = byRecord.get(p.record_id);
      if (list) list.push(p);
      else byRecord.set(p.record_id, [p]);
    }
    for (const r of await recordRows(db, part)) states.push(toState(r, byRecord.get(r.record_id) ?? []));
  }
  return states;
}

/** The histories of many records, oldest entry first, by record id. */
export async function loadHistories(db: Db, ids: string[]): Promise<Map<string, HistoryEntry[]>> {
  const out = new Map<string, HistoryEntry[]>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('consent_history')
      .selectAll()
      .where('record_id', 'in', part)
      .orderBy('record_id')
      .orderBy('id')
      .execute();
    for (const h of rows) {
      const entry = {
        time: h.time,
        event_type: h.event_type,
        from_status: h.from_status as ConsentStatus | null,
        to_status: h.to_status as ConsentStatus,
        actor: h.actor,
        party_id: h.party_id,
        reason: h.reason,
      };
      const list = out.get(h.record_id);
      if (list) list.push(entry);
      else out.set(h.record_id, [entry]);
    }
  }
  return out;
}

/** The record's history, oldest first. */
export async function loadHistory(db: Db, recordId: string): Promise<HistoryEntry[]> {
  return (await loadHistories(db, [recordId])).get(recordId) ?? [];
}

/**
 * Record ids in which an account takes part: as itself, or through one of its national
 * identifiers (the caller reads them from the account's keychain).
 */
export async function recordIdsForAccount(
  db: Db,
  accountId: string | null,
  identifiers: Array<{ identifier_type: string; identifier: string }>,
): Promise<string[]> {
  return [...(await partiesOfPerson(db, accountId, identifiers)).keys()];
}

/** The identifier type an erased party is left with (GDPR Art. 17): it names no one. */
const ERASED_IDENTIFIER_TYPE = 'erased';

/**
 * The parties a person takes part as (as an account, or through one of its identifiers), by
 * record: one index lookup per branch (party by account; party by each identifier), not an OR,
 * which makes PostgreSQL scan every party at scale; no account: the identifiers alone.
 */
export async function partiesOfPerson(
  db: Db,
  accountId: string | null,
  identifiers: Array<{ identifier_type: string; identifier: string }>,
): Promise<Map<string, string[]>> {
  const rows = await identifiers
    .reduce(
      (q, i) =>
        q.union(
          db
            .selectFrom('consent_parties')
            .select(['record_id', 'party_id'])
            .where('identifier_type', '=', i.identifier_type)
            .where('identifier', '=', i.identifier),
        ),
      db
        .selectFrom('consent_parties')
        .select(['record_id', 'party_id'])
        .where('account_id', '=', accountId ?? ''),
    )
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.record_id, [...(out.get(r.record_id) ?? []), r.party_id]);
  return out;
}

/**
 * Erases parties' identifiers and account links (GDPR Art. 17): each party stays, as who
 * decided what and when (Art. 7(1)), under its random party id, naming no one; the record's
 * history gains a `portti:IdentifiersErased` entry per party.
 */
export async function eraseParties(
  db: Db,
  erasure: { recordId: string; status: ConsentStatus; actor: string },
  partyIds: string[],
  now = Date.now(),
): Promise<void> {
  if (partyIds.length === 0) return;
  await db
    .updateTable('consent_parties')
    .set({ identifier_type: ERASED_IDENTIFIER_TYPE, identifier: '', account_id: null })
    .where('party_id', 'in', partyIds)
    .execute();
  // the record says when and at whose request, without saying who
  const { recordId, status, actor } = erasure;
  const reason = 'erasure at the person’s request (GDPR Art. 17)';
  const entry = { time: now, event_type: 'portti:IdentifiersErased', from_status: status, to_status: status, actor, reason };
  for (const party_id of partyIds) await insertHistory(db, recordId, { ...entry, party_id });
}

/** Detaches an erased account from the parties it took part as (the records stay, Art. 7(1)). */
export async function detachAccount(db: Db, accountId: string): Promise<void> {
  await db.updateTable('consent_parties').set({ account_id: null }).where('account_id', '=', accountId).execute();
}

/** Open records whose expiry has passed; with `after`, those ending in (after, now], earliest first. */
export async function dueForExpiry(db: Db, now: number, limit = 100, after?: number): Promise<string[]> {
  const rows = await db
    .selectFrom('consent_records')
    .select('record_id')
    .where('status', 'in', statusesWhere('open'))
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .$if(after !== undefined, (q) => q.where('expires_at', '>', after!).orderBy('expires_at').orderBy('record_id'))
    .limit(limit)
    .execute();
  return rows.map((r) => r.record_id);
}
