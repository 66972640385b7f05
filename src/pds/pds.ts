/**
 * Composition of one personal data store: store, keyring, vault, deposit verifier,
 * citizen authenticator, routes. The one place where the store is wired.
 */
import { apiErrorPage } from '../web/api-error-page.ts';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loggerOptions } from '../shared/logger.ts';
import type { PersonalDataStoreConfig } from '../shared/config.schema.ts';
import { createHttpServer } from '../shared/http-server.ts';
import { migrateToLatest, ping, type Store } from '../store/database.ts';
import { CitizenAuthenticator } from './citizen-auth.ts';
import { DepositVerifier } from './deposits.ts';
import { Keyring } from './pds-crypto.ts';
import { registerPdsRoutes } from './pds.routes.ts';
import { PdsService } from './pds.service.ts';
import { pdsMigrations, type PdsDatabase } from './pds.tables.ts';
import { openVault } from './vault.ts';

/** A built personal data store: its app, its service, and how to close it. */
export interface PersonalDataStore {
  app: FastifyInstance;
  service: PdsService;
  close(): Promise<void>;
}

/** Builds a store; call `app.listen` afterwards. */
export async function createPersonalDataStore(options: {
  config: PersonalDataStoreConfig;
  store: Store<PdsDatabase>;
  logLevel?: string;
}): Promise<PersonalDataStore> {
  const { config, store } = options;
  await migrateToLatest(store, pdsMigrations);
  const keyring = new Keyring(config.keks);
  const vault = await openVault(store, keyring, config.identifier_type);
  const service = new PdsService(config, vault, new DepositVerifier(config));
  const name = `portti-pds (${config.name})`;
  const app = await createHttpServer({
    name,
    errorPage: apiErrorPage('Portti personal data store'),
    description:
      'Portti personal data store: encrypted per-person documents, verified deposits, citizen corrections, k-anonymous aggregates.',
    // the gateway's read path carries the person's identifier: never log it
    logger: pino({
      ...loggerOptions(options.logLevel, name),
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: redactIdentifiers(req.url) }) },
    }),
  });
  app.addReadinessCheck('store', () => ping(store));
  app.addReadinessCheck('keys', async () => {
    const missing = (await vault.kekIdsInUse()).filter((id) => !keyring.has(id));
    if (missing.length > 0) throw new Error(`key-encryption keys in use but not configured: ${missing.join(', ')}`);
  });
  registerPdsRoutes(app, { pds: service, citizens: new CitizenAuthenticator(config) });
  return {
    app,
    service,
    async close() {
      await app.close();
    },
  };
}

/** `/persons/<identifier>/…` with the identifier replaced, for logs. */
export function redactIdentifiers(url: string): string {
  return url.replace(/^\/persons\/[^/?]*/, '/persons/[redacted]');
}
