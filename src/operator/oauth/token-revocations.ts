/**
 * Revocation that bites (RFC 7009): a revoked access token, or every token of a suspended
 * service, is stored in the operator's own table (shared by all its instances, kept across
 * restarts) and published on the consent feed as a signed `token.revoked` event for each
 * source the tokens are for, in the same transaction. Gateways refuse the tokens as soon as the
 * event arrives and keep it until the tokens' `exp`; introspection and the operator's own APIs
 * ask {@link TokenRevocations.isRevoked}.
 */
import type { Kysely } from 'kysely';
import { FEED_EVENT, TOKEN_REVOKED_JWS_TYP, TOKEN_REVOKED_PAYLOAD_TYP, type TokenRevokedEvent } from '../../core/consent-feed.ts';
import type { Dialect } from '../../store/database.ts';
import type { SigningKey } from '../../store/keys.ts';
import { appendSignedFeedEvent } from '../feed/feed-writer.ts';
import type { FeedDatabase } from '../feed/feed.tables.ts';
import type { Registry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import { deleteExpiredRevocations, insertRevocation, isRevoked } from './token-revocations.repository.ts';
import type { TokenRevocationsDatabase } from './token-revocations.tables.ts';

/** The claims of a verified access token that revocation reads. */
export interface RevocableToken {
  jti?: unknown;
  client_id?: unknown;
  iat?: unknown;
  exp?: unknown;
  aud?: unknown;
}

/** The collaborators of {@link TokenRevocations}. */
export interface TokenRevocationsOptions {
  db: Kysely<TokenRevocationsDatabase & FeedDatabase>;
  dialect: Dialect;
  issuer: string;
  signingKey: () => SigningKey;
  registry: Registry;
  /** The longest access-token lifetime this operator issues (a suspension covers that long). */
  accessTokenTtlS: number;
  /** Told the last new feed position after a revocation commits (feeds wake up, other instances hear). */
  announce: (seq: number) => void;
}

/** What one revocation publishes. */
interface Revocation {
  revocation_id: string;
  client_id: string;
  jti?: string;
  issued_before?: number;
  exp: number;
  reason: string;
  sources: string[];
}

/** The operator's revoked tokens: revoke, suspend a service's tokens, ask, forget the expired. */
export class TokenRevocations {
  private readonly o: TokenRevocationsOptions;

  constructor(options: TokenRevocationsOptions) {
    this.o = options;
  }

  /**
   * Revokes one verified access token of this operator (its `jti`), for every source among its
   * audiences. A token without `jti` or already expired is left alone (RFC 7009: nothing to do).
   */
  async revoke(token: RevocableToken, reason = 'revoked by its client', now = Date.now()): Promise<void> {
    if (typeof token.jti !== 'string' || typeof token.client_id !== 'string' || typeof token.exp !== 'number') return;
    if (token.exp * 1000 <= now) return;
    const audiences = Array.isArray(token.aud) ? token.aud : [token.aud];
    const resources = new Set((await this.o.registry.sources()).map((s) => s.resource));
    const sources = audiences.filter((a): a is string => typeof a === 'string' && resources.has(a));
    await this.publish({ revocation_id: token.jti, client_id: token.client_id, jti: token.jti, exp: token.exp, reason, sources }, now);
  }

  /** Revokes every token `clientId` was issued up to now (a suspended service), at every source of its agreement. */
  async revokeClient(clientId: string, reason: string, now = Date.now()): Promise<void> {
    const issuedBefore = Math.floor(now / 1000);
    const entry = await this.o.registry.service(clientId);
    const ids = new Set(
      entry && entry.kind !== 'gateway'
        ? (entry.definition as ServiceDefinition).purposes.flatMap((p) => p.attributes.map((a) => a.source))
        : [],
    );
    const sources = (await this.o.registry.sources()).filter((s) => ids.has(s.id)).map((s) => s.resource);
    await this.publish(
      {
        revocation_id: `client:${clientId}@${issuedBefore}`,
        client_id: clientId,
        issued_before: issuedBefore,
        exp: issuedBefore + this.o.accessTokenTtlS,
        reason,
        sources,
      },
      now,
    );
  }

  /** Whether a token's claims are revoked: its own `jti`, or its client's suspension after it was issued. */
  async isRevoked(token: RevocableToken): Promise<boolean> {
    if (typeof token.client_id !== 'string') return false;
    const iat = typeof token.iat === 'number' ? token.iat : 0;
    return isRevoked(this.o.db, { jti: typeof token.jti === 'string' ? token.jti : undefined, client_id: token.client_id, iat });
  }

  /** Forgets revocations whose tokens have all expired. */
  async sweep(now = Date.now()): Promise<void> {
    await deleteExpiredRevocations(this.o.db, Math.floor(now / 1000));
  }

  /** Stores the revocation and its feed events in one transaction, then wakes the feeds. */
  private async publish(r: Revocation, now: number): Promise<void> {
    const key = this.o.signingKey();
    const last = await this.o.db.transaction().execute(async (trx) => {
      const row = { revocation_id: r.revocation_id, client_id: r.client_id, jti: r.jti ?? null, issued_before: r.issued_before ?? null };
      if (!(await insertRevocation(trx, { ...row, expires_at: r.exp, revoked_at: now, reason: r.reason }))) return undefined;
      let seq: number | undefined;
      for (const source of r.sources) {
        const spec = { subject: r.revocation_id, source, time: now, event: FEED_EVENT.revoked, typ: TOKEN_REVOKED_JWS_TYP };
        seq = await appendSignedFeedEvent(trx, this.o.dialect, key, spec, (position): TokenRevokedEvent => ({
          typ: TOKEN_REVOKED_PAYLOAD_TYP,
          iss: this.o.issuer,
          seq: position,
          source,
          client_id: r.client_id,
          ...(r.jti ? { jti: r.jti } : { issued_before: r.issued_before! }),
          exp: r.exp,
          revoked_at: now,
        }));
      }
      return seq;
    });
    if (last !== undefined) this.o.announce(last);
  }
}
