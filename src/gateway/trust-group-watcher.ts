/**
 * Keeps a gateway inside its trust group: loads the signed trust-group document (file or
 * URL), verifies it with the governance keys, and sets each source's admitted operators to
 * what the group admits (among the operators this gateway is configured for). Reloaded on
 * an interval, so members join and leave without a restart. An invalid or expired document
 * admits nobody (fail closed).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { JWK } from 'jose';
import { admittedTo, TrustGroupError, verifyTrustGroup, type TrustGroupDocument } from '../trust/trust-group.ts';
import type { CompiledSource } from './source-registry.ts';

export interface TrustGroupSource {
  file?: string | undefined;
  url?: string | undefined;
  governance_jwks_file: string;
  refresh_ms: number;
}

export class TrustGroupWatcher {
  private readonly options: TrustGroupSource;
  private readonly sources: Map<string, CompiledSource>;
  private readonly configured: Set<string>;
  private readonly log: FastifyBaseLogger;
  private timer: NodeJS.Timeout | undefined;
  /** The document in force, if any. */
  current: TrustGroupDocument | undefined;
  /** Told after every reload with the issuers admitted anywhere. */
  onChange: ((admitted: Set<string>) => void) | undefined;

  constructor(options: TrustGroupSource, sources: Map<string, CompiledSource>, configuredIssuers: string[], log: FastifyBaseLogger) {
    this.options = options;
    this.sources = sources;
    this.configured = new Set(configuredIssuers);
    this.log = log;
  }

  private async text(): Promise<string> {
    if (this.options.url) {
      const res = await fetch(this.options.url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new TrustGroupError(`the trust-group document answered ${res.status}`);
      return res.text();
    }
    return readFile(this.options.file!, 'utf8');
  }

  /** Loads and applies the document now; returns the issuers admitted anywhere. */
  async reload(): Promise<Set<string>> {
    let doc: TrustGroupDocument | undefined;
    try {
      const jwks = JSON.parse(await readFile(this.options.governance_jwks_file, 'utf8')) as { keys: JWK[] };
      doc = await verifyTrustGroup(await this.text(), jwks);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'trust-group document refused: no operator is admitted until a valid one loads');
    }
    this.current = doc;
    const everywhere = new Set<string>();
    for (const source of this.sources.values()) {
      const admitted = doc ? [...admittedTo(doc, source.resource)].filter((i) => this.configured.has(i)) : [];
      source.admitted.clear();
      for (const iss of admitted) {
        source.admitted.add(iss);
        everywhere.add(iss);
      }
    }
    this.onChange?.(everywhere);
    return everywhere;
  }

  start(): void {
    this.timer = setInterval(() => void this.reload(), this.options.refresh_ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
