/**
 * A move at the new operator: verify the bundle (from a member of the trust group, for this
 * operator, unexpired, untampered, about the signed-in person), show the citizen what would
 * move and what would not (records, identities) before they agree, then re-create each live
 * record the citizen alone decides, in the background, recording what became of each.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { STATUS_RULES } from '../../core/consent-rules.ts';
import { activators, type ConsentState, type Party } from '../../core/consent.ts';
import { ruleOfSet } from '../../core/odrl.ts';
import { ProblemError } from '../../shared/errors.ts';
import { BUNDLE_TYP, type MoveItem, type MovePreview, type MoveView, type PortabilityBundle } from './bundle.ts';
import type { PortabilityContext } from './portability-context.ts';
import { insertMove, moveExists, updateMove } from './portability.repository.ts';

/** The bundle's payload once its signature verifies with the keys of the operator it names. */
async function verifiedBundle(ctx: PortabilityContext, jws: string, now: number): Promise<PortabilityBundle> {
  let unverified: Partial<PortabilityBundle>;
  try {
    if (decodeProtectedHeader(jws).typ !== BUNDLE_TYP) throw new Error('typ');
    unverified = decodeJwt(jws) as Partial<PortabilityBundle>;
  } catch {
    throw new ProblemError(400, 'invalid_bundle', `not a portability bundle (a compact JWS with typ ${BUNDLE_TYP})`);
  }
  const from = unverified.iss;
  const group = ctx.trustGroup();
  if (typeof from !== 'string' || !group?.members.some((m) => m.issuer === from)) {
    throw new ProblemError(403, 'invalid_bundle', 'this operator accepts bundles only from members of its trust group');
  }
  let bundle: PortabilityBundle;
  try {
    const keys = await ctx.peerKeys(from);
    bundle = JSON.parse(new TextDecoder().decode((await compactVerify(jws, keys)).payload)) as PortabilityBundle;
  } catch {
    throw new ProblemError(400, 'invalid_bundle', `the bundle's signature does not verify with the keys of ${from}`);
  }
  if (bundle.format !== 'portti-portability/1' || bundle.iss !== from)
    throw new ProblemError(400, 'invalid_bundle', 'unknown bundle format');
  if (bundle.aud !== ctx.issuer)
    throw new ProblemError(400, 'invalid_bundle', `the bundle was made for ${String(bundle.aud)}, not for this operator`);
  if (!(Date.parse(bundle.expires_at) > now))
    throw new ProblemError(400, 'invalid_bundle', `the bundle expired at ${bundle.expires_at}; ask ${from} for a new one`);
  return bundle;
}

/** A verified bundle about the signed-in person, and how to recognise that person's parties in it. */
async function bundleForAccount(ctx: PortabilityContext, accountId: string, jws: string, now: number) {
  const bundle = await verifiedBundle(ctx, jws, now);
  const mine = await ctx.accounts.identifiers(accountId);
  const same = (a: { identifier_type: string; identifier: string }) =>
    mine.some((m) => m.identifier_type === a.identifier_type && m.identifier === a.identifier);
  if (!Array.isArray(bundle.profile?.identifiers) || !bundle.profile.identifiers.some(same)) {
    throw new ProblemError(
      403,
      'invalid_bundle',
      'the bundle is about another person: sign in with an identity that carries the same national identifier',
    );
  }
  return { bundle, same };
}

/** The identities of the old keychain this operator does not offer: they cannot come along. */
function leftBehind(ctx: PortabilityContext, bundle: PortabilityBundle): MoveView['left_behind'] {
  return (Array.isArray(bundle.keychain) ? bundle.keychain : [])
    .filter((k) => !ctx.identityIssuers.includes(k.iss))
    .map((k) => ({ iss: String(k.iss), idp: String(k.idp), name: typeof k.name === 'string' ? k.name : null }));
}

/**
 * What importing a bundle would do, before the citizen agrees to it: which records would move,
 * which need their confirmation here, which stay and why, and which identities cannot come along.
 * Verifies the bundle as the import does; changes nothing.
 */
export async function previewImport(ctx: PortabilityContext, accountId: string, jws: string, now: number): Promise<MovePreview> {
  const { bundle, same } = await bundleForAccount(ctx, accountId, jws.trim(), now);
  const scope = { accountId, from: bundle.iss, mine: same, ...(await importHere(ctx)) };
  const items: MoveItem[] = [];
  for (const { record } of bundle.consent_records) {
    const plan = await planOne(ctx, scope, record);
    items.push(
      'outcome' in plan ? plan : { old: record.record_id, client_id: record.client_id, outcome: plan.reconfirm ? 'reconfirm' : 'moved' },
    );
  }
  return { move_id: bundle.move_id, peer: bundle.iss, total: items.length, items, left_behind: leftBehind(ctx, bundle) };
}

/**
 * Verifies a bundle and records the move for the signed-in citizen; returns the move id and,
 * for a bundle not seen before, the import to run in the background. Refuses a bundle about
 * another person.
 */
export async function beginImport(
  ctx: PortabilityContext,
  accountId: string,
  jws: string,
  now: number,
): Promise<{ moveId: string; run?: () => Promise<void> }> {
  const compact = jws.trim();
  const { bundle, same } = await bundleForAccount(ctx, accountId, compact, now);
  if (await moveExists(ctx.db, bundle.move_id)) return { moveId: bundle.move_id };
  await insertMove(ctx.db, {
    move_id: bundle.move_id,
    direction: 'in',
    account_id: accountId,
    peer: bundle.iss,
    status: 'running',
    total: bundle.consent_records.length,
    done: 0,
    result: '[]',
    bundle: compact,
    left_behind: JSON.stringify(leftBehind(ctx, bundle)),
    created_at: now,
    updated_at: now,
  });
  return { moveId: bundle.move_id, run: () => runImport(ctx, accountId, bundle, same) };
}

/** What an import needs to know about this operator's sources and the trust group's rulebook. */
async function importHere(ctx: PortabilityContext) {
  const sources = await ctx.registry.sources();
  return {
    sourceIds: new Map(sources.map((s) => [s.resource, s.id])),
    sensitive: new Set(sources.flatMap((s) => s.attributes.filter((a) => a.sensitivity !== 'normal').map((a) => `${s.resource}#${a.id}`))),
    rule: ctx.trustGroup()?.rulebook.moved_consents ?? 'carry_over',
  };
}

/** Re-creates the bundle's records and arrangements here, saving progress every 25 records. */
async function runImport(
  ctx: PortabilityContext,
  accountId: string,
  bundle: PortabilityBundle,
  mine: (p: Party) => boolean,
): Promise<void> {
  const items: MoveItem[] = [];
  try {
    if (!(await ctx.accounts.displayName(accountId)) && bundle.profile.display_name) {
      await ctx.accounts.setDisplayName(accountId, bundle.profile.display_name);
    }
    const here = await importHere(ctx);
    let done = 0;
    for (const { record } of bundle.consent_records) {
      items.push(await importOne(ctx, { accountId, from: bundle.iss, mine, ...here }, record));
      done += 1;
      if (done % 25 === 0 || done === bundle.consent_records.length) {
        await updateMove(ctx.db, bundle.move_id, { done, result: JSON.stringify(items), updated_at: Date.now() });
      }
    }
    for (const set of bundle.arrangements ?? []) {
      try {
        await ctx.arrangements.create(accountId, ruleOfSet(set));
      } catch {
        // a rule naming attributes this operator does not know cannot apply here; it stays in the bundle
      }
    }
    // the history: every use of the citizen's data there, marked as coming from there, with the evidence that proves it
    await ctx.accessReports.importMoved(bundle.iss, Array.isArray(bundle.access_log) ? bundle.access_log : []);
    const evidence = bundle.transparency ? JSON.stringify(bundle.transparency) : null;
    await updateMove(ctx.db, bundle.move_id, { status: 'done', done, result: JSON.stringify(items), evidence, updated_at: Date.now() });
  } catch (err) {
    const failure: MoveItem = { old: '', client_id: '', outcome: 'stays', reason: (err as Error).message };
    await updateMove(ctx.db, bundle.move_id, { status: 'failed', result: JSON.stringify([...items, failure]), updated_at: Date.now() });
    throw err;
  }
}

/** What a record's import needs to know about the citizen and this operator. */
interface ImportScope {
  accountId: string;
  from: string;
  mine: (p: Party) => boolean;
  /** The trust group's rulebook for moved consents. */
  rule: string;
  /** `resource#attribute` of the attributes this operator treats as sensitive. */
  sensitive: Set<string>;
  sourceIds: Map<string, string>;
}

/** Why a record stays at the old operator (or is history only), or that it can be re-created here and whether it needs reconfirming. */
async function planOne(ctx: PortabilityContext, scope: ImportScope, record: ConsentState): Promise<MoveItem | { reconfirm: boolean }> {
  const base = { old: record.record_id, client_id: record.client_id };
  // only a standing record (pending or active) moves; the others are history only
  if (!STATUS_RULES[record.status].standing) return { ...base, outcome: 'archived' };
  const deciders = activators(record);
  if (!deciders.every(scope.mine))
    return {
      ...base,
      outcome: 'stays',
      reason_code: 'shared',
      reason: 'shared with other participants: it stays with them at the old operator',
    };
  if (record.activation_mode === 'automatically_activated')
    return {
      ...base,
      outcome: 'stays',
      reason_code: 'not_consent',
      reason: 'not based on consent: the controller keeps it at the old operator',
    };
  const service = await ctx.registry.service(record.client_id);
  if (!service || service.kind === 'gateway')
    return {
      ...base,
      outcome: 'stays',
      reason_code: 'service_unknown',
      reason: `the service ${record.client_id} is not registered at this operator`,
    };
  const covers = record.purposes.flatMap((p) => p.pii_information.map((i) => `${i.source}#${i.pii_attribute_id}`));
  const reconfirm =
    record.status === 'active' &&
    (scope.rule === 'reconfirm_all' || (scope.rule === 'reconfirm_sensitive' && covers.some((c) => scope.sensitive.has(c))));
  return { reconfirm };
}

/** Re-creates one record here, or says why it stays at the old operator. */
async function importOne(ctx: PortabilityContext, scope: ImportScope, record: ConsentState): Promise<MoveItem> {
  const plan = await planOne(ctx, scope, record);
  if ('outcome' in plan) return plan;
  const base = { old: record.record_id, client_id: record.client_id };
  try {
    const { from, accountId, mine, sourceIds } = scope;
    const created = await ctx.consents.importMoved(record, { from, accountId, mine, reconfirm: plan.reconfirm, sourceIds });
    return { ...base, outcome: plan.reconfirm ? 'reconfirm' : 'moved', new: created.record_id, handed_over: false };
  } catch (err) {
    const reason = err instanceof ProblemError ? err.message : 'could not be re-created here';
    return { ...base, outcome: 'stays', reason_code: 'not_recreated', reason };
  }
}
