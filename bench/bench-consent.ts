/**
 * A bench service's consent and source token: files an automatically activated request for
 * one person at the operator, then asks for a DPoP-bound token to read two income attributes.
 */
import type { CryptoKey } from 'jose';
import { createDpopKey, createDpopProof, type DpopKey } from '../src/shared/oauth/dpop.ts';
import { clientCredentialsToken, discover } from '../src/shared/oauth/oauth-client.ts';

export async function benchConsent(o: {
  issuer: string;
  clientId: string;
  privateKey: CryptoKey;
  person: string;
  resource: string;
}): Promise<{ dpop: DpopKey; token: string; recordId: string }> {
  const meta = await discover(o.issuer);
  const client = { clientId: o.clientId, key: { privateKey: o.privateKey, alg: 'ES256', kid: 'svc-1' } };
  const dpop = await createDpopKey();
  const api = (await clientCredentialsToken(meta, client, dpop, { scope: 'consent_request', resource: `${o.issuer}/api` })).access_token;
  const reqUrl = `${o.issuer}/api/consent-requests`;
  const filed = await fetch(reqUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `DPoP ${api}`, dpop: await createDpopProof(dpop, 'POST', reqUrl, api) },
    body: JSON.stringify({
      subjects: [{ identifier_type: 'fi_hetu', identifier: o.person }],
      activation_mode: 'automatically_activated',
      purpose: 'https://w3id.org/dpv#ServiceProvision',
    }),
  });
  const recordId = ((await filed.json()) as { record_id: string }).record_id;
  const details = [
    {
      type: 'personal_data_access',
      locations: [o.resource],
      actions: ['read'],
      datatypes: ['annual_income', 'income_year'],
      consent_record_id: recordId,
    },
  ];
  const token = (await clientCredentialsToken(meta, client, dpop, { resource: o.resource, authorization_details: JSON.stringify(details) }))
    .access_token;
  return { dpop, token, recordId };
}
