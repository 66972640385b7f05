/**
 * The hand-over, at the new operator: once a moved record is live here, tell the old operator
 * (a JWS of this operator's, `typ: portability-complete+jws`) so it marks the old record
 * `moved`; retried until the old operator confirms or refuses each record.
 */
import { randomUUID } from 'node:crypto';
import { loadRecord } from '../consent/consent.repository.ts';
import { COMPLETE_TYP, signPortability, type MoveItem } from './bundle.ts';
import type { PortabilityContext } from './portability-context.ts';
import { finishedIncomingMoves, moveResult, updateMove } from './portability.repository.ts';

/** Items of a move that are live here and not yet confirmed or refused by the old operator. */
async function readyItems(ctx: PortabilityContext, items: MoveItem[]): Promise<MoveItem[]> {
  const ready: MoveItem[] = [];
  for (const i of items) {
    if (!i.new || i.handed_over || i.hand_over_refused || (i.outcome !== 'moved' && i.outcome !== 'reconfirm')) continue;
    const now = await loadRecord(ctx.db, i.new);
    if (now?.status === 'active' || (i.outcome === 'moved' && now?.status === 'pending')) ready.push(i);
  }
  return ready;
}

/** Tells old operators about records that are now live here; retried until they confirm. */
export async function handOverPending(ctx: PortabilityContext): Promise<void> {
  for (const move of await finishedIncomingMoves(ctx.db)) {
    const ready = await readyItems(ctx, JSON.parse(move.result) as MoveItem[]);
    if (ready.length === 0) continue;
    const payload = {
      iss: ctx.issuer,
      aud: move.peer,
      move_id: move.move_id,
      moved: ready.map((i) => ({ old: i.old, new: i.new })),
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
    };
    const jws = await signPortability(payload, COMPLETE_TYP, ctx.signingKey());
    const res = await fetch(`${move.peer}/portability/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: jws,
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`${move.peer} answered ${res.status} to the hand-over`);
    const answer = (await res.json()) as { marked: string[]; refused: Array<{ record_id: string; reason: string }> };
    const marked = new Set(answer.marked);
    // a refusal is final (e.g. the citizen withdrew the old record meanwhile): stop retrying it
    const refused = new Map(answer.refused.map((r) => [r.record_id, r.reason]));
    const updated = (JSON.parse(await moveResult(ctx.db, move.move_id)) as MoveItem[]).map((i) =>
      marked.has(i.old) ? { ...i, handed_over: true } : refused.has(i.old) ? { ...i, hand_over_refused: refused.get(i.old)! } : i,
    );
    await updateMove(ctx.db, move.move_id, { result: JSON.stringify(updated), updated_at: Date.now() });
  }
}
