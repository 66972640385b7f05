/**
 * A service's data agreement as a W3C ODRL 2.2 `Agreement` (JSON-LD): the operator
 * (on the citizen's behalf) permits the service to `read` the listed attributes of each
 * source, constrained to the purpose (a DPV IRI) and the lawful basis.
 */

export interface AgreementInput {
  uid: string;
  operator: string;
  clientId: string;
  controller: string;
  purposes: Array<{
    purpose: string;
    lawful_basis: string;
    retention_period: string;
    recipients: string[];
    attributes: Array<{ resource: string; id: string; required: boolean }>;
  }>;
}

export const ODRL_CONTEXT = [
  'http://www.w3.org/ns/odrl.jsonld',
  {
    dpv: 'https://w3id.org/dpv#',
    portti: 'https://portti.dev/ns#',
    required: 'portti:required',
    retention: 'dpv:hasStorageDuration',
    dc: 'http://purl.org/dc/terms/',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
  },
];

/** Builds the ODRL Agreement document. */
export function buildAgreement(input: AgreementInput) {
  return {
    '@context': ODRL_CONTEXT,
    '@type': 'Agreement',
    uid: input.uid,
    profile: 'https://portti.dev/odrl-profile/mim4',
    assigner: input.operator,
    assignee: input.clientId,
    'dpv:hasDataController': input.controller,
    permission: input.purposes.map((p) => ({
      action: 'read',
      target: {
        '@type': 'AssetCollection',
        source: [...new Set(p.attributes.map((a) => a.resource))],
        refinement: [
          {
            leftOperand: 'portti:attribute',
            operator: 'isAnyOf',
            rightOperand: p.attributes.map((a) => ({ '@id': `${a.resource}#${a.id}`, required: a.required })),
          },
        ],
      },
      constraint: [
        { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': p.purpose } },
        { leftOperand: 'dpv:hasLegalBasis', operator: 'eq', rightOperand: { '@id': p.lawful_basis } },
        ...(p.recipients.length > 0 ? [{ leftOperand: 'recipient', operator: 'isAnyOf', rightOperand: p.recipients }] : []),
      ],
      duty: [{ action: 'delete', constraint: [{ leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: p.retention_period }] }],
    })),
  };
}

/** A citizen's standing rule ("permission arrangement") before it becomes an ODRL `Set`. */
export interface ArrangementRule {
  label: string;
  /** Services of this kind only (the registry's `kind`, e.g. `public_service`). */
  service_kind?: string;
  /** Only when every source read is in this trust group (its `group_id`). */
  trust_group?: string;
  /** Only these services (client ids). */
  recipients?: string[];
  /** A DPV purpose IRI; narrower purposes match too (`isA`). */
  purpose: string;
  /** Attribute keys `<source resource>#<attribute id>` the rule lets services read. */
  attributes: string[];
  /** ISO 8601 date-time after which the rule no longer applies. */
  until?: string;
}

/** Builds the ODRL 2.2 `Set` policy of a permission arrangement. */
export function buildArrangementSet(uid: string, assigner: string, rule: ArrangementRule) {
  const constraint: Array<Record<string, unknown>> = [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': rule.purpose } }];
  if (rule.service_kind) constraint.push({ leftOperand: 'portti:serviceKind', operator: 'eq', rightOperand: rule.service_kind });
  if (rule.trust_group) constraint.push({ leftOperand: 'portti:trustGroup', operator: 'eq', rightOperand: rule.trust_group });
  if (rule.recipients && rule.recipients.length > 0)
    constraint.push({ leftOperand: 'recipient', operator: 'isAnyOf', rightOperand: rule.recipients });
  if (rule.until)
    constraint.push({ leftOperand: 'dateTime', operator: 'lt', rightOperand: { '@value': rule.until, '@type': 'xsd:dateTime' } });
  return {
    '@context': ODRL_CONTEXT,
    '@type': 'Set',
    uid,
    profile: 'https://portti.dev/odrl-profile/mim4',
    assigner,
    'dc:title': rule.label,
    permission: [
      {
        action: 'read',
        target: {
          '@type': 'AssetCollection',
          source: [...new Set(rule.attributes.map((a) => a.slice(0, a.lastIndexOf('#'))))],
          refinement: [{ leftOperand: 'portti:attribute', operator: 'isAnyOf', rightOperand: rule.attributes.map((a) => ({ '@id': a })) }],
        },
        constraint,
      },
    ],
  };
}

export type ArrangementSet = ReturnType<typeof buildArrangementSet>;

/** Reads the rule back out of a `Set` built by {@link buildArrangementSet} (for the edit form). */
export function ruleOfSet(set: ArrangementSet): ArrangementRule {
  const permission = set.permission[0]!;
  const c = (left: string) => permission.constraint.find((x) => x.leftOperand === left)?.rightOperand as unknown;
  const id = (v: unknown) => (typeof v === 'object' && v !== null && '@id' in v ? String((v as { '@id': string })['@id']) : String(v));
  const until = c('dateTime') as { '@value': string } | undefined;
  return {
    label: set['dc:title'],
    purpose: id(c('purpose')),
    attributes: (permission.target.refinement[0]!.rightOperand as Array<{ '@id': string }>).map((a) => a['@id']),
    ...(c('portti:serviceKind') ? { service_kind: String(c('portti:serviceKind')) } : {}),
    ...(c('portti:trustGroup') ? { trust_group: String(c('portti:trustGroup')) } : {}),
    ...(c('recipient') ? { recipients: c('recipient') as string[] } : {}),
    ...(until ? { until: until['@value'] } : {}),
  };
}
