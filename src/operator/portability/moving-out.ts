/**
 * A move at the old operator: sign the citizen's bundle for the operator they name (a member
 * of the trust group), and later take the new operator's hand-over, marking each record it
 * re-created `moved` so this operator stops issuing for it.
 */
import { randomUUID } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { ProblemError } from '../../shared/errors.ts';
import { loadHistory, loadRecord, recordIdsForAccount } from '../consent/consent.repository.ts';
import { receiptsOf } from '../consent/receipts.repository.ts';
import { BUNDLE_LIFETIME_MS, BUNDLE_TYP, COMPLETE_TYP, signPortability, type MoveItem, type PortabilityBundle } from './bundle.ts';
import type { PortabilityContext } from './portability-context.ts';
import { insertMove, movedOutTo, outgoingMove, updateMove } from './portability.repository.ts';

/** The new operator's issuer, checked: a URL, not this operator, a member of the trust group. */
function targetIssuer(ctx: PortabilityContext, target: string): string {
  let aud: string;
  try {
    const u = new URL(target);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    aud = target.replace(/\/$/, '');
  } catch {
    throw new ProblemError(400, 'validation_failed', "target must be the new operator's issuer URL");
  }
  if (aud === ctx.issuer) throw new ProblemError(400, 'validation_failed', 'the target is this operator');
  // only to members of the trust group: the new operator is later trusted to report the hand-over
  if (!ctx.trustGroup()?.members.some((m) => m.issuer === aud)) {
    throw new ProblemError(400, 'validation_failed', `${aud} is not a member of this operator's trust group`);
  }
  return aud;
}

/** How long a bundle waits for the proofs of the newest uses (gateways send them within about a second). */
const PROOF_WAIT_MS = 3000;

/**
 * The account's access records for a bundle, each with its inclusion proof: the proof of a use
 * made in the last seconds is still on its way, and the new operator can only check what the
 * bundle carries, so the bundle waits for those (at most {@link PROOF_WAIT_MS}). Entries that
 * came here with an earlier move stay: their evidence is the operator they came from.
 */
async function provenAccessLog(ctx: PortabilityContext, ids: string[], now: number) {
  const read = async () => (await ctx.accessReports.all(ids)).filter((e) => e.moved_from === undefined);
  let log = await read();
  const recent = (e: Record<string, unknown>) => !e.proof && now - Date.parse(String(e.time)) < PROOF_WAIT_MS * 2;
  for (let waited = 0; waited < PROOF_WAIT_MS && log.some(recent); waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    log = await read();
  }
  return log;
}

/** Everything this operator holds about the account, as the bundle for `aud`. */
async function bundleFor(ctx: PortabilityContext, accountId: string, aud: string, moveId: string, now: number): Promise<PortabilityBundle> {
  const identifiers = await ctx.accounts.identifiers(accountId);
  const ids = await recordIdsForAccount(ctx.db, accountId, identifiers);
  const records = [];
  for (const id of ids) {
    const record = await loadRecord(ctx.db, id);
    if (record) records.push({ record, history: await loadHistory(ctx.db, id) });
  }
  const agreements: Record<string, unknown> = {};
  for (const c of new Set(records.map((r) => r.record.client_id))) {
    const entry = await ctx.registry.service(c);
    if (entry) agreements[c] = entry.agreement;
  }
  const receipts = await receiptsOf(ctx.db, ids);
  const accessLog = await provenAccessLog(ctx, ids, now);
  return {
    format: 'portti-portability/1',
    move_id: moveId,
    iss: ctx.issuer,
    aud,
    exported_at: new Date(now).toISOString(),
    expires_at: new Date(now + BUNDLE_LIFETIME_MS).toISOString(),
    profile: { display_name: await ctx.accounts.displayName(accountId), identifiers },
    keychain: await ctx.accounts.keychain(accountId),
    consent_records: records,
    receipts: receipts.map((r) => ({ record_id: r.record_id, receipt_id: r.receipt_id, time: new Date(r.time).toISOString(), jws: r.jws })),
    agreements,
    arrangements: (await ctx.arrangements.list(accountId)).map((a) => a.policy),
    access_log: accessLog,
    transparency: await ctx.witness.evidence(accessLog.flatMap((e) => (e.proof ? [e.proof as { origin: string; size: number }] : []))),
  };
}

/** Signs the citizen's bundle for `target` (the new operator's issuer) and records the move. */
export async function exportBundle(ctx: PortabilityContext, accountId: string, target: string, now: number) {
  const aud = targetIssuer(ctx, target);
  const moveId = `urn:uuid:${randomUUID()}`;
  const bundle = await bundleFor(ctx, accountId, aud, moveId, now);
  const jws = await signPortability(bundle, BUNDLE_TYP, ctx.signingKey());
  await insertMove(ctx.db, {
    move_id: moveId,
    direction: 'out',
    account_id: accountId,
    peer: aud,
    status: 'running',
    total: bundle.consent_records.length,
    done: 0,
    result: '[]',
    bundle: null,
    left_behind: null,
    created_at: now,
    updated_at: now,
  });
  return { move_id: moveId, jws };
}

/** The keys of the operator a hand-over names, when a move to it was started here. */
async function keysOfReporter(ctx: PortabilityContext, jws: string): Promise<JWTVerifyGetKey> {
  let iss: unknown;
  try {
    iss = decodeJwt(jws).iss;
  } catch {
    throw new ProblemError(400, 'invalid_bundle', 'not a compact JWS with a JSON payload');
  }
  if (typeof iss !== 'string' || !/^https?:\/\//.test(iss)) throw new ProblemError(400, 'invalid_bundle', 'the payload names no issuer');
  if (!(await movedOutTo(ctx.db, iss))) throw new ProblemError(403, 'forbidden', `no move to ${iss} was started here`);
  try {
    return await ctx.peerKeys(iss);
  } catch {
    throw new ProblemError(502, 'upstream_unavailable', `the keys of ${iss} cannot be fetched`);
  }
}

/** The new operator says which records it re-created: mark the old ones moved. */
export async function completeMove(
  ctx: PortabilityContext,
  jws: string,
  now: number,
): Promise<{ marked: string[]; refused: Array<{ record_id: string; reason: string }> }> {
  let payload: { iss?: unknown; aud?: unknown; move_id?: unknown; moved?: unknown };
  try {
    payload = JSON.parse(new TextDecoder().decode((await compactVerify(jws, await keysOfReporter(ctx, jws))).payload)) as typeof payload;
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    throw new ProblemError(401, 'invalid_bundle', 'the hand-over is not signed by the operator it names');
  }
  if (decodeProtectedHeader(jws).typ !== COMPLETE_TYP) throw new ProblemError(400, 'invalid_bundle', `expected typ ${COMPLETE_TYP}`);
  if (payload.aud !== ctx.issuer) throw new ProblemError(400, 'invalid_bundle', 'the hand-over is meant for another operator');
  const move = await outgoingMove(ctx.db, String(payload.move_id));
  if (!move || move.peer !== payload.iss)
    throw new ProblemError(403, 'forbidden', 'no move of this citizen to that operator was started here');
  const moved = Array.isArray(payload.moved) ? (payload.moved as Array<{ old?: unknown; new?: unknown }>) : [];
  const own = new Set(await recordIdsForAccount(ctx.db, move.account_id, await ctx.accounts.identifiers(move.account_id)));
  const marked: string[] = [];
  const refused: Array<{ record_id: string; reason: string }> = [];
  for (const m of moved) {
    const oldId = String(m.old);
    if (!own.has(oldId) || typeof m.new !== 'string') {
      refused.push({ record_id: oldId, reason: 'not a record of this move' });
      continue;
    }
    if ((await loadRecord(ctx.db, oldId))?.status === 'moved') {
      marked.push(oldId);
      continue;
    }
    try {
      await ctx.consents.markMoved(oldId, m.new, `operator:${move.peer}`, now);
      marked.push(oldId);
    } catch (err) {
      refused.push({ record_id: oldId, reason: (err as Error).message });
    }
  }
  const items = new Map((JSON.parse(move.result) as MoveItem[]).map((i) => [i.old, i]));
  for (const m of moved) {
    const old = String(m.old);
    if (marked.includes(old)) items.set(old, { old, client_id: '', outcome: 'moved', new: String(m.new), handed_over: true });
  }
  await updateMove(ctx.db, move.move_id, {
    done: items.size,
    status: 'done',
    result: JSON.stringify([...items.values()]),
    updated_at: now,
  });
  return { marked, refused };
}
