/**
 * The personal-data export (GDPR Art. 15 and 20): everything the operator holds about a
 * person as one JSON document of the published format (export.schema.ts), written as a
 * stream so that every access record is in it however many there are: the small parts
 * (keychain, consent records with history and receipts, standing permissions, data-store
 * documents) first, then the access log page by page, then its count and `complete: true`.
 * The same export serves the person's own download and the operator's data-protection officer
 * answering a written request about someone named by an identifier (`portti export`).
 */
import type { Kysely } from 'kysely';
import type { AccountIdentifier } from '../accounts/accounts.repository.ts';
import type { Accounts, KeychainEntry } from '../accounts/accounts.ts';
import type { Arrangement, Arrangements } from '../arrangements/arrangements.ts';
import type { CitizenService } from '../citizen/citizen.service.ts';
import type { CitizenRecordView } from '../citizen/view-models.ts';
import type { LogEvidence } from '../../audit/export-verify.ts';
import type { MovedRecords } from '../portability/portability.ts';
import { receiptsOf } from '../consent/receipts.repository.ts';
import type { ReceiptsDatabase } from '../consent/receipts.tables.ts';
import type { PdsClient } from '../datastore/pds-client.ts';
import type { AccessReports, ProofCheckpoint } from '../transparency/access-reports.ts';
import type { Witness } from '../witness/witness.ts';
import { EXPORT_FORMAT, type ExportDocument } from './export.schema.ts';

/** Whom an export is about: an account, or (no account) a person named by identifiers only. */
export interface ExportSubject {
  account_id: string | null;
  name: string | null;
  identifiers: AccountIdentifier[];
}

/** Who asked: the person themselves, or the operator answering their written request. */
export type RequestedBy = ExportDocument['requested_by'];

/** A consent record of the export: the participant's view with its receipts. */
export type ExportConsentRecord = CitizenRecordView & { receipts: Array<{ receipt_id: string; time: string; jws: string }> };

/** Everything of an export but the access log (which is streamed), with the record ids it covers. */
export interface PreparedExport {
  head: Omit<ExportDocument, 'access_log' | 'access_log_count' | 'complete' | 'transparency'>;
  consentRecords: ExportConsentRecord[];
  recordIds: string[];
  /** The old operators' evidence for the uses the person's moves brought, by issuer. */
  moved: Record<string, LogEvidence[]>;
  /** How many access records the stream has written so far. */
  written: number;
}

/** What the export reads from the other features. */
export interface PersonalDataExportOptions {
  db: Kysely<ReceiptsDatabase>;
  issuer: string;
  operatorName: string;
  accounts: Pick<Accounts, 'keychain' | 'identifiers' | 'displayName' | 'ownerOf'>;
  citizens: Pick<CitizenService, 'recordsOf' | 'movedHistory'>;
  arrangements: Pick<Arrangements, 'list'>;
  accessReports: Pick<AccessReports, 'stream' | 'counts'>;
  /** This operator's witness: the cosigned checkpoints and keys the access records' proofs need. */
  witness: Pick<Witness, 'evidence'>;
  /** What the person's moves here brought from other operators (portability/). */
  movedRecords?: (accountId: string) => Promise<MovedRecords[]>;
  /** The personal data store, when the operator has one. */
  pds?: PdsClient | undefined;
  /** Access records per page of the stream. */
  pageSize?: number;
}

/** Builds and streams exports. */
export class PersonalDataExport {
  private readonly o: PersonalDataExportOptions;

  constructor(options: PersonalDataExportOptions) {
    this.o = options;
  }

  /** The signed-in person behind an account. */
  async ofAccount(accountId: string): Promise<ExportSubject> {
    return {
      account_id: accountId,
      name: await this.o.accounts.displayName(accountId),
      identifiers: await this.o.accounts.identifiers(accountId),
    };
  }

  /** A person named by an identifier: their account if they have one, else the identifier alone. */
  async ofPerson(identifierType: string, identifier: string): Promise<ExportSubject> {
    const accountId = await this.o.accounts.ownerOf(identifierType, identifier);
    if (accountId) return this.ofAccount(accountId);
    return { account_id: null, name: null, identifiers: [{ identifier_type: identifierType, identifier }] };
  }

  /** Reads everything but the access log. */
  async prepare(subject: ExportSubject, requestedBy: RequestedBy, now = new Date()): Promise<PreparedExport> {
    const records = await this.o.citizens.recordsOf(subject.account_id, subject.identifiers);
    const history = subject.account_id ? await this.o.citizens.movedHistory(subject.account_id) : undefined;
    // the uses of records here, then those the person's moves brought from other operators
    const recordIds = [...new Set([...records.map((r) => r.record_id), ...(history?.recordIds ?? [])])];
    const moved = Object.fromEntries([...(history?.evidence ?? new Map())].map(([k, v]) => [k, [...v]]));
    const receipts = await receiptsOf(this.o.db, recordIds);
    const consentRecords = records.map((r) => ({
      ...r,
      receipts: receipts
        .filter((x) => x.record_id === r.record_id)
        .map((x) => ({ receipt_id: x.receipt_id, time: new Date(x.time).toISOString(), jws: x.jws })),
    }));
    const head: PreparedExport['head'] = {
      $schema: `${this.o.issuer}/schemas/export.json`,
      format: EXPORT_FORMAT,
      exported_at: now.toISOString(),
      operator: { issuer: this.o.issuer, name: this.o.operatorName },
      requested_by: requestedBy,
      subject,
      keychain: subject.account_id ? await this.o.accounts.keychain(subject.account_id) : ([] as KeychainEntry[]),
      consent_records: consentRecords,
      standing_permissions: subject.account_id ? (await this.o.arrangements.list(subject.account_id)).map(permission) : [],
      moved_history: subject.account_id && this.o.movedRecords ? await this.o.movedRecords(subject.account_id) : [],
      data_store: await this.dataStore(subject),
    };
    return { head, consentRecords, recordIds, moved, written: 0 };
  }

  /**
   * The export as JSON text, piece by piece: the head, then the access records a page at a
   * time (each as the gateway reported it, with its inclusion proof once the gateway sent it),
   * then the evidence the proofs need to be checked offline (the cosigned checkpoints they lead
   * to, the logs' and the witness's keys), the count and `complete: true`.
   */
  async *chunks(prepared: PreparedExport): AsyncGenerator<string> {
    const head = JSON.stringify(prepared.head, null, 2);
    // the head's closing brace comes off; the access log and the trailer follow
    yield `${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "access_log": [`;
    let n = 0;
    const checkpoints = new Map<string, ProofCheckpoint>();
    for await (const page of this.o.accessReports.stream(prepared.recordIds, this.o.pageSize, checkpoints)) {
      yield (n === 0 ? '\n    ' : ',\n    ') + page.join(',\n    ');
      n += page.length;
      prepared.written = n;
    }
    const own = await this.o.witness.evidence([...checkpoints.values()]);
    const evidence = Object.keys(prepared.moved).length > 0 ? { ...own, moved: prepared.moved } : own;
    const transparency = JSON.stringify(evidence, null, 2).replaceAll('\n', '\n  ');
    yield `${n > 0 ? '\n  ' : ''}],\n  "transparency": ${transparency},\n  "access_log_count": ${n},\n  "complete": true\n}\n`;
  }

  /** Entries of the access log per record and outcome (the summary page). */
  accessCounts(recordIds: string[]) {
    return this.o.accessReports.counts(recordIds);
  }

  /** The person's documents at the personal data store, or why they are not in the export. */
  private async dataStore(subject: ExportSubject): Promise<ExportDocument['data_store']> {
    const none = { documents: [], sharing: [] };
    const pds = this.o.pds;
    if (!pds) return { status: 'not_configured', ...none };
    try {
      const identifier = await pds.identifierOf(subject.identifiers);
      return { status: 'included', ...(await pds.documents(identifier)) };
    } catch (err) {
      const status = (err as { status?: number }).status === 409 ? 'no_identifier' : 'unavailable';
      return { status, detail: (err as Error).message, ...none };
    }
  }
}

/** A standing permission as the export shows it (times as ISO 8601). */
function permission(a: Arrangement): ExportDocument['standing_permissions'][number] {
  return { ...a, created_at: new Date(a.created_at).toISOString(), updated_at: new Date(a.updated_at).toISOString() };
}
