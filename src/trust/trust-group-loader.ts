/**
 * Loads a signed trust-group document from a file or URL, verifies it with the governance
 * keys and keeps the valid one in force, reloading on an interval. An invalid or expired
 * document leaves no document in force: whoever asks is told nothing is admitted.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { JWK } from 'jose';
import { admittedTo, TrustGroupError, verifyTrustGroup, type TrustGroupDocument } from './trust-group.ts';

export interface TrustGroupLocation {
  file?: string | undefined;
  url?: string | undefined;
  governance_jwks_file: string;
  refresh_ms: number;
}

export class TrustGroupLoader {
  private readonly options: TrustGroupLocation;
  private readonly log: FastifyBaseLogger;
  private timer: NodeJS.Timeout | undefined;
  /** The verified document in force, if any. */
  current: TrustGroupDocument | undefined;
  /** The governance keys the document in force verified with (they also sign software statements). */
  governance: { keys: JWK[] } | undefined;
  /** Told after every reload. */
  onChange: ((doc: TrustGroupDocument | undefined) => void) | undefined;

  constructor(options: TrustGroupLocation, log: FastifyBaseLogger) {
    this.options = options;
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

  /** Loads, verifies and applies the document now. */
  async reload(): Promise<TrustGroupDocument | undefined> {
    try {
      const jwks = JSON.parse(await readFile(this.options.governance_jwks_file, 'utf8')) as { keys: JWK[] };
      this.current = await verifyTrustGroup(await this.text(), jwks);
      this.governance = jwks;
    } catch (err) {
      this.current = undefined;
      this.governance = undefined;
      this.log.error({ err: (err as Error).message }, 'trust-group document refused: nothing is admitted until a valid one loads');
    }
    this.onChange?.(this.current);
    return this.current;
  }

  /** True when the document in force admits `issuer` to the source at `resource`. */
  admits(issuer: string, resource: string): boolean {
    return this.current ? admittedTo(this.current, resource).has(issuer) : false;
  }

  start(): void {
    this.timer = setInterval(() => void this.reload(), this.options.refresh_ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
