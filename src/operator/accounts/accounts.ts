/**
 * Citizen accounts and their keychain of identities. An identity is keyed by (iss, sub);
 * linking a second identity needs both authenticated in one session. National
 * identifiers from identity claims bind the account to consent requests that name them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ProblemError } from '../../shared/errors.ts';
import type { OperatorDatabase } from '../operator.tables.ts';

export interface VerifiedIdentity {
  idp: string;
  iss: string;
  sub: string;
  acr?: string;
  amr?: string[];
  name?: string;
  identifier?: { type: string; value: string };
}

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
  private readonly db: Kysely<OperatorDatabase>;

  constructor(db: Kysely<OperatorDatabase>) {
    this.db = db;
  }

  /**
   * Signs in with a verified identity: returns its account, creating one (or, with
   * `linkTo`, attaching the identity to that account) when the identity is new.
   */
  async signIn(identity: VerifiedIdentity, linkTo?: string, now = Date.now()): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('identities')
        .select('account_id')
        .where('iss', '=', identity.iss)
        .where('sub', '=', identity.sub)
        .executeTakeFirst();
      if (existing) {
        if (linkTo && existing.account_id !== linkTo) {
          throw new ProblemError(
            409,
            'conflict',
            'this identity already belongs to another account; sign in with it and erase that account first, or unlink it there',
          );
        }
        return existing.account_id;
      }
      let accountId = linkTo;
      if (identity.identifier && !accountId) {
        const owner = await trx
          .selectFrom('account_identifiers')
          .select('account_id')
          .where('identifier_type', '=', identity.identifier.type)
          .where('identifier', '=', identity.identifier.value)
          .executeTakeFirst();
        accountId = owner?.account_id;
      }
      const created = !accountId;
      if (!accountId) {
        accountId = randomUUID();
        await trx
          .insertInto('accounts')
          .values({ account_id: accountId, created_at: now, locale: null, display_name: identity.name ?? null })
          .execute();
      }
      await trx
        .insertInto('identities')
        .values({
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
        })
        .execute();
      if (identity.identifier) {
        await trx
          .insertInto('account_identifiers')
          .values({ identifier_type: identity.identifier.type, identifier: identity.identifier.value, account_id: accountId })
          .onConflict((oc) => oc.columns(['identifier_type', 'identifier']).doNothing())
          .execute();
      }
      return accountId;
    });
  }

  async keychain(accountId: string): Promise<KeychainEntry[]> {
    const rows = await this.db.selectFrom('identities').selectAll().where('account_id', '=', accountId).orderBy('linked_at').execute();
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
  async identifiers(accountId: string): Promise<Array<{ identifier_type: string; identifier: string }>> {
    return this.db
      .selectFrom('account_identifiers')
      .select(['identifier_type', 'identifier'])
      .where('account_id', '=', accountId)
      .execute();
  }

  /** Removes an identity from the keychain; the last one cannot go (erase the account instead). */
  async unlink(accountId: string, iss: string, sub: string): Promise<void> {
    const chain = await this.keychain(accountId);
    if (!chain.some((k) => k.iss === iss && k.sub === sub)) throw new ProblemError(404, 'not_found', 'no such identity in your keychain');
    if (chain.length === 1) throw new ProblemError(409, 'conflict', 'this is your only identity; erase the account instead');
    await this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('identities').select(['iss', 'sub', 'claims']).where('account_id', '=', accountId).execute();
      const carried = (r: { claims: string }) =>
        (JSON.parse(r.claims) as { identifier?: { type: string; value: string } | null }).identifier ?? null;
      const gone = rows.find((r) => r.iss === iss && r.sub === sub);
      const identifier = gone ? carried(gone) : null;
      await trx.deleteFrom('identities').where('account_id', '=', accountId).where('iss', '=', iss).where('sub', '=', sub).execute();
      // the national identifier this identity brought leaves with it, unless another identity carries it too
      const stillCarried = rows.some(
        (r) => !(r.iss === iss && r.sub === sub) && carried(r)?.type === identifier?.type && carried(r)?.value === identifier?.value,
      );
      if (identifier && !stillCarried) {
        await trx
          .deleteFrom('account_identifiers')
          .where('account_id', '=', accountId)
          .where('identifier_type', '=', identifier.type)
          .where('identifier', '=', identifier.value)
          .execute();
      }
    });
    if (chain.find((k) => k.iss === iss && k.sub === sub)?.preferred) {
      const next = chain.find((k) => !(k.iss === iss && k.sub === sub))!;
      await this.prefer(accountId, next.iss, next.sub);
    }
  }

  /** Chooses the identity services see. */
  async prefer(accountId: string, iss: string, sub: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('identities')
        .set({ preferred: 1 })
        .where('account_id', '=', accountId)
        .where('iss', '=', iss)
        .where('sub', '=', sub)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ProblemError(404, 'not_found', 'no such identity in your keychain');
      await trx
        .updateTable('identities')
        .set({ preferred: 0 })
        .where('account_id', '=', accountId)
        .where((eb) => eb.or([eb('iss', '!=', iss), eb('sub', '!=', sub)]))
        .execute();
    });
  }

  /**
   * The subject a service sees: SHA-256 over the operator's secret salt, the identity the
   * citizen chose to show services, and the client id. Services cannot correlate citizens
   * across each other, and the account id never leaves the operator.
   */
  async pairwiseSubject(accountId: string, clientId: string, salt: string): Promise<string> {
    const preferred = await this.db
      .selectFrom('identities')
      .select(['iss', 'sub'])
      .where('account_id', '=', accountId)
      .orderBy('preferred', 'desc')
      .orderBy('linked_at')
      .executeTakeFirst();
    const basis = preferred ? `${preferred.iss}|${preferred.sub}` : accountId;
    return createHash('sha256').update(`${salt}|${basis}|${clientId}`).digest('base64url');
  }

  async displayName(accountId: string): Promise<string | null> {
    const r = await this.db.selectFrom('accounts').select('display_name').where('account_id', '=', accountId).executeTakeFirst();
    return r?.display_name ?? null;
  }
}
