/**
 * Erases the store's residue (store/database.ts `eraseResidue`) soon after something was
 * forgotten, off the path of the change that forgot it: requests within `delayMs` of each
 * other share one run, and a failed run is logged and tried again on the next request.
 */
import type { FastifyBaseLogger } from 'fastify';
import { eraseResidue, type Store } from './database.ts';

/** Debounced residue erasure of one store. */
export class ResidueEraser<DB> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  private readonly store: Pick<Store<DB>, 'db' | 'dialect'>;
  private readonly log: Pick<FastifyBaseLogger, 'warn'>;
  private readonly delayMs: number;

  constructor(store: Pick<Store<DB>, 'db' | 'dialect'>, log: Pick<FastifyBaseLogger, 'warn'>, delayMs = 200) {
    this.store = store;
    this.log = log;
    this.delayMs = delayMs;
  }

  /** Asks for a run within `delayMs`. */
  request(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = eraseResidue(this.store)
        .catch((err: Error) => this.log.warn({ err: err.message }, 'erasing the store residue failed; retried on the next erasure'))
        .finally(() => (this.running = undefined));
    }, this.delayMs);
    this.timer.unref();
  }

  /** Runs a requested run now and waits for it (before the store closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await eraseResidue(this.store).catch(() => undefined);
    }
    await this.running;
  }
}
