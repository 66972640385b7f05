/**
 * What the steps of a move share: the operator's collaborators (accounts, consents,
 * registry, arrangements, access log), its key, the trust group in force and the peers' keys
 * (cached per issuer).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { SigningKey } from '../../store/keys.ts';
import type { TrustGroupDocument } from '../../trust/trust-group.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { Arrangements } from '../arrangements/arrangements.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { ConsentDatabase } from '../consent/consent.tables.ts';
import type { ReceiptsDatabase } from '../consent/receipts.tables.ts';
import type { Registry } from '../registry/registry.ts';
import type { AccessReports } from '../transparency/access-reports.ts';
import type { Witness } from '../witness/witness.ts';
import type { PortabilityDatabase } from './portability.tables.ts';

/** The tables a move reads and writes: moves, and the records and receipts it carries. */
export interface PortabilityStoreDatabase extends PortabilityDatabase, ConsentDatabase, ReceiptsDatabase {}

/** The collaborators of portability, given by the composition root. */
export interface PortabilityOptions {
  db: Kysely<PortabilityStoreDatabase>;
  issuer: string;
  signingKey: () => SigningKey;
  accounts: Accounts;
  consents: ConsentService;
  registry: Registry;
  arrangements: Arrangements;
  accessReports: AccessReports;
  /** Issuers of the identity providers this operator offers (a keychain's other identities cannot come along). */
  identityIssuers: string[];
  /** This operator's witness: the evidence a bundle's access records carry. */
  witness: Pick<Witness, 'evidence'>;
  /** The trust group in force (members may send bundles here; its rulebook says what to re-ask). */
  trustGroup: () => TrustGroupDocument | undefined;
  log: FastifyBaseLogger;
  /** Told when a move here completed (notifications/). */
  onMoved?: (accountId: string, moveId: string) => Promise<void>;
}

/** The options plus the peer keys the Portability instance caches. */
export interface PortabilityContext extends PortabilityOptions {
  /** Keys of a peer operator, from its RFC 8414 metadata (cached per issuer). */
  peerKeys(issuer: string): Promise<JWTVerifyGetKey>;
}
