/**
 * The operator's database: the tables of its features, each defined (with its migrations)
 * in the feature that owns it and queried only by that feature's repository. Here they are
 * put together: `OperatorDatabase` is every feature's table map, `operatorMigrations` every
 * feature's migration parts under the names existing stores have applied.
 */
import { sql } from 'kysely';
import type { MigrationSet } from '../store/database.ts';
import { composeMigrations } from '../store/migrations.ts';
import type { SigningKeysTable } from '../store/keys.ts';
import { createSigningKeysTable } from '../store/keys.ts';
import { accountsMigrations, type AccountsDatabase } from './accounts/accounts.tables.ts';
import { arrangementsMigrations, type ArrangementsDatabase } from './arrangements/arrangements.tables.ts';
import { consentMigrations, type ConsentDatabase } from './consent/consent.tables.ts';
import { feedMigrations, type FeedDatabase } from './feed/feed.tables.ts';
import { receiptsMigrations, type ReceiptsDatabase } from './consent/receipts.tables.ts';
import { mandatesMigrations, type MandatesDatabase } from './mandates/mandates.tables.ts';
import { notificationsMigrations, type NotificationsDatabase } from './notifications/notifications.tables.ts';
import { oidcStoreMigrations, type OidcStoreDatabase } from './oauth/oidc-store.tables.ts';
import { tokenRevocationsMigrations, type TokenRevocationsDatabase } from './oauth/token-revocations.tables.ts';
import { portabilityMigrations, type PortabilityDatabase } from './portability/portability.tables.ts';
import { registrationMigrations, type RegistrationDatabase } from './registration/registration.tables.ts';
import { registryMigrations, type RegistryDatabase } from './registry/registry.tables.ts';
import { accessLogMigrations, type AccessLogDatabase } from './transparency/access-log.tables.ts';
import { webhooksMigrations, type WebhooksDatabase } from './webhooks/webhooks.tables.ts';
import { witnessMigrations, type WitnessDatabase } from './witness/witness.tables.ts';

/** Every table of the operator's store. */
export interface OperatorDatabase
  extends
    AccountsDatabase,
    RegistryDatabase,
    ConsentDatabase,
    FeedDatabase,
    ReceiptsDatabase,
    AccessLogDatabase,
    WebhooksDatabase,
    OidcStoreDatabase,
    TokenRevocationsDatabase,
    ArrangementsDatabase,
    PortabilityDatabase,
    WitnessDatabase,
    NotificationsDatabase,
    RegistrationDatabase,
    MandatesDatabase {
  signing_keys: SigningKeysTable;
}

/** The operator's signing keys (read and rotated by store/keys.ts). */
const signingKeysMigrations: MigrationSet = (dialect) => ({
  '0001_initial': {
    up: (db) => createSigningKeysTable(db, dialect),
    async down(db) {
      await sql`drop table if exists ${sql.table('signing_keys')}`.execute(db);
    },
  },
});

/**
 * Operator migrations, applied at start and by `portti migrate`. The order is the features'
 * order within each named migration (`down` runs it backwards); a feature comes before any
 * feature whose tables reference its own.
 */
export const operatorMigrations: MigrationSet = composeMigrations(
  signingKeysMigrations,
  accountsMigrations,
  registryMigrations,
  consentMigrations,
  feedMigrations,
  receiptsMigrations,
  accessLogMigrations,
  webhooksMigrations,
  oidcStoreMigrations,
  tokenRevocationsMigrations,
  arrangementsMigrations,
  portabilityMigrations,
  witnessMigrations,
  notificationsMigrations,
  registrationMigrations,
  mandatesMigrations,
);
