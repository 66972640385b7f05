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
