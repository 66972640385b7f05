/**
 * What the citizen's pages and API show, as named shapes: a consent record as one of its
 * participants sees it, the access log with its labels resolved, the keychain, "my data"
 * and the sign-in and overview pages. Built by the citizen feature (`CitizenService`, the
 * dashboard routes); rendered by `pages/`.
 */
import type { AccessOutcome } from '../../audit/access-record.ts';
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { ActivationMode, HistoryEntry, PartyRole, PartyStatus, Purpose } from '../../core/consent.ts';
import { pick, type Locale } from '../../web/i18n.ts';
import type { KeychainEntry } from '../accounts/accounts.ts';
import type { SourceEntry } from '../registry/registry.ts';

/** A text in the dashboard's three languages (as in registry files). */
export type LocalizedText = Record<Locale, string>;

/** One of the citizen's own parties in a record. */
export interface MyPartyView {
  party_id: string;
  role: PartyRole;
  status: PartyStatus;
  acting_for: string | null;
  /** For a guardian: the identifier of the child they act for. */
  acting_for_identifier: string | null;
  /** True when this party's decision counts for activation. */
  decides: boolean;
  choices: string[] | null;
}

/** Any participant of a record, without identifiers. */
export interface PartyView {
  party_id: string;
  role: PartyRole;
  status: PartyStatus;
  acting_for: string | null;
  is_me: boolean;
  decides: boolean;
  /** The participant's name, when their identifier is bound to an account here that has one. */
  name: string | null;
}

/** What one source releases under the record, per data subject. */
export interface ReleasedSourceView {
  source: string;
  subjects: Array<{ ref: string; datatypes: string[] }>;
}

/** A history entry with its time as ISO 8601. */
export type HistoryView = Omit<HistoryEntry, 'time'> & { time: string };

/** A consent record as a participant sees it: the citizen API's record and the dashboard's card. */
export interface CitizenRecordView {
  record_id: string;
  client_id: string;
  service_name: LocalizedText | null;
  status: ConsentStatus;
  activation_mode: ActivationMode;
  purposes: Purpose[];
  purpose_label: LocalizedText | null;
  purpose_description: LocalizedText | null;
  /** The controller and privacy notice from the service's registry entry. */
  controller: { name: string; contact?: string } | null;
  privacy_notice: string | null;
  /** ISO 8601 duration the consent lasts once active (a pending record has no expiry yet). */
  validity_duration: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  replaces: string | null;
  my_parties: MyPartyView[];
  parties: PartyView[];
  released: ReleasedSourceView[];
  history: HistoryView[];
  /** Pending, and one of the citizen's deciding parties has not decided yet. */
  awaiting_me: boolean;
}

/** Names of sources and their attributes, from the registry, in a language. */
export interface SourceLabels {
  sourceName(resource: string, locale: Locale): string;
  attributeLabel(resource: string, id: string, locale: Locale): string;
}

/** The labels of the registry's sources (ids and resource URIs as they are when unknown). */
export function sourceLabels(sources: SourceEntry[]): SourceLabels {
  const byResource = (resource: string) => sources.find((s) => s.resource === resource);
  return {
    sourceName: (resource, locale) => pick(byResource(resource)?.name, locale) || resource,
    attributeLabel: (resource, id, locale) => pick(byResource(resource)?.attributes.find((a) => a.id === id)?.label, locale) || id,
  };
}

/** How a record card shows: as a request to decide, or as a consent to review and withdraw. */
export type RecordCardMode = 'request' | 'consent';

/** What every record card of a page shares: language, CSRF token and the registry's labels. */
export interface CardContext {
  locale: Locale;
  csrf: string;
  labels: SourceLabels;
  /** Cards sit under group headings (their titles a level lower). */
  nested?: boolean;
}

/** The groups of the consents page. */
export type ConsentGroup = 'active' | 'pending' | 'ended';

/** The consents page: the search, and the records that match it by group (the "my data" views left out). */
export interface ConsentsView {
  q: string;
  groups: Array<{ group: ConsentGroup; records: CitizenRecordView[] }>;
}

/**
 * A decision or a withdrawal asked again, to be confirmed with a fresh CSRF token: after the
 * person signed in again (their session had ended) or after a stale form. Nothing was done yet.
 */
export interface AskAgainView {
  record: CitizenRecordView;
  action: 'decide' | 'withdraw';
  why: 'signed_in' | 'stale' | null;
  /** The optional items the lost form had ticked. */
  chosen: Set<string>;
}

/** One entry of the access log, every name resolved in the page's language. */
export interface AccessEntryView {
  access_id: string;
  /** ISO 8601. */
  time: string;
  service: string;
  source: string;
  /** The released attributes' labels. */
  attributes: string[];
  purpose: string;
  outcome: AccessOutcome;
  /** The record exactly as the gateway logged it (the Merkle leaf), for the browser's own check. */
  leaf: string;
  /** Its inclusion proof (JSON of a RecordProof), once the gateway sent it. */
  proof?: string;
  /** What the operator's server found: proven, not matching its proof, or not yet in a checkpoint. */
  checked: 'proven' | 'broken' | 'pending';
  /**
   * For a use that came with the citizen's move: the old operator's name (the server checks these
   * against that operator's evidence; the browser, holding this operator's, does not).
   */
  moved_from?: string;
}

/** The access log's filter as the form shows it (empty: any). */
export interface AccessFilterView {
  /** A service's client id. */
  service: string;
  /** A source's id. */
  source: string;
  /** Days (YYYY-MM-DD) in the dashboard's zone, both included. */
  from: string;
  to: string;
  outcome: AccessOutcome | '';
  /** One consent record's entries only (from a link, not the form). */
  record_id: string;
}

/** One choice of a filter's list. */
export interface ChoiceView {
  value: string;
  label: string;
}

/** The access log page: one page of entries, the filter, links to the pages beside it, and what the browser checks them with. */
export interface AccessLogView {
  entries: AccessEntryView[];
  filter: AccessFilterView;
  services: ChoiceView[];
  sources: ChoiceView[];
  /** Query strings of the newer and older pages, when there are such entries. */
  newer?: string;
  older?: string;
  /** True when this is not the newest page. */
  paged: boolean;
  /** JSON of the TransparencyEvidence (checkpoints and keys) for the shown entries. */
  evidence: string;
}

/** The keychain page: linked identities and the identity providers one may link. */
export interface KeychainView {
  chain: KeychainEntry[];
  providers: Array<{ id: string; label: LocalizedText }>;
  csrf: string;
  /** The services the citizen has consents with, and the identity chosen for each (absent: the one services see in general). */
  services: Array<{ client_id: string; name: LocalizedText | null; shown?: { iss: string; sub: string } }>;
}

/** A source on the "my data" page. */
export interface MyDataSourceView {
  id: string;
  name: LocalizedText;
  correction_url?: string;
}

/** What one source answered, as rows named from its definition (never JSON keys). */
export interface MyDataResultView {
  source_id: string;
  rows: Array<[string, string]>;
}

/** A "my data" view the citizen made: the consent the click expressed, shown here rather than among the consents. */
export interface MyDataViewEntry {
  record_id: string;
  /** ISO 8601. */
  time: string;
  source: string;
  status: ConsentStatus;
}

/** The "my data" page: every source, what one of them holds once asked, and the views made so far. */
export interface MyDataView {
  sources: MyDataSourceView[];
  csrf: string;
  result?: MyDataResultView;
  views: MyDataViewEntry[];
}

/** The sign-in page: the identity providers, each link returning to `returnTo`. */
export interface SignInView {
  operatorName: string;
  returnTo: string;
  /** The session had ended in the middle of an action (which waits at `returnTo`). */
  sessionEnded?: boolean;
  providers: Array<{ id: string; label: LocalizedText }>;
}

/** The page after sign-out: whether the identity provider's session was ended too. */
export interface SignedOutView {
  operatorName: string;
  idpSessionKept: boolean;
}

/** The overview page. */
export interface OverviewView {
  name: string;
  pending: number;
  active: number;
  /** Unread notifications (notifications/). */
  unread: number;
}
