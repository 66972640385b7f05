/**
 * The human-readable summary of an export (the browser's view of it: a browser is never shown
 * the raw JSON): whom it is about, the consents with their events, receipts and uses, the
 * standing permissions, the data-store documents with who verified them, and the access log
 * in counts per record, since every entry is in the file.
 */
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { LocalizedText } from '../citizen/view-models.ts';
import type { ExportDocument } from './export.schema.ts';
import type { PreparedExport } from './personal-data-export.ts';

/** Uses of one record (or of all), by outcome, with the first and last time. */
export interface UseCounts {
  allowed: number;
  refused: number;
  error: number;
  first: string | null;
  last: string | null;
}

/** The summary page of an export. */
export interface ExportSummaryView {
  operatorName: string;
  exportedAt: string;
  format: string;
  schemaUrl: string;
  subject: { name: string | null; identifiers: Array<{ identifier_type: string; identifier: string }> };
  keychain: Array<{ idp: string; name: string | null; linked_at: string }>;
  records: Array<{
    record_id: string;
    service: LocalizedText | null;
    client_id: string;
    purpose: LocalizedText | null;
    status: ConsentStatus;
    created_at: string;
    events: number;
    receipts: number;
    uses: UseCounts;
  }>;
  permissions: Array<{ label: string; until: string | null }>;
  dataStore: { status: ExportDocument['data_store']['status']; documents: Array<{ category: string; provenance: Provenance }> };
  uses: UseCounts & { total: number };
}

type Provenance = ExportDocument['data_store']['documents'][number]['provenance'];

const noUses = (): UseCounts => ({ allowed: 0, refused: 0, error: 0, first: null, last: null });

/** Adds one (record, outcome) count to a tally. */
function tally(into: UseCounts, c: { outcome: string; n: number; first: string; last: string }): void {
  if (c.outcome === 'allowed' || c.outcome === 'refused' || c.outcome === 'error') into[c.outcome] += c.n;
  if (into.first === null || c.first < into.first) into.first = c.first;
  if (into.last === null || c.last > into.last) into.last = c.last;
}

/** The summary of a prepared export, with the access log's counts per record and outcome. */
export function exportSummary(
  prepared: PreparedExport,
  counts: Array<{ record_id: string; outcome: string; n: number; first: string; last: string }>,
): ExportSummaryView {
  const { head } = prepared;
  const byRecord = new Map<string, UseCounts>();
  const all = noUses();
  for (const c of counts) {
    const uses = byRecord.get(c.record_id) ?? noUses();
    tally(uses, c);
    byRecord.set(c.record_id, uses);
    tally(all, c);
  }
  return {
    operatorName: head.operator.name,
    exportedAt: head.exported_at,
    format: head.format,
    schemaUrl: head.$schema,
    subject: { name: head.subject.name, identifiers: head.subject.identifiers },
    keychain: head.keychain.map((k) => ({ idp: k.idp, name: k.name, linked_at: k.linked_at })),
    records: prepared.consentRecords.map((r) => ({
      record_id: r.record_id,
      service: r.service_name,
      client_id: r.client_id,
      purpose: r.purpose_label,
      status: r.status,
      created_at: r.created_at,
      events: r.history.length,
      receipts: r.receipts.length,
      uses: byRecord.get(r.record_id) ?? noUses(),
    })),
    permissions: head.standing_permissions.map((p) => ({ label: p.label, until: (p.rule as { until?: string }).until ?? null })),
    dataStore: {
      status: head.data_store.status,
      documents: head.data_store.documents.map((d) => ({ category: d.category, provenance: d.provenance })),
    },
    uses: { ...all, total: all.allowed + all.refused + all.error },
  };
}
