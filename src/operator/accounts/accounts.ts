/**
 * Citizen accounts and their keychain of identities. An identity is keyed by (iss, sub);
 * linking a second identity needs both authenticated in one session. National
 * identifiers from identity claims bind the account to consent requests that name them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ProblemError } from '../../shared/errors.ts';
import type { AccountsDatabase } from './accounts.tables.ts';
import {
  accountOfIdentifier,
  accountOfIdentity,
  bindIdentifier,
  chooseServiceIdentity,
  deleteIdentity,
  displayNameOf,
  displayNamesOfIdentifiers,
  identifiersOf,
  identitiesOf,
  insertAccount,
  insertIdentity,
  preferIdentity,
  serviceIdentities,
  setDisplayName,
  shownIdentity,
  unbindIdentifier,
  type AccountIdentifier,
} from './accounts.repository.ts';

/** An identity an identity provider vouched for at sign-in. */
export interface VerifiedIdentity {
  idp: string;
  iss: string;
  sub: string;
  acr?: string;
  amr?: string[];
  name?: string;
  identifier?: { type: string; value: string };
}

/** One identity of the keychain as the citizen sees it. */
export interface KeychainEntry {
  iss: string;
  sub: string;
  idp: string;
  acr: string | null;
  amr: string[];
  linked_at: string;
  link_method: string;
  name: string | null;
  preferred: boolean;
}

/** Account operations of one operator. */
export class Accounts {
  private readonly db: Kysely<AccountsDatabase>;

  constructor(db: Kysely<AccountsDatabase>) {
    this.db = db;
  }

  /**
   * Signs in with a verified identity: returns its account, creating one (or, with
   * `linkTo`, attaching the identity to that account) when the identity is new.
   */
  async signIn(identity: VerifiedIdentity, linkTo?: string, now = Date.now()): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await accountOfIdentity(trx, identity.iss, identity.sub);
      if (existing) {
        if (linkTo && existing !== linkTo) {
          throw new ProblemError(
            409,
            'conflict',
            'this identity already belongs to another account; sign in with it and erase that account first, or unlink it there',
          );
        }
        return existing;
      }
      let accountId = linkTo;
      if (identity.identifier && !accountId) {
        accountId = await accountOfIdentifier(trx, identity.identifier.type, identity.identifier.value);
      }
      const created = !accountId;
      if (!accountId) {
        accountId = randomUUID();
        await insertAccount(trx, accountId, identity.name ?? null, now);
      }
      await insertIdentity(trx, {
        iss: identity.iss,
        sub: identity.sub,
        account_id: accountId,
        idp_id: identity.idp,
        acr: identity.acr ?? null,
        amr: identity.amr ? JSON.stringify(identity.amr) : null,
        linked_at: now,
        link_method: created ? 'first_sign_in' : linkTo ? 'linked_in_session' : 'same_national_identifier',
        claims: JSON.stringify({ name: identity.name ?? null, identifier: identity.identifier ?? null }),
        preferred: created ? 1 : 0,
      });
      if (identity.identifier) await bindIdentifier(trx, accountId, identity.identifier);
      return accountId;
    });
  }

  /** The account's keychain, first linked first. */
  async keychain(accountId: string): Promise<KeychainEntry[]> {
    const rows = await identitiesOf(this.db, accountId);
    return rows.map((r) => ({
      iss: r.iss,
      sub: r.sub,
      idp: r.idp_id,
      acr: r.acr,
      amr: r.amr ? (JSON.parse(r.amr) as string[]) : [],
      linked_at: new Date(r.linked_at).toISOString(),
      link_method: r.link_method,
      name: (JSON.parse(r.claims) as { name: string | null }).name,
      preferred: r.preferred === 1,
    }));
  }

  /** Identifiers (type, value) bound to the account. */
  async identifiers(accountId: string): Promise<AccountIdentifier[]> {
    return identifiersOf(this.db, accountId);
  }

  /** The account a national identifier is bound to, if any (a party of a request names it). */
  async ownerOf(identifierType: string, identifier: string): Promise<string | undefined> {
    return accountOfIdentifier(this.db, identifierType, identifier);
  }

  /** Removes an identity from the keychain; the last one cannot go (erase the account instead). */
  async unlink(accountId: string, iss: string, sub: string): Promise<void> {
    const chain = await this.keychain(accountId);
    if (!chain.some((k) => k.iss === iss && k.sub === sub)) throw new ProblemError(404, 'not_found', 'no such identity in your keychain');
    if (chain.length === 1) throw new ProblemError(409, 'conflict', 'this is your only identity; erase the account instead');
    await this.db.transaction().execute(async (trx) => {
      const rows = await identitiesOf(trx, accountId);
      const carried = (r: { claims: string }) =>
        (JSON.parse(r.claims) as { identifier?: { type: string; value: string } | null }).identifier ?? null;
      const gone = rows.find((r) => r.iss === iss && r.sub === sub);
      const identifier = gone ? carried(gone) : null;
      await deleteIdentity(trx, accountId, iss, sub);
      // the national identifier this identity brought leaves with it, unless another identity carries it too
      const stillCarried = rows.some(
        (r) => !(r.iss === iss && r.sub === sub) && carried(r)?.type === identifier?.type && carried(r)?.value === identifier?.value,
      );
      if (identifier && !stillCarried) await unbindIdentifier(trx, accountId, identifier);
    });
    if (chain.find((k) => k.iss === iss && k.sub === sub)?.preferred) {
      const next = chain.find((k) => !(k.iss === iss && k.sub === sub))!;
      await this.prefer(accountId, next.iss, next.sub);
    }
  }

  /** Chooses the identity services see. */
  async prefer(accountId: string, iss: string, sub: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await preferIdentity(trx, accountId, iss, sub))) throw new ProblemError(404, 'not_found', 'no such identity in your keychain');
    });
  }

  /** Shows one service another identity of the keychain (null: the one services see in general again). */
  async showToService(accountId: string, clientId: string, identity: { iss: string; sub: string } | null): Promise<void> {
    if (!(await chooseServiceIdentity(this.db, accountId, clientId, identity)))
      throw new ProblemError(404, 'not_found', 'no such identity in your keychain');
  }

  /** The services the citizen chose an identity for, and which. */
  async serviceChoices(accountId: string): Promise<Array<{ client_id: string; iss: string; sub: string }>> {
    return serviceIdentities(this.db, accountId);
  }

  /**
   * The subject a service sees: SHA-256 over the operator's secret salt, the identity the
   * citizen chose to show this service (or services in general), and the client id. Services cannot correlate citizens
   * across each other, and the account id never leaves the operator.
   */
  async pairwiseSubject(accountId: string, clientId: string, salt: string): Promise<string> {
    const preferred = await shownIdentity(this.db, accountId, clientId);
    const basis = preferred ? `${preferred.iss}|${preferred.sub}` : accountId;
    return createHash('sha256').update(`${salt}|${basis}|${clientId}`).digest('base64url');
  }

  /**
   * The pairwise subject of a record's participant: of its account, or of the account that holds
   * its identifier; null while the person has no account here.
   */
  async partySubject(party: { account_id: string | null; identifier_type: string; identifier: string }, clientId: string, salt: string) {
    const accountId = party.account_id ?? (await this.ownerOf(party.identifier_type, party.identifier));
    return accountId ? this.pairwiseSubject(accountId, clientId, salt) : null;
  }

  /** The account's display name (from its first identity, or carried over by a move). */
  async displayName(accountId: string): Promise<string | null> {
    return displayNameOf(this.db, accountId);
  }

  /**
   * Names of the people behind national identifiers who have an account here (the other parent of
   * a shared request), keyed `type|value`; people without an account here are not in the map.
   */
  async namesOf(ids: AccountIdentifier[]): Promise<Map<string, string>> {
    const unique = [...new Map(ids.map((i) => [`${i.identifier_type}|${i.identifier}`, i])).values()];
    const rows = await displayNamesOfIdentifiers(this.db, unique);
    return new Map(rows.map((r) => [`${r.identifier_type}|${r.identifier}`, r.name]));
  }

  /** Sets the account's display name (a move carries it over when the account has none). */
  async setDisplayName(accountId: string, displayName: string): Promise<void> {
    await setDisplayName(this.db, accountId, displayName);
  }
}
