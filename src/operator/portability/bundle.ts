/**
 * The portability protocol between two operators: the bundle the old operator signs for the
 * new one (`typ: portability-bundle+jws`), the hand-over the new one signs back
 * (`typ: portability-complete+jws`), and what became of each record of a move.
 */
import { CompactSign } from 'jose';
import type { LogEvidence } from '../../audit/export-verify.ts';
import type { ConsentState, HistoryEntry } from '../../core/consent.ts';
import type { ArrangementSet } from '../../core/odrl.ts';
import type { SigningKey } from '../../store/keys.ts';
import type { KeychainEntry } from '../accounts/accounts.ts';

/** JWS `typ` of a portability bundle. */
export const BUNDLE_TYP = 'portability-bundle+jws';
/** JWS `typ` of the new operator's hand-over report. */
export const COMPLETE_TYP = 'portability-complete+jws';
/** How long a bundle may be imported after it was signed. */
export const BUNDLE_LIFETIME_MS = 24 * 3600_000;

/** Everything the old operator holds about the citizen, for the new operator named in `aud`. */
export interface PortabilityBundle {
  format: 'portti-portability/1';
  move_id: string;
  iss: string;
  aud: string;
  exported_at: string;
  expires_at: string;
  profile: { display_name: string | null; identifiers: Array<{ identifier_type: string; identifier: string }> };
  keychain: KeychainEntry[];
  consent_records: Array<{ record: ConsentState; history: HistoryEntry[] }>;
  receipts: Array<{ record_id: string; receipt_id: string; time: string; jws: string }>;
  agreements: Record<string, unknown>;
  arrangements: ArrangementSet[];
  access_log: Array<Record<string, unknown>>;
  /** The cosigned checkpoints and keys the access records' proofs need (absent in bundles of older versions). */
  transparency?: LogEvidence;
}

/** Why a record of a move stays at the old operator. */
export type StayReason = 'shared' | 'not_consent' | 'service_unknown' | 'not_recreated';

/** What became of one record of a move. */
export interface MoveItem {
  old: string;
  client_id: string;
  /** `moved` (active here), `reconfirm` (waiting for the citizen here), `stays` (not moved), `archived` (history only). */
  outcome: 'moved' | 'reconfirm' | 'stays' | 'archived';
  new?: string;
  reason?: string;
  /** Why it stays, for the citizen's page in their language (`reason` is the same in English, for API clients). */
  reason_code?: StayReason;
  /** The old operator confirmed it marked the old record moved. */
  handed_over?: boolean;
  /** The old operator refused the hand-over (e.g. the record was withdrawn there meanwhile); final. */
  hand_over_refused?: string;
}

/** A move with its progress, as the citizen sees it. */
export interface MoveView {
  move_id: string;
  direction: 'in' | 'out';
  peer: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  done: number;
  items: MoveItem[];
  /** Identities of the old keychain this operator does not offer: they did not come along (the citizen links others here). */
  left_behind: Array<{ iss: string; idp: string; name: string | null }>;
  created_at: string;
  updated_at: string;
}

/** What an import would do, shown before the citizen agrees to it (nothing is created yet). */
export interface MovePreview {
  move_id: string;
  peer: string;
  total: number;
  /** Each record's outcome if the import ran now (no `new` ids yet). */
  items: MoveItem[];
  left_behind: MoveView['left_behind'];
}

/** Signs a portability payload as a compact JWS with the given `typ`. */
export async function signPortability(payload: object, typ: string, key: SigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .sign(key.privateKey);
}
