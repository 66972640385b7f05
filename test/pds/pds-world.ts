/**
 * A real world with a personal data store behind the gateway: the test world's gateway and
 * two operators (`test/helpers/world.ts`), the store as source `pds`, operator A configured
 * as the store's trusted operator and shown on its "My data store" page, and a depositor.
 */
import { join } from 'node:path';
import { tempDir } from '../helpers/stores.ts';
import { freePort, startWorld, type World, type WorldOptions } from '../helpers/world.ts';
import type { PersonalDataStoreConfig } from '../../src/shared/config.schema.ts';
import { createDepositor, pdsConfig, signDeposit, startPds, type Depositor, type RunningPds } from './pds-helpers.ts';

export const UPSTREAM_TOKEN = 'gateway-upstream-token-0123456789';

export interface PdsWorld {
  world: World;
  pds: RunningPds;
  pdsUrl: string;
  tax: Depositor;
  /** The gateway resource of the store. */
  resource: string;
  /** Deposits a signed tax decision over HTTP; returns the response status. */
  deposit(identifier: string, document: Record<string, unknown>, correctable?: string[]): Promise<number>;
  close(): Promise<void>;
}

export async function startPdsWorld(extra: Partial<PersonalDataStoreConfig> = {}, worldOptions: WorldOptions = {}): Promise<PdsWorld> {
  const port = await freePort();
  const pdsUrl = `http://127.0.0.1:${port}`;
  const tax = await createDepositor('tax-administration');
  const world = await startWorld({
    ...worldOptions,
    extraSources: [
      {
        gateway: {
          id: 'pds',
          upstream: { base_url: pdsUrl, auth: { type: 'bearer', token: UPSTREAM_TOKEN }, timeout_ms: 2000, max_response_bytes: 1048576 },
          operations: [
            {
              name: 'tax-decision',
              method: 'GET',
              path: '/persons/{identifier}/tax-decision',
              identifier_type: 'fi_hetu',
              attributes: {
                tax_year: '/tax_year',
                earned_income: '/earned_income',
                employer: '/employer',
                postal_code: '/postal_code',
                provenance: '/_provenance/status',
              },
            },
          ],
        },
        registry: {
          id: 'pds',
          name: { fi: 'Tietovarasto', sv: 'Datalager', en: 'Data store' },
          identifier_type: 'fi_hetu',
          attributes: ['tax_year', 'earned_income', 'employer', 'postal_code', 'provenance'].map((id) => ({
            id,
            label: { fi: id, sv: id, en: id },
            category: 'https://w3id.org/dpv/pd#Tax',
            sensitivity: 'normal' as const,
          })),
        },
      },
    ],
    operatorConfig: { personal_data_store: { url: pdsUrl } },
  });
  const config = pdsConfig([tax], {
    public_url: pdsUrl,
    listen: { host: '127.0.0.1', port },
    trusted_operators: [{ issuer: world.issuers.a, jwks_url: `${world.issuers.a}/oauth/jwks` }],
    ...extra,
  });
  config.depositors[0]!.name = { fi: 'Verohallinto', sv: 'Skatteförvaltningen', en: 'Tax Administration' };
  const pds = await startPds(config, { kind: 'sqlite', path: join(tempDir(), 'pds.db') }, port);
  return {
    world,
    pds,
    pdsUrl,
    tax,
    resource: `${world.gatewayUrl}/sources/pds`,
    async deposit(identifier, document, correctable = []) {
      const res = await fetch(`${pdsUrl}/deposits`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: await signDeposit(tax, { identifier, category: 'tax-decision', document, correctable }),
      });
      return res.status;
    },
    async close() {
      await pds.close();
      await world.close();
    },
  };
}
