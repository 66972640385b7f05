/**
 * Moving to another operator. The old operator signs a portability bundle (compact JWS,
 * `typ: portability-bundle+jws`) for the operator the citizen names: profile, keychain,
 * consent records with history, receipts, agreements, permission arrangements and the
 * access log. The new operator verifies it against the old one's published keys, checks
 * that the bundle is about the signed-in person, and re-creates each live record with
 * `replaces` pointing at the old one. Then it tells the old operator (a JWS of its own,
 * `typ: portability-complete+jws`), which marks the old records `moved` and stops issuing.
 *
 * Gateways switch without a gap: the new record supersedes the old one in the replica in
 * one step when it arrives, and a `moved` record stays honoured until its replacement
 * arrives (see ConsentReplica.honours).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { CompactSign, compactVerify, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import { STATUS_RULES } from '../../core/consent-rules.ts';
import { activators, type ConsentState, type HistoryEntry, type Party } from '../../core/consent.ts';
import type { ArrangementSet } from '../../core/odrl.ts';
import { ruleOfSet } from '../../core/odrl.ts';
import { ProblemError } from '../../shared/errors.ts';
import { discover } from '../../shared/oauth/oauth-client.ts';
import type { SigningKey } from '../../store/keys.ts';
import type { TrustGroupDocument } from '../../trust/trust-group.ts';
import type { Accounts, KeychainEntry } from '../accounts/accounts.ts';
import type { Arrangements } from '../arrangements/arrangements.ts';
import { loadHistory, loadRecord, recordIdsForAccount } from '../consent/consent.repository.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { MovesTable, OperatorDatabase } from '../operator.tables.ts';
import type { Registry } from '../registry/registry.ts';

export const BUNDLE_TYP = 'portability-bundle+jws';
export const COMPLETE_TYP = 'portability-complete+jws';
const BUNDLE_LIFETIME_MS = 24 * 3600_000;
/** Columns of a move without the stored bundle (megabytes, read only when the bundle itself is wanted). */
const MOVE_COLUMNS = [
  'move_id',
  'direction',
  'account_id',
  'peer',
  'status',
  'total',
  'done',
  'result',
  'created_at',
  'updated_at',
] as const;

export interface PortabilityBundle {
  format: 'portti-portability/1';
  move_id: string;
  iss: string;
  aud: string;
  exported_at: string;
  expires_at: string;
  profile: { display_name: string | null; identifiers: Array<{ identifier_type: string; identifier: string }> };
  keychain: KeychainEntry[];
  consent_records: Array<{ record: ConsentState; history: HistoryEntry[] }>;
  receipts: Array<{ record_id: string; receipt_id: string; time: string; jws: string }>;
  agreements: Record<string, unknown>;
  arrangements: ArrangementSet[];
  access_log: Array<Record<string, unknown>>;
}

/** What became of one record of a move. */
export interface MoveItem {
  old: string;
  client_id: string;
  /** `moved` (active here), `reconfirm` (waiting for the citizen here), `stays` (not moved), `archived` (history only). */
  outcome: 'moved' | 'reconfirm' | 'stays' | 'archived';
  new?: string;
  reason?: string;
  /** The old operator confirmed it marked the old record moved. */
  handed_over?: boolean;
  /** The old operator refused the hand-over (e.g. the record was withdrawn there meanwhile); final. */
  hand_over_refused?: string;
}

export interface MoveView {
  move_id: string;
  direction: 'in' | 'out';
  peer: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  done: number;
  items: MoveItem[];
  created_at: string;
  updated_at: string;
}

export interface PortabilityOptions {
  db: Kysely<OperatorDatabase>;
  issuer: string;
  signingKey: () => SigningKey;
  accounts: Accounts;
  consents: ConsentService;
  registry: Registry;
  arrangements: Arrangements;
  /** The trust group in force (members may send bundles here; its rulebook says what to re-ask). */
  trustGroup: () => TrustGroupDocument | undefined;
  log: FastifyBaseLogger;
}

function moveView(m: Pick<MovesTable, (typeof MOVE_COLUMNS)[number]>): MoveView {
  return {
    move_id: m.move_id,
    direction: m.direction as MoveView['direction'],
    peer: m.peer,
    status: m.status as MoveView['status'],
    total: m.total,
    done: m.done,
    items: JSON.parse(m.result) as MoveItem[],
    created_at: new Date(m.created_at).toISOString(),
    updated_at: new Date(m.updated_at).toISOString(),
  };
}

async function sign(payload: object, typ: string, key: SigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .sign(key.privateKey);
}

export class Portability {
  private readonly o: PortabilityOptions;
  private readonly jwks = new Map<string, JWTVerifyGetKey>();
  private readonly running = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: PortabilityOptions) {
    this.o = options;
    // a record re-asked under the rulebook hands over once the citizen confirms it here
    options.consents.on('changed', (state: ConsentState) => {
      if (state.status === 'active' && state.replaces) this.track(this.handOverPending());
    });
  }

  private track<T>(p: Promise<T>): void {
    const guarded = p.catch((err: Error) => this.o.log.warn({ err: err.message }, 'portability hand-over failed; retried later'));
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

  // ---- at the old operator ------------------------------------------------------------

  /** Signs the citizen's bundle for `target` (the new operator's issuer) and records the move. */
  async exportBundle(accountId: string, target: string, now = Date.now()): Promise<{ move_id: string; jws: string }> {
    let aud: string;
    try {
      const u = new URL(target);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      aud = target.replace(/\/$/, '');
    } catch {
      throw new ProblemError(400, 'validation_failed', "target must be the new operator's issuer URL");
    }
    if (aud === this.o.issuer) throw new ProblemError(400, 'validation_failed', 'the target is this operator');
    // only to members of the trust group: the new operator is later trusted to report the hand-over
    if (!this.o.trustGroup()?.members.some((m) => m.issuer === aud)) {
      throw new ProblemError(400, 'validation_failed', `${aud} is not a member of this operator's trust group`);
    }
    const db = this.o.db;
    const ids = await recordIdsForAccount(db, accountId);
    const records = [];
    for (const id of ids) {
      const record = await loadRecord(db, id);
      if (record) records.push({ record, history: await loadHistory(db, id) });
    }
    const clients = [...new Set(records.map((r) => r.record.client_id))];
    const agreements: Record<string, unknown> = {};
    for (const c of clients) {
      const row = await db.selectFrom('services').select('agreement').where('client_id', '=', c).executeTakeFirst();
      if (row) agreements[c] = JSON.parse(row.agreement) as unknown;
    }
    const receipts =
      ids.length === 0
        ? []
        : await db
            .selectFrom('receipts')
            .select(['record_id', 'receipt_id', 'time', 'jws'])
            .where('record_id', 'in', ids)
            .orderBy('seq')
            .execute();
    const access =
      ids.length === 0 ? [] : await db.selectFrom('access_log').select('body').where('record_id', 'in', ids).orderBy('time').execute();
    const moveId = `urn:uuid:${randomUUID()}`;
    const bundle: PortabilityBundle = {
      format: 'portti-portability/1',
      move_id: moveId,
      iss: this.o.issuer,
      aud,
      exported_at: new Date(now).toISOString(),
      expires_at: new Date(now + BUNDLE_LIFETIME_MS).toISOString(),
      profile: { display_name: await this.o.accounts.displayName(accountId), identifiers: await this.o.accounts.identifiers(accountId) },
      keychain: await this.o.accounts.keychain(accountId),
      consent_records: records,
      receipts: receipts.map((r) => ({
        record_id: r.record_id,
        receipt_id: r.receipt_id,
        time: new Date(r.time).toISOString(),
        jws: r.jws,
      })),
      agreements,
      arrangements: (await this.o.arrangements.list(accountId)).map((a) => a.policy),
      access_log: access.map((a) => JSON.parse(a.body) as Record<string, unknown>),
    };
    const jws = await sign(bundle, BUNDLE_TYP, this.o.signingKey());
    await db
      .insertInto('moves')
      .values({
        move_id: moveId,
        direction: 'out',
        account_id: accountId,
        peer: aud,
        status: 'running',
        total: records.length,
        done: 0,
        result: '[]',
        bundle: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { move_id: moveId, jws };
  }

  /** The new operator says which records it re-created: mark the old ones moved. */
  async complete(jws: string, now = Date.now()): Promise<{ marked: string[]; refused: Array<{ record_id: string; reason: string }> }> {
    let payload: { iss?: unknown; aud?: unknown; move_id?: unknown; moved?: unknown };
    try {
      payload = JSON.parse(
        new TextDecoder().decode((await compactVerify(jws, await this.peerKeysFromUnverified(jws))).payload),
      ) as typeof payload;
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      throw new ProblemError(401, 'invalid_bundle', 'the hand-over is not signed by the operator it names');
    }
    if (decodeProtectedHeader(jws).typ !== COMPLETE_TYP) throw new ProblemError(400, 'invalid_bundle', `expected typ ${COMPLETE_TYP}`);
    if (payload.aud !== this.o.issuer) throw new ProblemError(400, 'invalid_bundle', 'the hand-over is meant for another operator');
    const move = await this.o.db
      .selectFrom('moves')
      .select(MOVE_COLUMNS)
      .where('move_id', '=', String(payload.move_id))
      .where('direction', '=', 'out')
      .executeTakeFirst();
    if (!move || move.peer !== payload.iss)
      throw new ProblemError(403, 'forbidden', 'no move of this citizen to that operator was started here');
    const moved = Array.isArray(payload.moved) ? (payload.moved as Array<{ old?: unknown; new?: unknown }>) : [];
    const own = new Set(await recordIdsForAccount(this.o.db, move.account_id));
    const marked: string[] = [];
    const refused: Array<{ record_id: string; reason: string }> = [];
    for (const m of moved) {
      const oldId = String(m.old);
      if (!own.has(oldId) || typeof m.new !== 'string') {
        refused.push({ record_id: oldId, reason: 'not a record of this move' });
        continue;
      }
      const state = await loadRecord(this.o.db, oldId);
      if (state?.status === 'moved') {
        marked.push(oldId);
        continue;
      }
      try {
        await this.o.consents.markMoved(oldId, m.new, `operator:${move.peer}`, now);
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
    await this.o.db
      .updateTable('moves')
      .set({ done: items.size, status: 'done', result: JSON.stringify([...items.values()]), updated_at: now })
      .where('move_id', '=', move.move_id)
      .execute();
    return { marked, refused };
  }

  private async peerKeysFromUnverified(jws: string): Promise<JWTVerifyGetKey> {
    let iss: unknown;
    try {
      iss = decodeJwt(jws).iss;
    } catch {
      throw new ProblemError(400, 'invalid_bundle', 'not a compact JWS with a JSON payload');
    }
    if (typeof iss !== 'string' || !/^https?:\/\//.test(iss)) throw new ProblemError(400, 'invalid_bundle', 'the payload names no issuer');
    const known = await this.o.db
      .selectFrom('moves')
      .select('move_id')
      .where('peer', '=', iss)
      .where('direction', '=', 'out')
      .executeTakeFirst();
    if (!known) throw new ProblemError(403, 'forbidden', `no move to ${iss} was started here`);
    try {
      return await this.peerKeys(iss);
    } catch {
      throw new ProblemError(502, 'upstream_unavailable', `the keys of ${iss} cannot be fetched`);
    }
  }

  // ---- at the new operator ------------------------------------------------------------

  /**
   * Verifies a bundle and starts importing it for the signed-in citizen; the import runs
   * in the background (see {@link move} for progress). Refuses a bundle from an operator
   * outside this operator's trust group, for another operator, expired, tampered with, or
   * about another person.
   */
  async startImport(accountId: string, jws: string, now = Date.now()): Promise<MoveView> {
    const compact = jws.trim();
    let unverified: Partial<PortabilityBundle>;
    try {
      if (decodeProtectedHeader(compact).typ !== BUNDLE_TYP) throw new Error('typ');
      unverified = decodeJwt(compact) as Partial<PortabilityBundle>;
    } catch {
      throw new ProblemError(400, 'invalid_bundle', `not a portability bundle (a compact JWS with typ ${BUNDLE_TYP})`);
    }
    const from = unverified.iss;
    const group = this.o.trustGroup();
    if (typeof from !== 'string' || !group?.members.some((m) => m.issuer === from)) {
      throw new ProblemError(403, 'invalid_bundle', 'this operator accepts bundles only from members of its trust group');
    }
    let bundle: PortabilityBundle;
    try {
      const keys = await this.peerKeys(from);
      bundle = JSON.parse(new TextDecoder().decode((await compactVerify(compact, keys)).payload)) as PortabilityBundle;
    } catch {
      throw new ProblemError(400, 'invalid_bundle', `the bundle's signature does not verify with the keys of ${from}`);
    }
    if (bundle.format !== 'portti-portability/1' || bundle.iss !== from)
      throw new ProblemError(400, 'invalid_bundle', 'unknown bundle format');
    if (bundle.aud !== this.o.issuer)
      throw new ProblemError(400, 'invalid_bundle', `the bundle was made for ${String(bundle.aud)}, not for this operator`);
    if (!(Date.parse(bundle.expires_at) > now))
      throw new ProblemError(400, 'invalid_bundle', `the bundle expired at ${bundle.expires_at}; ask ${from} for a new one`);
    const mine = await this.o.accounts.identifiers(accountId);
    const same = (a: { identifier_type: string; identifier: string }) =>
      mine.some((m) => m.identifier_type === a.identifier_type && m.identifier === a.identifier);
    if (!Array.isArray(bundle.profile?.identifiers) || !bundle.profile.identifiers.some(same)) {
      throw new ProblemError(
        403,
        'invalid_bundle',
        'the bundle is about another person: sign in with an identity that carries the same national identifier',
      );
    }
    const existing = await this.o.db.selectFrom('moves').select('move_id').where('move_id', '=', bundle.move_id).executeTakeFirst();
    if (existing) return this.move(accountId, bundle.move_id);
    await this.o.db
      .insertInto('moves')
      .values({
        move_id: bundle.move_id,
        direction: 'in',
        account_id: accountId,
        peer: from,
        status: 'running',
        total: bundle.consent_records.length,
        done: 0,
        result: '[]',
        bundle: compact,
        created_at: now,
        updated_at: now,
      })
      .execute();
    this.track(this.runImport(accountId, bundle, same));
    return this.move(accountId, bundle.move_id);
  }

  private async runImport(accountId: string, bundle: PortabilityBundle, mine: (p: Party) => boolean): Promise<void> {
    const db = this.o.db;
    const items: MoveItem[] = [];
    try {
      if (!(await this.o.accounts.displayName(accountId)) && bundle.profile.display_name) {
        await db.updateTable('accounts').set({ display_name: bundle.profile.display_name }).where('account_id', '=', accountId).execute();
      }
      const sources = await this.o.registry.sources();
      const sourceIds = new Map(sources.map((s) => [s.resource, s.id]));
      const sensitive = new Set(
        sources.flatMap((s) => s.attributes.filter((a) => a.sensitivity !== 'normal').map((a) => `${s.resource}#${a.id}`)),
      );
      const rule = this.o.trustGroup()?.rulebook.moved_consents ?? 'carry_over';
      let done = 0;
      for (const { record } of bundle.consent_records) {
        items.push(await this.importOne(accountId, bundle.iss, record, mine, rule, sensitive, sourceIds));
        done += 1;
        if (done % 25 === 0 || done === bundle.consent_records.length) {
          await db
            .updateTable('moves')
            .set({ done, result: JSON.stringify(items), updated_at: Date.now() })
            .where('move_id', '=', bundle.move_id)
            .execute();
        }
      }
      for (const set of bundle.arrangements ?? []) {
        try {
          await this.o.arrangements.create(accountId, ruleOfSet(set));
        } catch {
          // a rule naming attributes this operator does not know cannot apply here; it stays in the bundle
        }
      }
      await db
        .updateTable('moves')
        .set({ status: 'done', done, result: JSON.stringify(items), updated_at: Date.now() })
        .where('move_id', '=', bundle.move_id)
        .execute();
    } catch (err) {
      await db
        .updateTable('moves')
        .set({
          status: 'failed',
          result: JSON.stringify([...items, { old: '', client_id: '', outcome: 'stays', reason: (err as Error).message }]),
          updated_at: Date.now(),
        })
        .where('move_id', '=', bundle.move_id)
        .execute();
      throw err;
    }
    await this.handOverPending();
  }

  private async importOne(
    accountId: string,
    from: string,
    record: ConsentState,
    mine: (p: Party) => boolean,
    rule: string,
    sensitive: Set<string>,
    sourceIds: Map<string, string>,
  ): Promise<MoveItem> {
    const base = { old: record.record_id, client_id: record.client_id };
    if (!STATUS_RULES[record.status].standing) return { ...base, outcome: 'archived' };
    const deciders = activators(record);
    if (!deciders.every(mine))
      return { ...base, outcome: 'stays', reason: 'shared with other participants: it stays with them at the old operator' };
    if (record.activation_mode === 'automatically_activated')
      return { ...base, outcome: 'stays', reason: 'not based on consent: the controller keeps it at the old operator' };
    const service = await this.o.registry.service(record.client_id);
    if (!service || service.kind === 'gateway')
      return { ...base, outcome: 'stays', reason: `the service ${record.client_id} is not registered at this operator` };
    const covers = record.purposes.flatMap((p) => p.pii_information.map((i) => `${i.source}#${i.pii_attribute_id}`));
    const reconfirm =
      record.status === 'active' && (rule === 'reconfirm_all' || (rule === 'reconfirm_sensitive' && covers.some((c) => sensitive.has(c))));
    try {
      const created = await this.o.consents.importMoved(record, { from, accountId, mine, reconfirm, sourceIds });
      return { ...base, outcome: reconfirm ? 'reconfirm' : 'moved', new: created.record_id, handed_over: false };
    } catch (err) {
      return { ...base, outcome: 'stays', reason: err instanceof ProblemError ? err.message : 'could not be re-created here' };
    }
  }

  /** Tells old operators about records that are now live here; retried until they confirm. */
  async handOverPending(): Promise<void> {
    const moves = await this.o.db
      .selectFrom('moves')
      .select(['move_id', 'peer', 'result'])
      .where('direction', '=', 'in')
      .where('status', '=', 'done')
      .execute();
    for (const move of moves) {
      const items = JSON.parse(move.result) as MoveItem[];
      const ready: MoveItem[] = [];
      for (const i of items) {
        if (!i.new || i.handed_over || i.hand_over_refused || (i.outcome !== 'moved' && i.outcome !== 'reconfirm')) continue;
        const now = await loadRecord(this.o.db, i.new);
        if (now?.status === 'active' || (i.outcome === 'moved' && now?.status === 'pending')) ready.push(i);
      }
      if (ready.length === 0) continue;
      const payload = {
        iss: this.o.issuer,
        aud: move.peer,
        move_id: move.move_id,
        moved: ready.map((i) => ({ old: i.old, new: i.new })),
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
      };
      const jws = await sign(payload, COMPLETE_TYP, this.o.signingKey());
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
      const fresh = (await this.o.db.selectFrom('moves').select('result').where('move_id', '=', move.move_id).executeTakeFirstOrThrow())
        .result;
      const updated = (JSON.parse(fresh) as MoveItem[]).map((i) =>
        marked.has(i.old) ? { ...i, handed_over: true } : refused.has(i.old) ? { ...i, hand_over_refused: refused.get(i.old)! } : i,
      );
      await this.o.db
        .updateTable('moves')
        .set({ result: JSON.stringify(updated), updated_at: Date.now() })
        .where('move_id', '=', move.move_id)
        .execute();
    }
  }

  /** A move of this citizen, with its progress. */
  async move(accountId: string, moveId: string): Promise<MoveView> {
    const m = await this.o.db
      .selectFrom('moves')
      .select(MOVE_COLUMNS)
      .where('move_id', '=', moveId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!m) throw new ProblemError(404, 'not_found', `no move ${moveId} of yours`);
    return moveView(m);
  }

  /** Every move of this citizen, newest first. */
  async moves(accountId: string): Promise<MoveView[]> {
    const rows = await this.o.db
      .selectFrom('moves')
      .select(MOVE_COLUMNS)
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(moveView);
  }

  /** Retries hand-overs the old operator has not confirmed yet. */
  start(intervalMs = 5000): void {
    this.timer = setInterval(() => this.track(this.handOverPending()), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.running]);
  }
}
