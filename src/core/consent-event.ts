/**
 * What a consent event says about a record: its status and its data subjects as a gateway
 * needs them. The feed protocol that carries these events is in consent-feed.ts.
 */

/** Statuses of a consent record (PROFILE), plus `moved` for records handed to another operator. */
export type ConsentStatus = 'pending' | 'active' | 'declined' | 'suspended' | 'withdrawn' | 'expired' | 'moved';

/** One data subject of a record as a gateway needs it. */
export interface ReplicaSubject {
  /** Opaque party reference inside the record; what services name in `?subject=`. */
  ref: string;
  identifier_type: string;
  identifier: string;
  /** Attribute ids this subject's deciders allowed for this source. */
  datatypes: string[];
}
