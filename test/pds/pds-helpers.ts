/**
 * Helpers for personal data store tests: a configuration, a depositor with its own keys
 * (JWKS in a temp file), signed deposits, and a running store on an ephemeral port.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createPersonalDataStore, type PersonalDataStore } from '../../src/pds/pds.ts';
import type { PdsDatabase } from '../../src/pds/pds.tables.ts';
import type { PersonalDataStoreConfig } from '../../src/shared/config.schema.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { tempDir } from '../helpers/stores.ts';

export interface Depositor {
  id: string;
  privateKey: CryptoKey;
  jwksFile: string;
}

/** A depositor with a fresh ES256 key, its public JWKS written to a file. */
export async function createDepositor(id: string): Promise<Depositor> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwksFile = join(tempDir(), `${id}.jwks.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: `${id}-1`, alg: 'ES256', use: 'sig' }] }));
  return { id, privateKey, jwksFile };
}

/** Signs a deposit as `depositor` (override anything for hostile cases). */
export async function signDeposit(
  depositor: Pick<Depositor, 'id' | 'privateKey'>,
  claims: { identifier: string; category: string; document: unknown; correctable?: string[]; identifier_type?: string },
  opts: { typ?: string; iat?: number; kid?: string } = {},
): Promise<string> {
  return new SignJWT({ identifier_type: 'fi_hetu', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? `${depositor.id}-1`, typ: opts.typ ?? 'pds-deposit+jwt' })
    .setIssuer(depositor.id)
    .setIssuedAt(opts.iat ?? Math.floor(Date.now() / 1000))
    .sign(depositor.privateKey);
}

export const newKek = (): string => randomBytes(32).toString('base64');

/** A store configuration with an income statement and a basic-info category. */
export function pdsConfig(depositors: Depositor[], extra: Partial<PersonalDataStoreConfig> = {}): PersonalDataStoreConfig {
  return {
    name: 'pds',
    listen: { host: '127.0.0.1', port: 0 },
    public_url: 'http://127.0.0.1:0',
    identifier_type: 'fi_hetu',
    keks: [{ id: 'kek-1', key: newKek() }],
    upstream_token: 'gateway-upstream-token-0123456789',
    categories: [
      {
        id: 'tax-decision',
        label: { fi: 'Verotuspäätös', sv: 'Beskattningsbeslut', en: 'Tax decision' },
        attributes: {
          tax_year: '/tax_year',
          earned_income: '/earned_income',
          employer: '/employer',
          postal_code: '/postal_code',
          birth_date: '/birth_date',
        },
        labels: {
          '/tax_year': { fi: 'Verovuosi', sv: 'Skatteår', en: 'Tax year' },
          '/earned_income': { fi: 'Ansiotulot (€)', sv: 'Förvärvsinkomster (€)', en: 'Earned income (€)' },
          '/employer': { fi: 'Työnantaja', sv: 'Arbetsgivare', en: 'Employer' },
          '/postal_code': { fi: 'Postinumero', sv: 'Postnummer', en: 'Postal code' },
          '/birth_date': { fi: 'Syntymäaika', sv: 'Födelsedatum', en: 'Date of birth' },
          '/refund_account': { fi: 'Veronpalautustili', sv: 'Konto för skatteåterbäring', en: 'Tax refund account' },
        },
      },
      { id: 'diploma', label: { fi: 'Tutkintotodistus', sv: 'Examensbetyg', en: 'Diploma' }, attributes: { degree: '/degree' } },
    ],
    depositors: depositors.map((d) => ({
      id: d.id,
      name: { fi: d.id, sv: d.id, en: d.id },
      jwks_file: d.jwksFile,
      categories: ['tax-decision'],
    })),
    trusted_operators: [],
    aggregate_services: [],
    ...extra,
  };
}

export interface RunningPds extends PersonalDataStore {
  url: string;
}

/** Opens the store at `location` and listens on an ephemeral port. */
export async function startPds(config: PersonalDataStoreConfig, location: StoreLocation, port = 0): Promise<RunningPds> {
  const store = await openStore<PdsDatabase>(location);
  const pds = await createPersonalDataStore({ config, store, logLevel: 'silent' });
  await pds.app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${(pds.app.server.address() as { port: number }).port}`;
  return {
    ...pds,
    url,
    async close() {
      await pds.close();
      await store.close();
    },
  };
}

/** POSTs a deposit. */
export function postDeposit(url: string, jws: string): Promise<Response> {
  return fetch(`${url}/deposits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deposit: jws }),
  });
}
