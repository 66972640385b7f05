/**
 * Permission arrangements: a citizen's standing rules, kept as ODRL 2.2 `Set` policies
 * ("services of kind K / in trust group G, for purpose P, may read attributes A until D").
 * When a service files a request naming the citizen as a data subject, a matching rule
 * decides for them; the record's history says which rule did it and why.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { activators, attrKey, isConsentBasis, sourcesOf, type ConsentState } from '../../core/consent.ts';
import { DPV_PURPOSES, dpvLocalName } from '../../core/dpv.ts';
import { arrangementDecision, type EvaluationContext } from '../../core/odrl-evaluator.ts';
import { buildArrangementSet, ruleOfSet, type ArrangementRule, type ArrangementSet } from '../../core/odrl.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { Registry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { ArrangementsDatabase } from './arrangements.tables.ts';
import {
  arrangementOf,
  arrangementsOf,
  deleteArrangementsOf,
  countArrangements,
  deleteArrangement,
  insertArrangement,
  updateArrangement,
  type ArrangementRow,
} from './arrangements.repository.ts';

/** A citizen's standing rule, as stored and as its ODRL policy. */
export interface Arrangement {
  arrangement_id: string;
  label: string;
  rule: ArrangementRule;
  policy: ArrangementSet;
  created_at: number;
  updated_at: number;
}

/** A decision an arrangement takes for one party of a pending record. */
export interface ArrangementVerdict {
  party_id: string;
  choices: string[];
  arrangement_id: string;
  reason: string;
}

/** The collaborators of {@link Arrangements}. */
export interface ArrangementsOptions {
  db: Kysely<ArrangementsDatabase>;
  registry: Registry;
  /** Finds the account behind a party's national identifier. */
  accounts: Pick<Accounts, 'ownerOf'>;
  /** Trust groups (`group_id`) that admit this operator to every one of these sources. */
  trustGroupsFor: (resources: string[]) => string[];
}

const MAX_PER_ACCOUNT = 50;

function fromRow(r: ArrangementRow): Arrangement {
  const policy = JSON.parse(r.policy) as ArrangementSet;
  return {
    arrangement_id: r.arrangement_id,
    label: r.label,
    rule: ruleOfSet(policy),
    policy,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** A citizen's permission arrangements: kept, checked against the registry, and applied to new requests. */
export class Arrangements {
  private readonly o: ArrangementsOptions;

  constructor(options: ArrangementsOptions) {
    this.o = options;
  }

  /** Deletes every standing permission of an erased account. */
  async forget(accountId: string): Promise<void> {
    await deleteArrangementsOf(this.o.db, accountId);
  }

  async list(accountId: string): Promise<Arrangement[]> {
    return (await arrangementsOf(this.o.db, accountId)).map(fromRow);
  }

  async get(accountId: string, id: string): Promise<Arrangement> {
    const row = await arrangementOf(this.o.db, accountId, id);
    if (!row) throw new ProblemError(404, 'not_found', `no permission arrangement ${id} of yours`);
    return fromRow(row);
  }

  /** Creates a rule after checking it against the registry; returns it. */
  async create(accountId: string, rule: ArrangementRule, now = Date.now()): Promise<Arrangement> {
    if ((await countArrangements(this.o.db, accountId)) >= MAX_PER_ACCOUNT)
      throw new ProblemError(409, 'conflict', `you can keep at most ${MAX_PER_ACCOUNT} permission arrangements`);
    const clean = await this.validate(rule, now);
    const id = `urn:uuid:${randomUUID()}`;
    const policy = buildArrangementSet(id, `urn:portti:account:${accountId}`, clean);
    await insertArrangement(this.o.db, {
      arrangement_id: id,
      account_id: accountId,
      label: clean.label,
      policy: JSON.stringify(policy),
      created_at: now,
      updated_at: now,
    });
    return { arrangement_id: id, label: clean.label, rule: clean, policy, created_at: now, updated_at: now };
  }

  async update(accountId: string, id: string, rule: ArrangementRule, now = Date.now()): Promise<Arrangement> {
    const current = await this.get(accountId, id);
    const clean = await this.validate(rule, now);
    const policy = buildArrangementSet(id, `urn:portti:account:${accountId}`, clean);
    await updateArrangement(this.o.db, accountId, id, { label: clean.label, policy: JSON.stringify(policy), updated_at: now });
    return { ...current, label: clean.label, rule: clean, policy, updated_at: now };
  }

  async remove(accountId: string, id: string): Promise<void> {
    if (!(await deleteArrangement(this.o.db, accountId, id)))
      throw new ProblemError(404, 'not_found', `no permission arrangement ${id} of yours`);
  }

  /** Checks a rule: known purpose IRI, attributes of registered sources, a future `until`. */
  private async validate(rule: ArrangementRule, now: number): Promise<ArrangementRule> {
    const label = rule.label?.trim();
    if (!label || label.length > 120)
      throw new ProblemError(400, 'validation_failed', 'give the arrangement a name of 1 to 120 characters');
    if (!/^https?:\/\/\S+$/.test(rule.purpose ?? '')) throw new ProblemError(400, 'validation_failed', 'purpose must be a DPV purpose IRI');
    if (!DPV_PURPOSES.includes(rule.purpose) && !rule.purpose.startsWith('https://w3id.org/dpv')) {
      throw new ProblemError(400, 'validation_failed', `purpose ${rule.purpose} is not a DPV purpose`);
    }
    if (!Array.isArray(rule.attributes) || rule.attributes.length === 0)
      throw new ProblemError(400, 'validation_failed', 'choose at least one attribute the rule lets services read');
    const sources = await this.o.registry.sources();
    const known = new Set(sources.flatMap((s) => s.attributes.map((a) => attrKey({ source: s.resource, pii_attribute_id: a.id }))));
    const unknown = rule.attributes.filter((a) => !known.has(a));
    if (unknown.length > 0)
      throw new ProblemError(400, 'validation_failed', `unknown attributes: ${unknown.join(', ')}`, { attributes: unknown });
    if (rule.until !== undefined && rule.until !== '') {
      const until = Date.parse(rule.until);
      if (!Number.isFinite(until)) throw new ProblemError(400, 'validation_failed', `until ${rule.until} is not a date`);
      if (until <= now) throw new ProblemError(400, 'validation_failed', 'until must be in the future');
    }
    if (rule.service_kind !== undefined && !/^[a-z0-9_-]{0,64}$/.test(rule.service_kind))
      throw new ProblemError(400, 'validation_failed', 'service_kind is not a service kind');
    if (
      rule.recipients &&
      (!Array.isArray(rule.recipients) || rule.recipients.some((r) => typeof r !== 'string' || r.length === 0 || r.length > 200))
    ) {
      throw new ProblemError(400, 'validation_failed', 'recipients must be client ids');
    }
    return {
      label,
      purpose: rule.purpose,
      attributes: [...new Set(rule.attributes)],
      ...(rule.service_kind ? { service_kind: rule.service_kind } : {}),
      ...(rule.trust_group ? { trust_group: rule.trust_group.slice(0, 200) } : {}),
      ...(rule.recipients && rule.recipients.length > 0 ? { recipients: rule.recipients } : {}),
      ...(rule.until ? { until: new Date(Date.parse(rule.until)).toISOString() } : {}),
    };
  }

  /**
   * Decisions standing rules take for a freshly filed record: for each pending data subject
   * who decides for themself and whose account holds a rule that covers the request.
   * Requests on a lawful basis other than consent are never touched (they need no decision).
   */
  async verdicts(state: ConsentState, now = Date.now()): Promise<ArrangementVerdict[]> {
    const purpose = state.purposes[0];
    if (state.status !== 'pending' || !purpose || !isConsentBasis(purpose.lawful_basis)) return [];
    const service = await this.o.registry.service(state.client_id);
    if (!service || service.kind === 'gateway') return [];
    const definition = service.definition as ServiceDefinition;
    const items = state.purposes.flatMap((p) => p.pii_information);
    const request = {
      required: items.filter((i) => !i.pii_optional).map(attrKey),
      optional: items.filter((i) => i.pii_optional).map(attrKey),
    };
    const ctx: EvaluationContext = {
      purpose: purpose.purpose,
      recipient: state.client_id,
      serviceKind: definition.kind,
      trustGroups: this.o.trustGroupsFor(sourcesOf(state)),
      now,
    };
    const out: ArrangementVerdict[] = [];
    for (const party of activators(state)) {
      if (party.role !== 'data_subject' || party.status !== 'pending') continue;
      const owner = await this.o.accounts.ownerOf(party.identifier_type, party.identifier);
      if (!owner) continue;
      for (const a of await this.list(owner)) {
        const decision = arrangementDecision(a.policy, ctx, request);
        if (!decision.applies) continue;
        const why = [
          `purpose ${dpvLocalName(purpose.purpose)} is a ${dpvLocalName(a.rule.purpose)}`,
          a.rule.service_kind ? `service kind ${definition.kind}` : '',
          a.rule.trust_group ? `sources in trust group ${a.rule.trust_group}` : '',
          a.rule.until ? `before ${a.rule.until}` : '',
          `attributes within the rule`,
        ].filter(Boolean);
        out.push({
          party_id: party.party_id,
          choices: decision.choices,
          arrangement_id: a.arrangement_id,
          reason: `permission arrangement "${a.label}" (${a.arrangement_id}): ${why.join('; ')}`,
        });
        break;
      }
    }
    return out;
  }
}
