/**
 * The consent feeds of one gateway: one subscription per operator that some source admits,
 * each following exactly the sources that admit it. A trust-group change re-syncs them:
 * a feed whose sources changed is replaced, one no longer admitted anywhere is stopped.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { OperatorClient } from '../operators/operator-client.ts';
import type { CompiledSource } from '../source-registry.ts';
import { ConsentFeedClient } from './consent-feed-client.ts';
import type { ConsentReplica } from './consent-replica.ts';
import type { RevocationList } from '../token/revocation-list.ts';

/** What the feeds follow and where they apply what they hear. */
export interface ConsentFeedsOptions {
  /** The configured operators (the only ones ever followed). */
  issuers: string[];
  sources: Map<string, CompiledSource>;
  operators: OperatorClient;
  replica: ConsentReplica;
  revocations: RevocationList;
  staleAfterMs: number;
  /** With a trust group, an operator admitted nowhere gets no feed at all. */
  dropUnadmitted: boolean;
  log: FastifyBaseLogger;
}

/** The gateway's feed subscriptions, by issuer. */
export class ConsentFeeds {
  /** The current subscriptions, by operator issuer. */
  readonly byIssuer = new Map<string, ConsentFeedClient>();
  private readonly options: ConsentFeedsOptions;
  private started = false;

  constructor(options: ConsentFeedsOptions) {
    this.options = options;
    this.sync();
  }

  /** (Re)creates the feed of every operator admitted somewhere; stops the others. */
  sync(): void {
    const { issuers, sources, operators, replica, revocations, staleAfterMs, log } = this.options;
    for (const issuer of issuers) {
      const served = [...sources.values()].filter((s) => s.admitted.has(issuer)).map((s) => s.resource);
      const existing = this.byIssuer.get(issuer);
      if (existing && existing.sources.join() === served.join()) continue;
      if (existing) void existing.stop();
      this.byIssuer.delete(issuer);
      if (served.length === 0 && this.options.dropUnadmitted) continue;
      const feed = new ConsentFeedClient({ issuer, sources: served, operators, replica, revocations, staleAfterMs, log });
      this.byIssuer.set(issuer, feed);
      if (this.started) feed.start();
    }
  }

  /** Whether the replica of `iss` is fresh enough to trust without introspection. */
  isFresh(iss: string): boolean {
    return this.byIssuer.get(iss)?.isFresh() ?? false;
  }

  /** Starts every feed, and every feed a later sync makes. */
  start(): void {
    this.started = true;
    for (const f of this.byIssuer.values()) f.start();
  }

  async stop(): Promise<void> {
    for (const f of this.byIssuer.values()) await f.stop();
  }
}
