/**
 * The receipt document against the W3C DPV guide for ISO/IEC TS 27560: built from records that
 * went through the real state machine (two parents and a child, a refusal, a withdrawal, a
 * suspension, a move, a record on another lawful basis), expanded offline with `jsonld`. Every
 * property and class it uses is a DPV, DPV 27560 or DCMI term (and each DPV term one that DPV 2.3
 * defines), every node IRI is absolute, nothing is dropped; the events carry the consent state
 * of what happened and the consent type, the data subjects their pairwise subjects.
 */
import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { decide, markMoved, resume, suspend, withdraw, type ConsentState, type HistoryEntry, type Party } from '../../src/core/consent.ts';
import { buildReceipt, signReceipt, verifyReceipt, type ReceiptContext } from '../../src/core/receipt/receipt.ts';
import { ABSOLUTE_IRI, expandReceipt, usedIris, VOCABULARY } from '../helpers/receipt-jsonld.ts';

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const ISSUER = 'https://operator-a.example';
const INCOMES = 'https://gw.example/sources/incomes';
const DPV = 'https://w3id.org/dpv#';

/** Every DPV term the receipt may use, each checked against DPV 2.3 (w3c/dpv 2.3/dpv/dpv.ttl). */
const DPV_TERMS = new Set(
  (
    'ActivityCompleted ActivityHalted ActivityNotCompleted ActivityOngoing ActivityProposed ConsentExpired ConsentGiven ' +
    'ConsentReceipt ConsentRecord ConsentRefused ConsentRequested ConsentStatusInvalidForProcessing ' +
    'ConsentStatusValidForProcessing ConsentWithdrawn DataController DataSubject ExplicitlyExpressedConsent ExpressedConsent ' +
    'GuardianOfDataSubject Optional Organisation PrivacyNotice Process Representative Required Service StorageDuration ThirdParty ' +
    'UntilEventDuration WithdrawConsent hasActivityStatus hasConsentControl hasConsentStatus hasContact hasDataController ' +
    'hasDataSubject hasDuration hasEntity hasIdentifier hasJurisdiction hasLegalBasis hasName hasNecessity hasNotice ' +
    'hasPersonalData hasPolicy hasProcess hasPurpose hasRecipient hasRecordOfActivity hasService hasStatus ' +
    'hasStorageCondition isExercisedAt isIndicatedAtTime isIndicatedBy isRepresentativeFor'
  ).split(' '),
);

function party(party_id: string, role: Party['role'], acting_for: string | null = null): Party {
  const account_id = `acc-${party_id}`;
  return {
    party_id,
    role,
    identifier_type: 'fi_hetu',
    identifier: `id-${party_id}`,
    account_id,
    acting_for,
    status: 'pending',
    choices: null,
    decided_at: null,
  };
}

/** A pending record of the daycare kind: two parents, their child (for whom the parents decide), one optional attribute. */
function daycare(lawful_basis = 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a'): { state: ConsentState; history: HistoryEntry[] } {
  const item = (id: string, optional: boolean) => ({
    pii_attribute_id: id,
    pii_type: 'https://w3id.org/dpv/pd#Income',
    pii_optional: optional,
    source: INCOMES,
  });
  const state: ConsentState = {
    record_id: 'urn:uuid:6f1d6a0e-7d7c-4c64-9a55-3f1e2d7b9c01',
    client_id: 'fee-service',
    status: 'pending',
    activation_mode: 'all_activators_activate',
    purposes: [
      {
        purpose: 'https://w3id.org/dpv#ServiceProvision',
        lawful_basis,
        pii_information: [item('annual_income', false), item('employer', true)],
        recipient_third_parties: ['https://auditor.example', 'The city archive'],
        retention_period: 'P1Y',
        withdrawal_method: `${ISSUER}/dashboard/consents`,
        agreement_uid: `${ISSUER}/services/fee-service/agreement`,
      },
    ],
    parties: [
      party('aaaaaaaa-0000-4000-8000-000000000001', 'data_subject'),
      party('aaaaaaaa-0000-4000-8000-000000000002', 'data_subject'),
      { ...party('aaaaaaaa-0000-4000-8000-000000000003', 'data_subject'), account_id: null },
      party('aaaaaaaa-0000-4000-8000-000000000004', 'guardian', 'aaaaaaaa-0000-4000-8000-000000000003'),
    ],
    created_at: T0,
    updated_at: T0,
    expires_at: null,
    validity_duration: 'P6M',
    replaces: null,
    version: 1,
  };
  const requested: HistoryEntry = {
    time: T0,
    event_type: 'dpv:ConsentRequested',
    from_status: null,
    to_status: 'pending',
    actor: 'client:fee-service',
    party_id: null,
    reason: null,
  };
  return { state, history: [requested] };
}

const ctx = (subjects: Record<string, string> = {}, language = 'sv'): ReceiptContext => ({
  issuer: ISSUER,
  operatorName: 'Operator A',
  jurisdiction: 'FI',
  language,
  privacyNotice: 'https://www.hel.fi/privacy',
  controller: { name: 'City of Helsinki', id: '0201256-6', contact: 'tietosuoja@hel.fi' },
  serviceName: 'Klientavgiftsenheten',
  subjects: new Map(Object.entries(subjects)),
});

/** Runs `steps` through the state machine, keeping the history. */
function run(
  start: { state: ConsentState; history: HistoryEntry[] },
  steps: Array<(s: ConsentState, t: number) => { state: ConsentState; history: HistoryEntry }>,
) {
  let { state } = start;
  const history = [...start.history];
  steps.forEach((step, i) => {
    const r = step(state, T0 + (i + 1) * 60_000);
    state = r.state;
    history.push(r.history);
  });
  return { state, history };
}

const [AINO, MIKKO, CHILD, GUARDIAN] = daycare().state.parties.map((p) => p.party_id) as [string, string, string, string];
type Doc = ReturnType<typeof buildReceipt>;
const recordOf = (doc: Doc) =>
  doc['dpv:hasRecordOfActivity'] as Record<string, unknown> & { 'dpv:hasConsentStatus'?: Array<Record<string, unknown>> };

describe('consent receipts in the DPV 27560 profile', () => {
  const lived = run(daycare(), [
    (s, t) => decide(s, AINO, { approve: true, choices: [`${INCOMES}#employer`] }, `account:acc-${AINO}`, t),
    (s, t) => decide(s, MIKKO, { approve: true, choices: [] }, `account:acc-${MIKKO}`, t),
    (s, t) => decide(s, GUARDIAN, { approve: true, choices: [] }, `arrangement:rule-1`, t),
    (s, t) => suspend(s, 'operator', 'service under investigation', t),
    (s, t) => resume(s, 'operator', t),
    (s, t) => withdraw(s, MIKKO, `account:acc-${MIKKO}`, t),
  ]);
  const subjects = { [AINO]: 'pairwise-aino-43-characters-long-aaaaaaaaaa', [MIKKO]: 'pairwise-mikko-43-characters-long-aaaaaaaaa' };

  it('expands with the DPV context to DPV, DPV 27560 and DCMI terms only, each known to DPV, with absolute node IRIs', async () => {
    for (const { state, history } of [daycare(), lived, run(daycare('https://w3id.org/dpv/legal/eu/gdpr#A6-1-e'), [])]) {
      const doc = buildReceipt(state, history, ctx(subjects), 'urn:uuid:00000000-0000-4000-8000-00000000000a', T0);
      const expanded = await expandReceipt(doc);
      const used = usedIris(expanded);
      const terms = [...used.properties, ...used.types];
      expect(terms.filter((t) => !VOCABULARY.test(t))).toEqual([]);
      expect(terms.filter((t) => t.startsWith(DPV) && !DPV_TERMS.has(t.slice(DPV.length)))).toEqual([]);
      expect([...used.datatypes].filter((t) => !t.startsWith('http://www.w3.org/2001/XMLSchema#'))).toEqual([]);
      expect([...used.ids].filter((id) => !ABSOLUTE_IRI.test(id))).toEqual([]);
      expect(used.types).toContain(`${DPV}ConsentReceipt`);
      expect(used.properties).toContain('http://purl.org/dc/terms/conformsTo');
      expect(JSON.stringify(doc)).not.toMatch(/receipt-full|"name"|"role"|event_type|event_state|pii_principal_id/);
    }
  });

  it('declares the guide schema ids and names the receipt, the record and its issuer', () => {
    const doc = buildReceipt(lived.state, lived.history, ctx(subjects), 'urn:uuid:00000000-0000-4000-8000-00000000000b', T0);
    expect(doc).toMatchObject({
      '@context': `${ISSUER}/contexts/dpv-27560-v1.jsonld`,
      '@type': 'dpv:ConsentReceipt',
      'dct:conformsTo': 'dpv-27560:receipt',
      'dpv:hasIdentifier': 'urn:uuid:00000000-0000-4000-8000-00000000000b',
      'dct:publisher': ISSUER,
      'dct:language': 'sv',
    });
    const record = recordOf(doc);
    expect(record).toMatchObject({
      '@type': 'dpv:ConsentRecord',
      'dct:conformsTo': 'dpv-27560:record',
      'dpv:hasIdentifier': lived.state.record_id,
      'dpv:hasStatus': 'dpv:ConsentWithdrawn',
      'dpv:hasNotice': { '@type': 'dpv:PrivacyNotice', 'dct:language': 'sv' },
    });
  });

  it("names the data subjects by their pairwise subjects, never by the record id, and the guardian as the child's representative", () => {
    const doc = buildReceipt(lived.state, lived.history, ctx(subjects), 'urn:uuid:00000000-0000-4000-8000-00000000000c', T0);
    const record = recordOf(doc);
    expect(record['dpv:hasDataSubject']).toEqual([AINO, MIKKO, CHILD].map((id) => `urn:uuid:${id}`));
    const entities = record['dpv:hasEntity'] as Array<Record<string, unknown>>;
    const byId = new Map(entities.map((e) => [e['@id'], e]));
    expect(byId.get(`urn:uuid:${AINO}`)).toMatchObject({ '@type': 'dpv:DataSubject', 'dct:identifier': subjects[AINO] });
    expect(byId.get(`urn:uuid:${CHILD}`)).not.toHaveProperty('dct:identifier');
    expect(byId.get(`urn:uuid:${GUARDIAN}`)).toMatchObject({
      '@type': 'dpv:GuardianOfDataSubject',
      'dpv:isRepresentativeFor': `urn:uuid:${CHILD}`,
    });
    expect(byId.get(`${ISSUER}/services/fee-service#controller`)).toMatchObject({
      '@type': ['dpv:Organisation', 'dpv:DataController'],
      'dpv:hasName': 'City of Helsinki',
      'dpv:hasIdentifier': '0201256-6',
    });
    expect(JSON.stringify(entities)).not.toContain(lived.state.record_id);
  });

  it('types each event by what happened (consent state, and consent type when given), with who and when', () => {
    const events = recordOf(buildReceipt(lived.state, lived.history, ctx(subjects), 'urn:uuid:00000000-0000-4000-8000-00000000000d', T0))[
      'dpv:hasConsentStatus'
    ]!;
    expect(events.map((e) => [e['@type'], e['dpv:isIndicatedBy']])).toEqual([
      ['dpv:ConsentRequested', `${ISSUER}/services/fee-service#controller`],
      [['dpv:ConsentGiven', 'dpv:ExpressedConsent'], `urn:uuid:${AINO}`],
      [['dpv:ConsentGiven', 'dpv:ExpressedConsent'], `urn:uuid:${MIKKO}`],
      [['dpv:ConsentGiven', 'dpv:ExpressedConsent'], `urn:uuid:${GUARDIAN}`],
      ['dpv:ConsentStatusInvalidForProcessing', ISSUER],
      ['dpv:ConsentStatusValidForProcessing', ISSUER],
      ['dpv:ConsentWithdrawn', `urn:uuid:${MIKKO}`],
    ]);
    expect(events[1]).toMatchObject({
      'dpv:isIndicatedAtTime': new Date(T0 + 60_000).toISOString(),
      'dpv:hasPersonalData': [`${INCOMES}#annual_income`, `${INCOMES}#employer`],
      'dpv:hasDuration': { '@value': 'P6M', '@type': 'xsd:duration' },
    });
    expect(events[2]!['dpv:hasPersonalData']).toEqual([`${INCOMES}#annual_income`]);
    expect(events[4]).toMatchObject({ 'dct:description': 'service under investigation' });
  });

  it('records a move (dct:isReplacedBy) and a record on another lawful basis with activity statuses, not consent statuses', () => {
    const active = run(daycare(), [
      (s, t) => decide(s, AINO, { approve: true }, 'account:a', t),
      (s, t) => decide(s, MIKKO, { approve: true }, 'account:m', t),
      (s, t) => decide(s, GUARDIAN, { approve: true }, 'account:g', t),
    ]);
    const moved = run(active, [(s, t) => markMoved(s, 'urn:uuid:new-record', 'operator', t)]);
    const record = recordOf(buildReceipt(moved.state, moved.history, ctx(), 'urn:uuid:00000000-0000-4000-8000-00000000000e', T0));
    expect(record).toMatchObject({ 'dct:isReplacedBy': 'urn:uuid:new-record', 'dpv:hasStatus': 'dpv:ConsentStatusInvalidForProcessing' });

    const other = daycare('https://w3id.org/dpv/legal/eu/gdpr#A6-1-e');
    other.state.status = 'active';
    other.history[0] = { ...other.history[0]!, event_type: 'portti:ProcessingRecorded', to_status: 'active' };
    const auto = recordOf(buildReceipt(other.state, other.history, ctx(), 'urn:uuid:00000000-0000-4000-8000-00000000000f', T0));
    expect(auto['dpv:hasStatus']).toBe('dpv:ActivityOngoing');
    expect(auto).not.toHaveProperty('dpv:hasConsentStatus');
    expect((auto['dpv:hasActivityStatus'] as Array<Record<string, unknown>>)[0]!['@type']).toBe('dpv:ActivityOngoing');
  });

  it('signs without a key in the header, and verifies only with the keys it is given', async () => {
    const key = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const doc = buildReceipt(lived.state, lived.history, ctx(subjects), 'urn:uuid:00000000-0000-4000-8000-000000000010', T0);
    const jws = await signReceipt(doc, { privateKey: key.privateKey, alg: 'ES256', kid: 'k1' });
    const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg: 'ES256', kid: 'k1', typ: 'consent-receipt+jws', cty: 'application/ld+json' });
    const { exportJWK } = await import('jose');
    const jwk = async (k: CryptoKey) => ({ ...(await exportJWK(k)), kid: 'k1', alg: 'ES256' });
    expect((await verifyReceipt(jws, { keys: [await jwk(key.publicKey)] })).outcome).toBe('valid');
    const forged = await verifyReceipt(jws, { keys: [await jwk(other.publicKey)] });
    expect(forged).toMatchObject({ outcome: 'invalid' });
    expect(await verifyReceipt(jws, { keys: [{ ...(await jwk(other.publicKey)), kid: 'k2' }] })).toMatchObject({ outcome: 'unverified' });
  });
});
