/**
 * Moving to another operator. The old operator signs a portability bundle (compact JWS,
 * `typ: portability-bundle+jws`) for the operator the citizen names: profile, keychain,
 * consent records with history, receipts, agreements, permission arrangements and the
 * access log (moving-out.ts). The new operator verifies it against the old one's published
 * keys, checks that the bundle is about the signed-in person, and re-creates each live
 * record with `replaces` pointing at the old one (moving-in.ts). Then it tells the old
 * operator (a JWS of its own, `typ: portability-complete+jws`), which marks the old records
 * `moved` and stops issuing (hand-over.ts).
 *
 * Gateways switch without a gap: the new record supersedes the old one in the replica in
 * one step when it arrives, and a `moved` record stays honoured until its replacement
 * arrives (see ConsentReplica.honours).
 */
import { createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey } from 'jose';
import type { LogEvidence } from '../../audit/export-verify.ts';
import type { ConsentState } from '../../core/consent.ts';
import { discover } from '../../shared/oauth/oauth-client.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { MoveItem, MovePreview, MoveView, PortabilityBundle } from './bundle.ts';
import { handOverPending } from './hand-over.ts';
import { beginImport, previewImport } from './moving-in.ts';
import { completeMove, exportBundle } from './moving-out.ts';
import type { PortabilityContext, PortabilityOptions } from './portability-context.ts';
import { bundlesIn, deleteMovesOf, lastMoveOut, moveOf, movesIn, movesOf, moveView } from './portability.repository.ts';

/** The protocol's types and constants (bundle.ts), for the routes and tests. */
export { BUNDLE_TYP, COMPLETE_TYP, type MoveItem, type MovePreview, type MoveView, type PortabilityBundle } from './bundle.ts';
/** What a Portability is built from (portability-context.ts). */
export type { PortabilityOptions } from './portability-context.ts';

/** Portability of one operator, both as the old and as the new operator of a move. */
/** The history moves brought here: the old records' ids and, per old operator, the evidence proving their access records. */
export interface MovedHistory {
  recordIds: string[];
  evidence: ReadonlyMap<string, readonly LogEvidence[]>;
}

/** One move's history as the export carries it. */
export interface MovedRecords {
  from: string;
  moved_at: string;
  consent_records: Array<{
    record: PortabilityBundle['consent_records'][number]['record'];
    history: PortabilityBundle['consent_records'][number]['history'];
    receipts: Array<{ receipt_id: string; time: string; jws: string }>;
  }>;
}

export class Portability {
  private readonly ctx: PortabilityContext;
  private readonly jwks = new Map<string, JWTVerifyGetKey>();
  private readonly running = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: PortabilityOptions) {
    this.ctx = { ...options, peerKeys: (issuer) => this.peerKeys(issuer) };
    // a record re-asked under the rulebook hands over once the citizen confirms it here
    options.consents.on('changed', (state: ConsentState) => {
      if (state.status === 'active' && state.replaces) this.track(this.handOverPending());
    });
  }

  /**
   * What the citizen's moves here brought of their history: the old operators' record ids (their
   * access records are kept here, marked `moved_from`) and each old operator's evidence for them.
   */
  async history(accountId: string): Promise<MovedHistory> {
    const recordIds = new Set<string>();
    const evidence = new Map<string, LogEvidence[]>();
    for (const m of await movesIn(this.ctx.db, accountId)) {
      for (const i of JSON.parse(m.result) as MoveItem[]) if (i.old) recordIds.add(i.old);
      if (m.evidence) evidence.set(m.peer, [...(evidence.get(m.peer) ?? []), JSON.parse(m.evidence) as LogEvidence]);
    }
    return { recordIds: [...recordIds], evidence };
  }

  /**
   * What the citizen's moves here brought besides the live records: every record at the old
   * operator with its history and the receipts that operator signed, read from the bundles
   * as received (their signatures were checked at import).
   */
  async movedRecords(accountId: string): Promise<MovedRecords[]> {
    const out: MovedRecords[] = [];
    for (const m of await bundlesIn(this.ctx.db, accountId)) {
      if (!m.bundle) continue;
      const b = decodeJwt(m.bundle) as unknown as PortabilityBundle;
      const receipts = Array.isArray(b.receipts) ? b.receipts : [];
      out.push({
        from: m.peer,
        moved_at: new Date(m.created_at).toISOString(),
        consent_records: (Array.isArray(b.consent_records) ? b.consent_records : []).map(({ record, history }) => ({
          record,
          history,
          receipts: receipts
            .filter((r) => r.record_id === record.record_id)
            .map(({ receipt_id, time, jws }) => ({ receipt_id, time, jws })),
        })),
      });
    }
    return out;
  }

  /** Where and when the citizen moved from here, once the new operator took the records over. */
  async movedOut(accountId: string): Promise<{ peer: string; at: string } | undefined> {
    const m = await lastMoveOut(this.ctx.db, accountId);
    return m && { peer: m.peer, at: new Date(m.updated_at).toISOString() };
  }

  /** Deletes an erased account's moves and the bundles they keep. */
  async forget(accountId: string): Promise<void> {
    await deleteMovesOf(this.ctx.db, accountId);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'portability hand-over failed; retried later'));
    this.running.add(guarded);
    void guarded.finally(() => this.running.delete(guarded));
  }

  /** Keys of a peer operator, from its RFC 8414 metadata. */
  private async peerKeys(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = this.jwks.get(issuer);
    if (!keys) {
      const meta = await discover(issuer);
      keys = createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: 5000 });
      this.jwks.set(issuer, keys);
    }
    return keys;
  }

  /** Signs the citizen's bundle for `target` (the new operator's issuer) and records the move. */
  async exportBundle(accountId: string, target: string, now = Date.now()): Promise<{ move_id: string; jws: string }> {
    return exportBundle(this.ctx, accountId, target, now);
  }

  /** The new operator says which records it re-created: mark the old ones moved. */
  async complete(jws: string, now = Date.now()): Promise<{ marked: string[]; refused: Array<{ record_id: string; reason: string }> }> {
    return completeMove(this.ctx, jws, now);
  }

  /** What importing the bundle would do (records, identities left behind), before the citizen agrees; changes nothing. */
  async preview(accountId: string, jws: string, now = Date.now()): Promise<MovePreview> {
    return previewImport(this.ctx, accountId, jws, now);
  }

  /**
   * Verifies a bundle and starts importing it for the signed-in citizen; the import runs
   * in the background (see {@link move} for progress). Refuses a bundle from an operator
   * outside this operator's trust group, for another operator, expired, tampered with, or
   * about another person.
   */
  async startImport(accountId: string, jws: string, now = Date.now()): Promise<MoveView> {
    const { moveId, run } = await beginImport(this.ctx, accountId, jws, now);
    if (run) {
      this.track(
        (async () => {
          await run();
          await this.ctx.onMoved?.(accountId, moveId);
          await this.handOverPending();
        })(),
      );
    }
    return this.move(accountId, moveId);
  }

  /** Tells old operators about records that are now live here; retried until they confirm. */
  async handOverPending(): Promise<void> {
    return handOverPending(this.ctx);
  }

  /** A move of this citizen, with its progress. */
  async move(accountId: string, moveId: string): Promise<MoveView> {
    const m = await moveOf(this.ctx.db, accountId, moveId);
    if (!m) throw new ProblemError(404, 'not_found', `no move ${moveId} of yours`);
    return moveView(m);
  }

  /** Every move of this citizen, newest first. */
  async moves(accountId: string): Promise<MoveView[]> {
    return (await movesOf(this.ctx.db, accountId)).map(moveView);
  }

  /** Retries hand-overs the old operator has not confirmed yet. */
  start(intervalMs = 5000): void {
    this.timer = setInterval(() => this.track(this.handOverPending()), intervalMs);
    this.timer.unref();
  }

  /** Stops the retries and waits for background work. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.running]);
  }
}
