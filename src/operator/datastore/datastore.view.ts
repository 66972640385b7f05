/**
 * What the "my data store" page shows: the store's description and the citizen's
 * documents and sharing choices, as the operator fetched them for the citizen.
 */
import type { CitizenDocument } from '../../pds/pds.service.ts';
import type { PdsMetadata } from './pds-client.ts';

/** The "my data store" page of a signed-in citizen. */
export interface DatastoreView {
  meta: PdsMetadata;
  documents: CitizenDocument[];
  /** Aggregate services the citizen lets include them. */
  sharing: string[];
  csrf: string;
  /** True right after a change was saved. */
  saved: boolean;
}
