/**
 * The only code that queries the accounts feature's tables: accounts, their identities and
 * national identifiers, and dashboard sessions. Other features reach these tables through
 * these functions (the arrangements find the account behind a party's identifier; the
 * citizen's erasure deletes the account; a move carries the display name over).
 */
import type { Insertable, Selectable } from 'kysely';
import type { AccountsDatabase, IdentitiesTable, WebSessionsTable } from './accounts.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<AccountsDatabase>;

/** A national identifier (type, value). */
export interface AccountIdentifier {
  identifier_type: string;
  identifier: string;
}

/** The account an identity (iss, sub) belongs to. */
export async function accountOfIdentity(db: Db, iss: string, sub: string): Promise<string | undefined> {
  const row = await db.selectFrom('identities').select('account_id').where('iss', '=', iss).where('sub', '=', sub).executeTakeFirst();
  return row?.account_id;
}

/** The account a national identifier is bound to. */
export async function accountOfIdentifier(db: Db, identifierType: string, identifier: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('account_identifiers')
    .select('account_id')
    .where('identifier_type', '=', identifierType)
    .where('identifier', '=', identifier)
    .executeTakeFirst();
  return row?.account_id;
}

/** Creates an account. */
export async function insertAccount(db: Db, accountId: string, displayName: string | null, now: number): Promise<void> {
  await db.insertInto('accounts').values({ account_id: accountId, created_at: now, locale: null, display_name: displayName }).execute();
}

/** Adds an identity to an account's keychain. */
export async function insertIdentity(db: Db, identity: Insertable<IdentitiesTable>): Promise<void> {
  await db.insertInto('identities').values(identity).execute();
}

/** Binds a national identifier to an account (kept when already bound). */
export async function bindIdentifier(db: Db, accountId: string, id: { type: string; value: string }): Promise<void> {
  await db
    .insertInto('account_identifiers')
    .values({ identifier_type: id.type, identifier: id.value, account_id: accountId })
    .onConflict((oc) => oc.columns(['identifier_type', 'identifier']).doNothing())
    .execute();
}

/** Removes a national identifier from an account. */
export async function unbindIdentifier(db: Db, accountId: string, id: { type: string; value: string }): Promise<void> {
  await db
    .deleteFrom('account_identifiers')
    .where('account_id', '=', accountId)
    .where('identifier_type', '=', id.type)
    .where('identifier', '=', id.value)
    .execute();
}

/** The account's identities, first linked first. */
export async function identitiesOf(db: Db, accountId: string): Promise<Array<Selectable<IdentitiesTable>>> {
  return db.selectFrom('identities').selectAll().where('account_id', '=', accountId).orderBy('linked_at').execute();
}

/** Identifiers (type, value) bound to the account. */
export async function identifiersOf(db: Db, accountId: string): Promise<AccountIdentifier[]> {
  return db.selectFrom('account_identifiers').select(['identifier_type', 'identifier']).where('account_id', '=', accountId).execute();
}

/** Removes one identity from the account's keychain. */
export async function deleteIdentity(db: Db, accountId: string, iss: string, sub: string): Promise<void> {
  await db.deleteFrom('identities').where('account_id', '=', accountId).where('iss', '=', iss).where('sub', '=', sub).execute();
}

/** Makes one identity the one services see; false when the account has no such identity. */
export async function preferIdentity(db: Db, accountId: string, iss: string, sub: string): Promise<boolean> {
  const res = await db
    .updateTable('identities')
    .set({ preferred: 1 })
    .where('account_id', '=', accountId)
    .where('iss', '=', iss)
    .where('sub', '=', sub)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return false;
  await db
    .updateTable('identities')
    .set({ preferred: 0 })
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('iss', '!=', iss), eb('sub', '!=', sub)]))
    .execute();
  return true;
}

/** Shows `clientId` the keychain identity (iss, sub), or the preferred one again when null; false when it is not in the keychain. */
export async function chooseServiceIdentity(db: Db, accountId: string, clientId: string, identity: { iss: string; sub: string } | null) {
  await db.deleteFrom('service_identities').where('account_id', '=', accountId).where('client_id', '=', clientId).execute();
  if (!identity) return true;
  const own = await db
    .selectFrom('identities')
    .select('iss')
    .where('account_id', '=', accountId)
    .where('iss', '=', identity.iss)
    .where('sub', '=', identity.sub)
    .executeTakeFirst();
  if (!own) return false;
  await db
    .insertInto('service_identities')
    .values({ account_id: accountId, client_id: clientId, ...identity, chosen_at: Date.now() })
    .execute();
  return true;
}

/** The services the citizen chose an identity for, and which (still in the keychain). */
export async function serviceIdentities(db: Db, accountId: string): Promise<Array<{ client_id: string; iss: string; sub: string }>> {
  return db
    .selectFrom('service_identities as s')
    .innerJoin('identities as i', (j) =>
      j.onRef('i.account_id', '=', 's.account_id').onRef('i.iss', '=', 's.iss').onRef('i.sub', '=', 's.sub'),
    )
    .select(['s.client_id', 's.iss', 's.sub'])
    .where('s.account_id', '=', accountId)
    .execute();
}

/** The identity a service sees: the one chosen for it (while linked), else the preferred one, else the first linked. */
export async function shownIdentity(db: Db, accountId: string, clientId?: string): Promise<{ iss: string; sub: string } | undefined> {
  const chosen = clientId ? (await serviceIdentities(db, accountId)).find((c) => c.client_id === clientId) : undefined;
  if (chosen) return { iss: chosen.iss, sub: chosen.sub };
  return db
    .selectFrom('identities')
    .select(['iss', 'sub'])
    .where('account_id', '=', accountId)
    .orderBy('preferred', 'desc')
    .orderBy('linked_at')
    .executeTakeFirst();
}

/** The account's display name. */
export async function displayNameOf(db: Db, accountId: string): Promise<string | null> {
  const r = await db.selectFrom('accounts').select('display_name').where('account_id', '=', accountId).executeTakeFirst();
  return r?.display_name ?? null;
}

/** Display names of the accounts some national identifiers are bound to (only accounts that have a name). */
export async function displayNamesOfIdentifiers(db: Db, ids: AccountIdentifier[]): Promise<Array<AccountIdentifier & { name: string }>> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('account_identifiers')
    .innerJoin('accounts', 'accounts.account_id', 'account_identifiers.account_id')
    .select(['account_identifiers.identifier_type', 'account_identifiers.identifier', 'accounts.display_name'])
    .where(({ eb, or, and }) =>
      or(ids.map((i) => and([eb('identifier_type', '=', i.identifier_type), eb('identifier', '=', i.identifier)]))),
    )
    .where('accounts.display_name', 'is not', null)
    .execute();
  return rows.map((r) => ({ identifier_type: r.identifier_type, identifier: r.identifier, name: r.display_name! }));
}

/** Sets the account's display name. */
export async function setDisplayName(db: Db, accountId: string, displayName: string): Promise<void> {
  await db.updateTable('accounts').set({ display_name: displayName }).where('account_id', '=', accountId).execute();
}

/** Deletes the account with its sessions (its identities and identifiers go by cascade). */
export async function deleteAccount(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('account_id', '=', accountId).execute();
  await db.deleteFrom('accounts').where('account_id', '=', accountId).execute();
}

/** A session by id. */
export async function findSession(db: Db, sessionId: string): Promise<Selectable<WebSessionsTable> | undefined> {
  return db.selectFrom('web_sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

/** Stores a new session. */
export async function insertSession(db: Db, session: Insertable<WebSessionsTable>): Promise<void> {
  await db.insertInto('web_sessions').values(session).execute();
}

/** Saves a session's account, state and new expiry. */
export async function updateSession(
  db: Db,
  sessionId: string,
  changes: Pick<WebSessionsTable, 'account_id' | 'data' | 'expires_at'>,
): Promise<void> {
  await db.updateTable('web_sessions').set(changes).where('session_id', '=', sessionId).execute();
}

/** Deletes one session. */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('session_id', '=', sessionId).execute();
}

/** Deletes every session of an account. */
export async function deleteSessionsOf(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('account_id', '=', accountId).execute();
}

/** Deletes sessions expired before `now` (a background job). */
export async function deleteExpiredSessions(db: Db, now = Date.now()): Promise<void> {
  await db.deleteFrom('web_sessions').where('expires_at', '<', now).execute();
}
