/**
 * Keeps a gateway inside its trust group: each source admits what the group's document in
 * force admits, among the operators this gateway is configured for. Members join and leave
 * without a restart; an invalid or expired document admits nobody (fail closed).
 */
import type { FastifyBaseLogger } from 'fastify';
import { TrustGroupLoader, type TrustGroupLocation } from '../trust/trust-group-loader.ts';
import { admittedTo, type TrustGroupDocument } from '../trust/trust-group.ts';
import type { CompiledSource } from './source-registry.ts';

export class TrustGroupWatcher {
  private readonly loader: TrustGroupLoader;
  private readonly sources: Map<string, CompiledSource>;
  private readonly configured: Set<string>;
  /** Told after every reload with the issuers admitted anywhere. */
  onChange: ((admitted: Set<string>) => void) | undefined;

  constructor(options: TrustGroupLocation, sources: Map<string, CompiledSource>, configuredIssuers: string[], log: FastifyBaseLogger) {
    this.loader = new TrustGroupLoader(options, log);
    this.sources = sources;
    this.configured = new Set(configuredIssuers);
    this.loader.onChange = (doc) => this.onChange?.(this.apply(doc));
  }

  /** The document in force, if any. */
  get current(): TrustGroupDocument | undefined {
    return this.loader.current;
  }

  private apply(doc: TrustGroupDocument | undefined): Set<string> {
    const everywhere = new Set<string>();
    for (const source of this.sources.values()) {
      source.admitted.clear();
      if (!doc) continue;
      for (const iss of admittedTo(doc, source.resource)) {
        if (!this.configured.has(iss)) continue;
        source.admitted.add(iss);
        everywhere.add(iss);
      }
    }
    return everywhere;
  }

  /** Loads and applies the document now. */
  async reload(): Promise<void> {
    await this.loader.reload();
  }

  start(): void {
    this.loader.start();
  }

  stop(): void {
    this.loader.stop();
  }
}
