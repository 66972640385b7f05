/**
 * The export on an operator's store without its server, for `portti export`: the features the
 * export reads, built on the store the way operator.ts builds them (no routes, no background
 * jobs). The data store is asked over HTTP as usual, so it must be reachable (the export says
 * `unavailable` otherwise).
 */
import { pino } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import type { OperatorConfig } from '../../shared/config.schema.ts';
import type { Store } from '../../store/database.ts';
import { openKeyRing } from '../../store/keys.ts';
import { Accounts } from '../accounts/accounts.ts';
import { Arrangements } from '../arrangements/arrangements.ts';
import { CitizenService } from '../citizen/citizen.service.ts';
import { ConsentService } from '../consent/consent.service.ts';
import { pdsClientOf } from '../datastore/pds-client.ts';
import type { OperatorDatabase } from '../operator.tables.ts';
import { Registry } from '../registry/registry.ts';
import { AccessReports } from '../transparency/access-reports.ts';
import { Witness } from '../witness/witness.ts';
import { PersonalDataExport } from './personal-data-export.ts';

/** The export of an operator, on its (migrated) store. */
export async function offlineExport(store: Store<OperatorDatabase>, config: OperatorConfig): Promise<PersonalDataExport> {
  const { db, dialect } = store;
  const issuer = config.issuer.replace(/\/$/, '');
  const operatorName = config.display_name.en;
  const keys = await openKeyRing(db);
  const registry = new Registry(db, issuer);
  const accounts = new Accounts(db);
  const consents = new ConsentService({ db, registry, issuer, operatorName, signingKey: keys.current, dialect });
  const accessReports = new AccessReports(db, dialect);
  const citizens = new CitizenService({ db, accounts, consents, registry, accessReports });
  const arrangements = new Arrangements({ db, registry, accounts, trustGroupsFor: () => [] });
  const pds = pdsClientOf(config, issuer, keys);
  const witness = new Witness({ db, registry, log: pino({ level: 'silent' }), metrics: new MetricsRegistry() });
  await witness.open(issuer);
  return new PersonalDataExport({ db, issuer, operatorName, accounts, citizens, arrangements, accessReports, pds, witness });
}
