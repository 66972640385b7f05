/**
 * The published format of the personal-data export (GDPR Art. 15 and 20): a JSON Schema
 * (draft 2020-12) served at `/schemas/export.json` and kept in `docs/export.schema.json`
 * (test/operator/export.test.ts holds the two equal). The envelope is closed; the items inside
 * (consent records, access records as gateways reported them, data-store documents) may carry
 * further members, so a newer operator's export still validates where it only adds.
 */
import { Type, type Static, type TSchema } from 'typebox';

/** The format name and version every export carries. */
export const EXPORT_FORMAT = 'portti-export/2';

/** The schema's identifier (the same at every operator; `$schema` of an export says where to fetch it). */
export const EXPORT_SCHEMA_ID = 'urn:portti:schema:export:2';

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Localized = Type.Object({ fi: Type.String(), sv: Type.String(), en: Type.String() });
const Identifier = Type.Object(
  { identifier_type: Type.String({ description: 'e.g. fi_hetu' }), identifier: Type.String() },
  { additionalProperties: false },
);

/** One identity of the keychain. */
const KeychainEntry = Type.Object({
  iss: Type.String(),
  sub: Type.String(),
  idp: Type.String(),
  acr: Nullable(Type.String()),
  amr: Type.Array(Type.String()),
  linked_at: Time,
  link_method: Type.String(),
  name: Nullable(Type.String()),
  preferred: Type.Boolean(),
});

const Receipt = Type.Object(
  {
    receipt_id: Type.String(),
    time: Time,
    jws: Type.String({
      description: 'ISO/IEC TS 27560 receipt as a compact JWS signed by the operator; verify with `portti receipt verify`',
    }),
  },
  { additionalProperties: false },
);

/** A consent record as one of its participants sees it, with its whole history and every receipt. */
const ConsentRecord = Type.Object({
  record_id: Type.String(),
  client_id: Type.String(),
  service_name: Nullable(Localized),
  status: Type.String(),
  activation_mode: Type.String(),
  purposes: Type.Array(Type.Object({ purpose: Type.String(), lawful_basis: Type.String() })),
  created_at: Time,
  updated_at: Time,
  expires_at: Nullable(Time),
  replaces: Nullable(Type.String()),
  my_parties: Type.Array(Type.Object({ party_id: Type.String(), role: Type.String(), status: Type.String() })),
  parties: Type.Array(Type.Object({ party_id: Type.String(), role: Type.String(), status: Type.String() })),
  released: Type.Array(Type.Object({ source: Type.String(), subjects: Type.Array(Type.Object({ ref: Type.String() })) })),
  history: Type.Array(
    Type.Object({
      time: Time,
      event_type: Type.String(),
      from_status: Nullable(Type.String()),
      to_status: Type.String(),
      actor: Type.String(),
    }),
  ),
  receipts: Type.Array(Receipt, { description: 'one per change of the record, oldest first' }),
});

/** What a move here brought from another operator: its consent records with history and receipts, as that operator signed them. */
const MovedHistory = Type.Object(
  {
    from: Type.String({ description: "the old operator's issuer" }),
    moved_at: Time,
    consent_records: Type.Array(
      Type.Object(
        {
          record: Type.Object(
            { record_id: Type.String(), status: Type.String() },
            { description: 'the record as the old operator held it' },
          ),
          history: Type.Array(Type.Object({ time: Type.Number(), event_type: Type.String(), to_status: Type.String() })),
          receipts: Type.Array(Receipt, { description: 'the receipts the old operator signed (verify with its published keys)' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A standing permission (permission arrangement) with its ODRL 2.2 `Set` policy. */
const StandingPermission = Type.Object({
  arrangement_id: Type.String(),
  label: Type.String(),
  rule: Type.Object({ purpose: Type.String(), attributes: Type.Array(Type.String()) }),
  policy: Type.Object({}, { description: 'ODRL 2.2 Set (JSON-LD)' }),
  created_at: Time,
  updated_at: Time,
});

const Provenance = Type.Object({
  status: Type.Union([Type.Literal('verified'), Type.Literal('corrected')]),
  depositor: Type.String(),
  issued_at: Time,
  version: Type.Integer(),
});

/** One document of the personal data store, with where each version came from. */
const DataStoreDocument = Type.Object({
  category: Type.String(),
  document: Type.Object({}),
  provenance: Provenance,
  correctable: Type.Array(Type.String()),
  corrected_fields: Type.Array(Type.String()),
  jws: Nullable(Type.String({ description: "the depositor's signed copy of the current version" })),
  history: Type.Array(Type.Intersect([Provenance, Type.Object({ stored_at: Time })])),
});

/** An inclusion proof of an access record in its gateway's transparency log (RFC 9162), checkable offline. */
const InclusionProof = Type.Object({
  origin: Type.String({ description: "the gateway log's C2SP origin" }),
  size: Type.Integer({ minimum: 1, description: 'the size of the cosigned checkpoint the proof leads to' }),
  index: Type.Integer({ minimum: 0, description: "the record's leaf index in the log (seq − 1)" }),
  hashes: Type.Array(Type.String({ minLength: 1 }), { description: 'the audit path, leaf to root (RFC 9162 §2.1.3), base64' }),
});

/** One access record as the gateway reported it (PROFILE's shape), optionally with its inclusion proof. */
const AccessRecord = Type.Object({
  access_id: Type.String(),
  time: Type.String({ description: 'ISO 8601, as the gateway wrote it' }),
  chain: Type.String(),
  seq: Type.Integer(),
  iss: Type.Optional(Nullable(Type.String())),
  client_id: Type.Optional(Nullable(Type.String())),
  consent_record_id: Type.Optional(Nullable(Type.String())),
  source: Type.String(),
  operation: Type.Optional(Nullable(Type.String())),
  datatypes_released: Type.Optional(Type.Array(Type.String())),
  purpose: Type.Optional(Nullable(Type.String())),
  outcome: Type.Union([Type.Literal('allowed'), Type.Literal('refused'), Type.Literal('error')]),
  status: Type.Integer(),
  reason: Type.Optional(Nullable(Type.String())),
  subject_ref: Type.Optional(Nullable(Type.String())),
  prev_hash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'records logged before the Merkle log only' })),
  hash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'records logged before the Merkle log only' })),
  proof: Type.Optional(InclusionProof),
  moved_from: Type.Optional(
    Type.String({ description: "the old operator's issuer, for a use that came with the person's move (proven by transparency.moved)" }),
  ),
});

/** The checkpoints and keys inclusion proofs are checked with offline. */
const Evidence = Type.Object(
  {
    checkpoints: Type.Record(Type.String(), Type.String(), {
      description:
        'the C2SP signed checkpoints (signed by the gateway, cosigned by the operator as witness) that the proofs lead to, ' +
        'keyed "<origin> <size>"',
    }),
    log_keys: Type.Record(Type.String(), Type.Array(Type.String()), {
      description: "each gateway log's note verifier keys (C2SP signed-note), by origin",
    }),
    witness_key: Type.String({ description: "the operator's witness verifier key (as published at /witness/key)" }),
  },
  { additionalProperties: false },
);

const DataStore = Type.Object(
  {
    status: Type.Union(
      [Type.Literal('included'), Type.Literal('not_configured'), Type.Literal('no_identifier'), Type.Literal('unavailable')],
      {
        description: 'included: the documents follow; otherwise why they are not here (the export says so rather than leaving them out)',
      },
    ),
    detail: Type.Optional(Type.String()),
    documents: Type.Array(DataStoreDocument),
    sharing: Type.Array(Type.String(), { description: 'aggregate services the person lets include them' }),
  },
  { additionalProperties: false },
);

/** The export document. */
export const ExportDocumentSchema = Type.Object(
  {
    $schema: Type.String({ description: "where this document's schema is published" }),
    format: Type.Literal(EXPORT_FORMAT),
    exported_at: Time,
    operator: Type.Object({ issuer: Type.String(), name: Type.String() }, { additionalProperties: false }),
    requested_by: Type.Union([Type.Literal('data_subject'), Type.Literal('operator')], {
      description: "data_subject: the person's own download; operator: the operator's data-protection officer answering a request",
    }),
    subject: Type.Object(
      { account_id: Nullable(Type.String()), name: Nullable(Type.String()), identifiers: Type.Array(Identifier) },
      { additionalProperties: false },
    ),
    keychain: Type.Array(KeychainEntry),
    consent_records: Type.Array(ConsentRecord, { description: 'every consent record the person takes part in, newest first' }),
    standing_permissions: Type.Array(StandingPermission),
    moved_history: Type.Array(MovedHistory, {
      description: "what the person's moves here brought: every consent record at the old operator, its history and receipts",
    }),
    data_store: DataStore,
    access_log: Type.Array(AccessRecord, {
      description: 'every access record of those consent records, grouped by consent record (in the order above), oldest first within each',
    }),
    transparency: Type.Object(
      {
        ...Evidence.properties,
        moved: Type.Optional(
          Type.Record(Type.String(), Type.Array(Evidence), {
            description: "for uses that came with a move: the old operator's evidence (cosigned by its witness), by its issuer",
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'what `portti audit verify-export` needs to check every proof offline; compare the keys with the published ones',
      },
    ),
    access_log_count: Type.Integer({ minimum: 0, description: 'how many entries access_log holds' }),
    complete: Type.Literal(true, { description: 'the last member written: a file without it was cut short' }),
  },
  { additionalProperties: false },
);

/** The export document's type. */
export type ExportDocument = Static<typeof ExportDocumentSchema>;
/** One access record of the export. */
export type ExportAccessRecord = Static<typeof AccessRecord>;

/** The published JSON Schema document. */
export function exportJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: EXPORT_SCHEMA_ID,
    title: 'Portti personal-data export',
    description:
      'Everything a MyData operator holds about a person (GDPR Art. 15 and 20): identity keychain, consent records with history ' +
      'and signed receipts, standing permissions, personal-data-store documents with provenance, and every access record.',
    ...JSON.parse(JSON.stringify(ExportDocumentSchema)),
  };
}
