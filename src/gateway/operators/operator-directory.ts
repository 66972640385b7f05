/**
 * The operators a gateway trusts: for each admitted issuer, its RFC 8414 metadata,
 * one cached remote JWKS (refetched on an unknown `kid`, so key rotation needs no
 * restart) and the gateway's own DPoP-bound token for the feed and access reports.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import {
  clientCredentialsToken,
  discover,
  type AuthorizationServerMetadata,
  type ClientCredentials,
} from '../../shared/oauth/oauth-client.ts';
import type { DpopKey } from '../../shared/oauth/dpop.ts';

/** One admitted operator: its issuer, the gateway's client id there, and (once discovered) metadata and keys. */
export interface OperatorEntry {
  issuer: string;
  clientId: string;
  metadata?: AuthorizationServerMetadata;
  jwks?: JWTVerifyGetKey;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Directory of admitted operators, keyed by exact issuer string. */
export class OperatorDirectory {
  private readonly entries = new Map<string, OperatorEntry>();
  private readonly pending = new Map<string, Promise<OperatorEntry>>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly failures = new Map<string, number>();
  readonly dpopKey: DpopKey;
  private readonly credentials: (clientId: string) => ClientCredentials;

  constructor(
    operators: Array<{ issuer: string; client_id: string }>,
    dpopKey: DpopKey,
    credentials: (clientId: string) => ClientCredentials,
  ) {
    for (const o of operators) this.entries.set(o.issuer, { issuer: o.issuer, clientId: o.client_id });
    this.dpopKey = dpopKey;
    this.credentials = credentials;
  }

  /** True when `iss` is configured (the allowlist; nothing else is ever contacted). */
  has(iss: string): boolean {
    return this.entries.has(iss);
  }

  issuers(): string[] {
    return [...this.entries.keys()];
  }

  /** Adds or removes an operator at run time (trust-group changes). */
  set(issuer: string, clientId: string | undefined): void {
    if (clientId === undefined) {
      this.entries.delete(issuer);
      this.tokens.delete(issuer);
    } else if (!this.entries.has(issuer)) {
      this.entries.set(issuer, { issuer, clientId });
    }
  }

  /**
   * Resolves metadata and key set for an allowlisted issuer (discovered once, then cached).
   * A failed discovery is retried at most every 2 s.
   */
  async resolve(iss: string): Promise<Required<OperatorEntry>> {
    const entry = this.entries.get(iss);
    if (!entry) throw new Error(`operator ${iss} is not admitted`);
    if (entry.metadata && entry.jwks) return entry as Required<OperatorEntry>;
    const lastFailure = this.failures.get(iss) ?? 0;
    if (Date.now() - lastFailure < 2000) throw new Error(`operator ${iss} metadata unavailable`);
    let p = this.pending.get(iss);
    if (!p) {
      p = (async () => {
        try {
          const metadata = await discover(iss);
          entry.metadata = metadata;
          entry.jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), {
            timeoutDuration: 5000,
            cooldownDuration: 5000,
            cacheMaxAge: 10 * 60 * 1000,
          });
          return entry;
        } catch (err) {
          this.failures.set(iss, Date.now());
          throw err;
        } finally {
          this.pending.delete(iss);
        }
      })();
      this.pending.set(iss, p);
    }
    return (await p) as Required<OperatorEntry>;
  }

  /** A DPoP-bound token of this gateway at `iss` for its feed and report APIs. */
  async gatewayToken(iss: string): Promise<string> {
    const cached = this.tokens.get(iss);
    if (cached && cached.expiresAt > Date.now() + 15_000) return cached.token;
    const { metadata, clientId } = await this.resolve(iss);
    const res = await clientCredentialsToken(metadata, this.credentials(clientId), this.dpopKey, {
      scope: 'consent_feed access_report',
      resource: `${iss}/api`,
    });
    this.tokens.set(iss, { token: res.access_token, expiresAt: Date.now() + res.expires_in * 1000 });
    return res.access_token;
  }

  /** The gateway's client identity at `iss` (for `private_key_jwt` at introspection). */
  async clientOf(iss: string): Promise<{ metadata: AuthorizationServerMetadata; credentials: ClientCredentials }> {
    const { metadata, clientId } = await this.resolve(iss);
    return { metadata, credentials: this.credentials(clientId) };
  }

  /** Forgets the cached token (after a 401). */
  dropToken(iss: string): void {
    this.tokens.delete(iss);
  }
}
