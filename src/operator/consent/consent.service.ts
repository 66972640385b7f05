/**
 * Consent lifecycle at the operator: filing requests (asynchronous and interactive),
 * decisions, withdrawal, suspension and expiry. Every change commits in one transaction
 * with its side effects: signed feed events per source, a signed 27560 receipt, webhook
 * deliveries, and removal of grants when the record stops being active.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from '../../store/database.ts';
import { CONSENT_EVENT_JWS_TYP, CONSENT_EVENT_PAYLOAD_TYP, type ConsentEvent } from '../../core/consent-feed.ts';
import { STATUS_RULES } from '../../core/consent-rules.ts';
import {
  addDuration,
  decide as decideCore,
  expire as expireCore,
  InvalidTransition,
  isConsentBasis,
  markMoved as markMovedCore,
  resume as resumeCore,
  sourcesOf,
  subjectsForSource,
  suspend as suspendCore,
  withdraw as withdrawCore,
  type ActivationMode,
  type ConsentState,
  type HistoryEntry,
  type Party,
  type Purpose,
} from '../../core/consent.ts';
import { buildReceipt, signReceipt } from '../../core/receipt.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { SigningKey } from '../../store/keys.ts';
import { destroyByConsentRecord } from '../oauth/oidc-adapter.ts';
import { dueForExpiry, insertRecord, loadHistory, loadRecord, saveTransition } from './consent.repository.ts';
import { WEBHOOK_EVENT } from './webhooks.ts';
import type { OperatorDatabase } from '../operator.tables.ts';
import type { Registry, ServiceEntry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';

type Trx = Transaction<OperatorDatabase>;

export interface SubjectRef {
  identifier_type: string;
  identifier: string;
}

/** A request filed by a service (asynchronous flow). */
export interface ConsentRequestInput {
  subjects: SubjectRef[];
  activation_mode: ActivationMode;
  /** Purpose IRI; must be one of the service's agreement. */
  purpose: string;
  /** Attributes to ask for (`source id` + `attribute id`); default: all of the purpose. */
  attributes?: Array<{ source: string; id: string }>;
  language?: string;
  validity_duration?: string;
}

export interface ConsentServiceOptions {
  db: Kysely<OperatorDatabase>;
  registry: Registry;
  issuer: string;
  operatorName: string;
  signingKey: () => SigningKey;
  dialect: Dialect;
  /** Guardians of a person (empty for adults); from the configured guardianship source. */
  guardiansOf?: (subject: SubjectRef) => Promise<SubjectRef[]>;
  /** Standing rules (permission arrangements) that may decide a freshly filed request. */
  arrangements?: {
    verdicts(
      state: ConsentState,
      now?: number,
    ): Promise<Array<{ party_id: string; choices: string[]; arrangement_id: string; reason: string }>>;
  };
}

/** Advisory-lock key serialising consent-feed writers on PostgreSQL ("portti" in hex). */
const FEED_LOCK = 0x706f72747469;

/**
 * The operator's consent lifecycle. Emits `event` (feeds wake up) and `committed` (other
 * instances are notified) with the new feed seq after each commit.
 */
export class ConsentService extends EventEmitter {
  private readonly o: ConsentServiceOptions;

  constructor(options: ConsentServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.o = options;
  }

  /** Builds the record's purposes from a service's agreement and the requested attributes. */
  async purposesFor(
    clientId: string,
    purposeIri: string,
    attributes?: Array<{ source: string; id: string }>,
  ): Promise<{ purposes: Purpose[]; service: ServiceDefinition; validity?: string }> {
    const entry = await this.o.registry.service(clientId);
    if (!entry || entry.kind === 'gateway') throw new ProblemError(403, 'forbidden', `client ${clientId} is not a registered service`);
    const service = entry.definition as ServiceDefinition;
    const p = service.purposes.find((x) => x.purpose === purposeIri);
    if (!p) throw new ProblemError(400, 'validation_failed', `purpose ${purposeIri} is not in the service's data agreement`);
    const sources = new Map((await this.o.registry.sources()).map((s) => [s.id, s]));
    const wanted = attributes ?? p.attributes.map((a) => ({ source: a.source, id: a.id }));
    const outside = wanted.filter((w) => !p.attributes.some((a) => a.source === w.source && a.id === w.id));
    if (outside.length > 0) {
      throw new ProblemError(
        403,
        'attribute_not_consented',
        `attributes outside the service's data agreement: ${outside.map((o) => `${o.source}/${o.id}`).join(', ')}`,
        {
          attributes: outside.map((o) => `${o.source}/${o.id}`),
        },
      );
    }
    const missingRequired = p.attributes.filter((a) => a.required && !wanted.some((w) => w.source === a.source && w.id === a.id));
    if (missingRequired.length > 0) {
      throw new ProblemError(
        400,
        'validation_failed',
        `required attributes missing from the request: ${missingRequired.map((a) => a.id).join(', ')}`,
      );
    }
    const purpose: Purpose = {
      purpose: p.purpose,
      lawful_basis: p.lawful_basis,
      pii_information: wanted.map((w) => {
        const source = sources.get(w.source)!;
        const def = p.attributes.find((a) => a.source === w.source && a.id === w.id)!;
        return {
          pii_attribute_id: w.id,
          pii_type: source.attributes.find((a) => a.id === w.id)?.category ?? 'https://w3id.org/dpv/pd#PersonalData',
          pii_optional: !def.required,
          source: source.resource,
        };
      }),
      recipient_third_parties: p.recipients,
      retention_period: p.retention_period,
      withdrawal_method: `${this.o.issuer}/dashboard/consents`,
      agreement_uid: `${this.o.issuer}/services/${encodeURIComponent(clientId)}/agreement`,
    };
    return { purposes: [purpose], service, ...(p.validity_duration ? { validity: p.validity_duration } : {}) };
  }

  /** Files an asynchronous consent request for the named subjects. */
  async fileRequest(clientId: string, input: ConsentRequestInput, now = Date.now()): Promise<ConsentState> {
    const { purposes, validity } = await this.purposesFor(clientId, input.purpose, input.attributes);
    const basisIsConsent = isConsentBasis(purposes[0]!.lawful_basis);
    if (input.activation_mode === 'automatically_activated' && basisIsConsent) {
      throw new ProblemError(400, 'validation_failed', 'automatically_activated is only for lawful bases other than consent');
    }
    if (input.activation_mode !== 'automatically_activated' && !basisIsConsent) {
      throw new ProblemError(
        400,
        'validation_failed',
        'this purpose is not based on consent: use activation_mode automatically_activated (it is still recorded and shown)',
      );
    }
    const parties: Party[] = [];
    for (const s of input.subjects) {
      const subject: Party = {
        party_id: randomUUID(),
        role: 'data_subject',
        ...s,
        account_id: null,
        acting_for: null,
        status: 'pending',
        choices: null,
        decided_at: null,
      };
      parties.push(subject);
      for (const g of (await this.o.guardiansOf?.(s)) ?? []) {
        parties.push({
          party_id: randomUUID(),
          role: 'guardian',
          ...g,
          account_id: null,
          acting_for: subject.party_id,
          status: 'pending',
          choices: null,
          decided_at: null,
        });
      }
    }
    const auto = input.activation_mode === 'automatically_activated';
    const duration = input.validity_duration ?? validity ?? null;
    if (duration !== null) {
      try {
        addDuration(now, duration);
      } catch {
        throw new ProblemError(400, 'validation_failed', `validity_duration ${duration} is not a usable ISO 8601 duration`);
      }
    }
    const state: ConsentState = {
      record_id: `urn:uuid:${randomUUID()}`,
      client_id: clientId,
      status: auto ? 'active' : 'pending',
      activation_mode: input.activation_mode,
      purposes,
      parties,
      created_at: now,
      updated_at: now,
      expires_at: null,
      validity_duration: duration,
      replaces: null,
      version: 1,
    };
    if (auto && duration) state.expires_at = addDuration(now, duration);
    const first: HistoryEntry = {
      time: now,
      event_type: auto ? 'portti:ProcessingRecorded' : 'dpv:ConsentRequested',
      from_status: null,
      to_status: state.status,
      actor: `client:${clientId}`,
      party_id: null,
      reason: null,
    };
    await this.commit(state.client_id, async (trx, service) => {
      await insertRecord(trx, state, first, input.language ?? null);
      return this.afterChange(trx, state, service);
    });
    return this.applyArrangements(state, now);
  }

  /** Lets the data subjects' permission arrangements decide a new pending record. */
  private async applyArrangements(state: ConsentState, now: number): Promise<ConsentState> {
    let current = state;
    for (const v of (await this.o.arrangements?.verdicts(state, now)) ?? []) {
      current = await this.transition(state.record_id, (s) => {
        const r = decideCore(s, v.party_id, { approve: true, choices: v.choices }, `arrangement:${v.arrangement_id}`, now);
        r.history.reason = v.reason;
        return r;
      });
    }
    return current;
  }

  /** Creates an active record from an interactive authorization (the citizen is the data subject). */
  async createInteractive(
    clientId: string,
    accountId: string,
    subject: SubjectRef,
    purposes: Purpose[],
    choices: string[],
    validity: string | null = null,
    now = Date.now(),
  ): Promise<ConsentState> {
    const party: Party = {
      party_id: randomUUID(),
      role: 'data_subject',
      ...subject,
      account_id: accountId,
      acting_for: null,
      status: 'approved',
      choices,
      decided_at: now,
    };
    const state: ConsentState = {
      record_id: `urn:uuid:${randomUUID()}`,
      client_id: clientId,
      status: 'active',
      activation_mode: 'data_subject_activates',
      purposes,
      parties: [party],
      created_at: now,
      updated_at: now,
      expires_at: validity ? addDuration(now, validity) : null,
      validity_duration: validity,
      replaces: null,
      version: 1,
    };
    const first: HistoryEntry = {
      time: now,
      event_type: 'dpv:ConsentGiven',
      from_status: null,
      to_status: 'active',
      actor: `account:${accountId}`,
      party_id: party.party_id,
      reason: 'interactive authorization',
    };
    await this.commit(state.client_id, async (trx, service) => {
      await insertRecord(trx, state, first, null);
      return this.afterChange(trx, state, service);
    });
    return state;
  }

  /** Loads a record or answers 404. */
  async get(recordId: string): Promise<ConsentState> {
    const state = await loadRecord(this.o.db, recordId);
    if (!state) throw new ProblemError(404, 'not_found', `no consent record ${recordId}`);
    return state;
  }

  /** A participant's decision on a pending record. */
  async decide(recordId: string, partyId: string, actor: string, decision: { approve: boolean; choices?: string[] }, now = Date.now()) {
    return this.transition(recordId, (s) => decideCore(s, partyId, decision, actor, now));
  }

  async withdraw(recordId: string, partyId: string, actor: string, now = Date.now()) {
    return this.transition(recordId, (s) => withdrawCore(s, partyId, actor, now));
  }

  /** The record moved to another operator, where `newRecordId` replaces it. */
  async markMoved(recordId: string, newRecordId: string, actor: string, now = Date.now()) {
    return this.transition(recordId, (s) => markMovedCore(s, newRecordId, actor, now));
  }

  /**
   * Re-creates a record that moved here from another operator: a new record id with
   * `replaces` naming the old one, the purposes rebuilt from this operator's own agreement
   * with the service, the parties' decisions carried over (or asked again: `reconfirm`).
   */
  async importMoved(
    old: ConsentState,
    input: { from: string; accountId: string; mine: (p: Party) => boolean; reconfirm: boolean; sourceIds: Map<string, string> },
    now = Date.now(),
  ): Promise<ConsentState> {
    const purpose = old.purposes[0];
    if (!purpose) throw new ProblemError(400, 'invalid_bundle', `record ${old.record_id} has no purpose`);
    const attributes = purpose.pii_information.map((i) => {
      const source = input.sourceIds.get(i.source);
      if (!source) throw new ProblemError(409, 'conflict', `source ${i.source} is not registered at this operator`);
      return { source, id: i.pii_attribute_id };
    });
    const { purposes } = await this.purposesFor(old.client_id, purpose.purpose, attributes);
    const ids = new Map(old.parties.map((p) => [p.party_id, randomUUID()]));
    const parties: Party[] = old.parties.map((p) => ({
      ...p,
      party_id: ids.get(p.party_id)!,
      acting_for: p.acting_for ? (ids.get(p.acting_for) ?? null) : null,
      account_id: input.mine(p) ? input.accountId : null,
      ...(input.reconfirm && p.status === 'approved' ? { status: 'pending' as const, choices: null, decided_at: null } : {}),
    }));
    const status = input.reconfirm && old.status === 'active' ? 'pending' : old.status;
    const state: ConsentState = {
      record_id: `urn:uuid:${randomUUID()}`,
      client_id: old.client_id,
      status,
      activation_mode: old.activation_mode,
      purposes,
      parties,
      created_at: now,
      updated_at: now,
      expires_at: old.expires_at,
      validity_duration: old.validity_duration,
      replaces: old.record_id,
      version: 1,
    };
    const first: HistoryEntry = {
      time: now,
      event_type: 'portti:ConsentImported',
      from_status: null,
      to_status: status,
      actor: `account:${input.accountId}`,
      party_id: null,
      reason: `moved from ${input.from} (record ${old.record_id})${status !== old.status ? '; the rulebook asks you to confirm it again' : ''}`,
    };
    await this.commit(state.client_id, async (trx, service) => {
      await insertRecord(trx, state, first, null);
      return this.afterChange(trx, state, service);
    });
    return state;
  }

  async suspend(recordId: string, actor: string, reason: string, now = Date.now()) {
    return this.transition(recordId, (s) => suspendCore(s, actor, reason, now));
  }

  async resume(recordId: string, actor: string, now = Date.now()) {
    return this.transition(recordId, (s) => resumeCore(s, actor, now));
  }

  /** Expires every record past its expiry; returns how many. */
  async expireDue(now = Date.now()): Promise<number> {
    let n = 0;
    for (const id of await dueForExpiry(this.o.db, now)) {
      try {
        await this.transition(id, (s) => expireCore(s, now));
        n += 1;
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
      }
    }
    return n;
  }

  private async transition(
    recordId: string,
    step: (s: ConsentState) => { state: ConsentState; history: HistoryEntry },
  ): Promise<ConsentState> {
    const current = await this.get(recordId);
    let result;
    try {
      result = step(current);
    } catch (err) {
      if (err instanceof InvalidTransition) {
        throw new ProblemError(409, 'invalid_transition', err.message, { record_id: recordId, consent_status: err.from });
      }
      throw err;
    }
    await this.commit(current.client_id, async (trx, service) => {
      await saveTransition(trx, current.version, result.state, result.history);
      return this.afterChange(trx, result.state, service);
    });
    this.emit('changed', result.state);
    return result.state;
  }

  /**
   * Runs `work` in a transaction, then announces the new feed position. Everything the
   * work needs from outside the transaction is read before it starts (SQLite has one
   * connection: a read outside an open transaction would wait for it forever).
   */
  private async commit(
    clientId: string,
    work: (trx: Trx, service: ServiceEntry | undefined) => Promise<number | undefined>,
  ): Promise<void> {
    const service = await this.o.registry.service(clientId);
    const seq = await this.o.db.transaction().execute((trx) => work(trx, service));
    if (seq !== undefined) {
      this.emit('event', seq);
      this.emit('committed', seq);
    }
  }

  /** Side effects of a change, inside its transaction. Returns the last feed seq. */
  private async afterChange(trx: Trx, state: ConsentState, service: ServiceEntry | undefined): Promise<number | undefined> {
    const key = this.o.signingKey();
    // PostgreSQL hands out sequence numbers before commit: serialise the feed's writers so that
    // commit order equals seq order and a feed reading `seq > cursor` can never skip an event
    if (this.o.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(trx);
    const now = state.updated_at;
    let last: number | undefined;
    for (const source of sourcesOf(state)) {
      const inserted = await trx
        .insertInto('consent_events')
        .values({ record_id: state.record_id, source, time: now, jws: '' })
        .returning('seq')
        .executeTakeFirstOrThrow();
      const seq = Number(inserted.seq);
      const event: ConsentEvent = {
        typ: CONSENT_EVENT_PAYLOAD_TYP,
        iss: this.o.issuer,
        seq,
        record_id: state.record_id,
        client_id: state.client_id,
        source,
        status: state.status,
        subjects: subjectsForSource(state, source),
        purpose: state.purposes[0]?.purpose ?? null,
        legal_basis: state.purposes[0]?.lawful_basis ?? null,
        expires_at: state.expires_at,
        updated_at: now,
        replaces: state.replaces,
        ...(state.replaced_by ? { replaced_by: state.replaced_by } : {}),
      };
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(event)))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CONSENT_EVENT_JWS_TYP })
        .sign(key.privateKey);
      await trx.updateTable('consent_events').set({ jws }).where('seq', '=', seq).execute();
      last = seq;
    }
    const history = await loadHistory(trx, state.record_id);
    const definition = service?.definition as ServiceDefinition | undefined;
    const receiptId = `urn:uuid:${randomUUID()}`;
    const receipt = buildReceipt(
      state,
      history,
      {
        issuer: this.o.issuer,
        operatorName: this.o.operatorName,
        jurisdiction: 'FI',
        language: 'fi',
        privacyNotice: definition?.privacy_notice ?? `${this.o.issuer}/privacy`,
        controller: definition?.controller.name ?? state.client_id,
        piiPrincipalId: state.record_id,
      },
      receiptId,
    );
    await trx
      .insertInto('receipts')
      .values({ receipt_id: receiptId, record_id: state.record_id, time: now, jws: await signReceipt(receipt, key) })
      .execute();
    const eventType = WEBHOOK_EVENT[state.status];
    if (eventType && service?.webhook_url) {
      await trx
        .insertInto('webhook_deliveries')
        .values({
          delivery_id: randomUUID(),
          client_id: state.client_id,
          event_type: eventType,
          record_id: state.record_id,
          payload: JSON.stringify({
            record_id: state.record_id,
            status: state.status,
            time: new Date(now).toISOString(),
            ...(state.replaces ? { replaces: state.replaces } : {}),
            ...(state.replaced_by ? { replaced_by: state.replaced_by } : {}),
          }),
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          last_status: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        })
        .execute();
    }
    if (!STATUS_RULES[state.status].standing) await destroyByConsentRecord(trx, state.record_id);
    return last;
  }
}
