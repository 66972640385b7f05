/**
 * New consent records, before they are stored: the purposes built from the service's data
 * agreement, and the record's first state and history entry for each way a record starts —
 * a service's asynchronous request (with the subjects' guardians), an interactive
 * authorization by the citizen, or a record moved here from another operator.
 */
import { randomUUID } from 'node:crypto';
import { subjectsProblem } from '../../core/identifiers.ts';
import {
  addDuration,
  isConsentBasis,
  type ActivationMode,
  type ConsentState,
  type HistoryEntry,
  type Party,
  type Purpose,
} from '../../core/consent.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Registry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';

/** A person named by a national identifier. */
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

/** A record about to be stored, with the history entry that starts it. */
export interface NewRecord {
  state: ConsentState;
  first: HistoryEntry;
}

/** What a record moved here needs besides the old record. */
export interface MovedRecordInput {
  from: string;
  accountId: string;
  /** True for a party that is the signed-in citizen. */
  mine: (p: Party) => boolean;
  /** The rulebook asks the citizen to confirm the record again here. */
  reconfirm: boolean;
  /** This operator's source ids by resource URI. */
  sourceIds: Map<string, string>;
}

type Attributes = Array<{ source: string; id: string }>;

/** Builds the record's purposes from a service's agreement and the requested attributes. */
export async function purposesFor(
  registry: Registry,
  issuer: string,
  clientId: string,
  purposeIri: string,
  attributes?: Attributes,
): Promise<{ purposes: Purpose[]; service: ServiceDefinition; validity?: string }> {
  const entry = await registry.service(clientId);
  if (!entry || entry.kind === 'gateway') throw new ProblemError(403, 'forbidden', `client ${clientId} is not a registered service`);
  const service = entry.definition as ServiceDefinition;
  const p = service.purposes.find((x) => x.purpose === purposeIri);
  if (!p) throw new ProblemError(400, 'validation_failed', `purpose ${purposeIri} is not in the service's data agreement`);
  const sources = new Map((await registry.sources()).map((s) => [s.id, s]));
  const wanted = attributes ?? p.attributes.map((a) => ({ source: a.source, id: a.id }));
  checkWithinAgreement(p.attributes, wanted);
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
    withdrawal_method: `${issuer}/dashboard/consents`,
    agreement_uid: `${issuer}/services/${encodeURIComponent(clientId)}/agreement`,
  };
  return { purposes: [purpose], service, ...(p.validity_duration ? { validity: p.validity_duration } : {}) };
}

/** Refuses attributes outside the purpose's agreement, and a request without its required ones. */
function checkWithinAgreement(agreed: Array<{ source: string; id: string; required: boolean }>, wanted: Attributes): void {
  const outside = wanted.filter((w) => !agreed.some((a) => a.source === w.source && a.id === w.id));
  if (outside.length > 0) {
    const names = outside.map((o) => `${o.source}/${o.id}`);
    throw new ProblemError(403, 'attribute_not_consented', `attributes outside the service's data agreement: ${names.join(', ')}`, {
      attributes: names,
    });
  }
  const missingRequired = agreed.filter((a) => a.required && !wanted.some((w) => w.source === a.source && w.id === a.id));
  if (missingRequired.length > 0) {
    throw new ProblemError(
      400,
      'validation_failed',
      `required attributes missing from the request: ${missingRequired.map((a) => a.id).join(', ')}`,
    );
  }
}

/** Consent-based purposes need a decision; other lawful bases are activated automatically. */
function checkActivationMode(mode: ActivationMode, purposes: Purpose[]): void {
  const basisIsConsent = isConsentBasis(purposes[0]!.lawful_basis);
  if (mode === 'automatically_activated' && basisIsConsent) {
    throw new ProblemError(400, 'validation_failed', 'automatically_activated is only for lawful bases other than consent');
  }
  if (mode !== 'automatically_activated' && !basisIsConsent) {
    throw new ProblemError(
      400,
      'validation_failed',
      'this purpose is not based on consent: use activation_mode automatically_activated (it is still recorded and shown)',
    );
  }
}

/** A pending party for a person, as filed. */
function pendingParty(person: SubjectRef, role: Party['role'], actingFor: string | null): Party {
  return {
    party_id: randomUUID(),
    role,
    ...person,
    account_id: null,
    acting_for: actingFor,
    status: 'pending',
    choices: null,
    decided_at: null,
  };
}

/** The data subjects, each followed by their guardians (who decide for a child). */
async function partiesFor(subjects: SubjectRef[], guardiansOf?: (subject: SubjectRef) => Promise<SubjectRef[]>): Promise<Party[]> {
  const problem = subjectsProblem(subjects); // before any register is asked about them
  if (problem) throw new ProblemError(400, 'validation_failed', problem);
  const parties: Party[] = [];
  for (const s of subjects) {
    const subject = pendingParty(s, 'data_subject', null);
    parties.push(subject);
    for (const g of (await guardiansOf?.(s)) ?? []) parties.push(pendingParty(g, 'guardian', subject.party_id));
  }
  return parties;
}

/** The record a service's asynchronous request starts: pending, or active when no consent is needed. */
export async function requestedRecord(
  clientId: string,
  input: ConsentRequestInput,
  agreed: { purposes: Purpose[]; validity?: string },
  guardiansOf: ((subject: SubjectRef) => Promise<SubjectRef[]>) | undefined,
  now: number,
): Promise<NewRecord> {
  checkActivationMode(input.activation_mode, agreed.purposes);
  const parties = await partiesFor(input.subjects, guardiansOf);
  const auto = input.activation_mode === 'automatically_activated';
  const duration = input.validity_duration ?? agreed.validity ?? null;
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
    purposes: agreed.purposes,
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
  return { state, first };
}

/** The active record an interactive authorization starts (the citizen is the data subject and decided). */
export function interactiveRecord(
  clientId: string,
  accountId: string,
  subject: SubjectRef,
  agreed: { purposes: Purpose[]; choices: string[]; validity: string | null },
  now: number,
): NewRecord {
  const party: Party = {
    party_id: randomUUID(),
    role: 'data_subject',
    ...subject,
    account_id: accountId,
    acting_for: null,
    status: 'approved',
    choices: agreed.choices,
    decided_at: now,
  };
  const state: ConsentState = {
    record_id: `urn:uuid:${randomUUID()}`,
    client_id: clientId,
    status: 'active',
    activation_mode: 'data_subject_activates',
    purposes: agreed.purposes,
    parties: [party],
    created_at: now,
    updated_at: now,
    expires_at: agreed.validity ? addDuration(now, agreed.validity) : null,
    validity_duration: agreed.validity,
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
  return { state, first };
}

/** The attributes of a moved record, named by this operator's source ids (409 for a source not registered here). */
export function movedAttributes(old: ConsentState, sourceIds: Map<string, string>): { purpose: string; attributes: Attributes } {
  const purpose = old.purposes[0];
  if (!purpose) throw new ProblemError(400, 'invalid_bundle', `record ${old.record_id} has no purpose`);
  const attributes = purpose.pii_information.map((i) => {
    const source = sourceIds.get(i.source);
    if (!source) throw new ProblemError(409, 'conflict', `source ${i.source} is not registered at this operator`);
    return { source, id: i.pii_attribute_id };
  });
  return { purpose: purpose.purpose, attributes };
}

/**
 * The record that replaces a moved one here: a new record id with `replaces` naming the old
 * one, this operator's purposes, the parties' decisions carried over (or asked again).
 */
export function movedRecord(old: ConsentState, input: MovedRecordInput, purposes: Purpose[], now: number): NewRecord {
  const ids = new Map(old.parties.map((p) => [p.party_id, randomUUID()]));
  const parties: Party[] = old.parties.map((p) => ({
    ...p,
    party_id: ids.get(p.party_id)!,
    acting_for: p.acting_for ? (ids.get(p.acting_for) ?? null) : null,
    account_id: input.mine(p) ? input.accountId : null,
    ...(input.reconfirm && p.status === 'approved' ? { status: 'pending' as const, choices: null, decided_at: null } : {}),
  }));
  const status = input.reconfirm && old.status === 'active' ? 'pending' : old.status;
  const again = status !== old.status ? '; the rulebook asks you to confirm it again' : '';
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
    reason: `moved from ${input.from} (record ${old.record_id})${again}`,
  };
  return { state, first };
}
