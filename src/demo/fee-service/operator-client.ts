/**
 * The Customer Fee Unit's client at MyData operators: discovery and signing keys once
 * per issuer, consent requests filed through the operator's service API, and reads of a
 * source through the gateway, each with a DPoP-bound client-credentials token. Tokens for
 * the incomes register are reused per consent record until shortly before they expire.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { PartyStatus } from '../../core/consent.ts';
import { createDpopProof, type DpopKey } from '../../shared/oauth/dpop.ts';
import {
  clientCredentialsToken,
  discover,
  type AuthorizationServerMetadata,
  type ClientCredentials,
} from '../../shared/oauth/oauth-client.ts';

/** What an operator answers to a consent request: the record, its sources' subjects and its parties. */
export interface ConsentRequestAnswer {
  record_id: string;
  status: string;
  sources: Array<{ source: string; subjects: Array<{ ref: string; datatypes: string[] }> }>;
  parties: Array<{ party_id: string; role: string; identifier?: string }>;
}

/** A consent record as the operator shows it to the service that filed it: its status and each party's decision. */
export interface RecordStatusAnswer {
  status: ConsentStatus;
  parties: Array<{ party_id: string; role: string; status: PartyStatus; identifier?: string }>;
}

/** One read of a guardian's income: the gateway's status and access id, the monthly gross income when read. */
export interface IncomeRead {
  status: number;
  accessId: string | null;
  monthlyIncome?: number;
}

/** The service's calls to operators and, with their tokens, to the gateway. */
export interface OperatorClient {
  /** The operator's metadata and signing keys (discovered on first use). */
  operator(issuer: string): Promise<{ meta: AuthorizationServerMetadata; keys: JWTVerifyGetKey }>;
  /** Files a consent request at the operator. Throws when the operator refuses it. */
  fileRequest(issuer: string, body: unknown): Promise<ConsentRequestAnswer>;
  /** A record this service filed, as the operator has it now. Throws when the operator does not answer 200. */
  record(issuer: string, recordId: string): Promise<RecordStatusAnswer>;
  /** Reads one subject's income under a consent record; a refused token counts as 403. */
  readIncome(issuer: string, recordId: string, subjectRef: string): Promise<IncomeRead>;
  /** Reads `operation` of a source for a record's subject with a fresh DPoP-bound token. */
  read(
    issuer: string,
    recordId: string,
    resource: string,
    operation: string,
    datatypes: string[],
    subject?: string,
  ): Promise<{ status: number; body: unknown }>;
}

/** Builds the client for the service's credentials, DPoP key and the incomes register's resource URI. */
export function createOperatorClient(client: ClientCredentials, dpop: DpopKey, incomesResource: string): OperatorClient {
  const operators = new Map<string, { meta: AuthorizationServerMetadata; keys: JWTVerifyGetKey }>();
  const tokens = new Map<string, { token: string; expires: number }>();

  async function operator(issuer: string) {
    let entry = operators.get(issuer);
    if (!entry) {
      const meta = await discover(issuer);
      entry = { meta, keys: createRemoteJWKSet(new URL(meta.jwks_uri)) };
      operators.set(issuer, entry);
    }
    return entry;
  }

  /** GETs `url` with the token and a fresh DPoP proof. */
  async function getWithToken(url: string, token: string): Promise<Response> {
    return fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(dpop, 'GET', url, token) } });
  }

  /** A token for the operator's service API. */
  async function apiToken(issuer: string): Promise<string> {
    const { meta } = await operator(issuer);
    const scope = { scope: 'consent_request', resource: `${issuer}/api` };
    return (await clientCredentialsToken(meta, client, dpop, scope)).access_token;
  }

  async function record(issuer: string, recordId: string): Promise<RecordStatusAnswer> {
    const token = await apiToken(issuer);
    const res = await getWithToken(`${issuer}/api/consents/${encodeURIComponent(recordId)}`, token);
    if (res.status !== 200) throw new Error(`${issuer} answered ${res.status} for record ${recordId}`);
    return res.json() as Promise<RecordStatusAnswer>;
  }

  async function fileRequest(issuer: string, body: unknown): Promise<ConsentRequestAnswer> {
    const token = await apiToken(issuer);
    const url = `${issuer}/api/consent-requests`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await createDpopProof(dpop, 'POST', url, token),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${issuer} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<ConsentRequestAnswer>;
  }

  /** A token for the incomes register under the record, reused until shortly before it expires, as a real service would. */
  async function incomesToken(meta: AuthorizationServerMetadata, recordId: string): Promise<string> {
    const cached = tokens.get(recordId);
    if (cached && cached.expires > Date.now() + 10_000) return cached.token;
    const res = await clientCredentialsToken(meta, client, dpop, {
      resource: incomesResource,
      authorization_details: JSON.stringify([
        {
          type: 'personal_data_access',
          locations: [incomesResource],
          actions: ['read'],
          datatypes: ['annual_income', 'income_year'],
          consent_record_id: recordId,
        },
      ]),
    });
    tokens.set(recordId, { token: res.access_token, expires: Date.now() + res.expires_in * 1000 });
    return res.access_token;
  }

  async function readIncome(issuer: string, recordId: string, subjectRef: string): Promise<IncomeRead> {
    const { meta } = await operator(issuer);
    const read: IncomeRead = { status: 0, accessId: null };
    try {
      const token = await incomesToken(meta, recordId);
      const res = await getWithToken(`${incomesResource}/income?subject=${encodeURIComponent(subjectRef)}`, token);
      read.status = res.status;
      read.accessId = res.headers.get('portti-access-id');
      if (res.ok) read.monthlyIncome = ((await res.json()) as { annual_income: { gross_eur: number } }).annual_income.gross_eur / 12;
    } catch {
      read.status = 403; // the operator refused to issue a token: the consent is not live
    }
    return read;
  }

  async function read(issuer: string, recordId: string, resource: string, operation: string, datatypes: string[], subject?: string) {
    const { meta } = await operator(issuer);
    let token: string;
    try {
      const details = [{ type: 'personal_data_access', locations: [resource], actions: ['read'], datatypes, consent_record_id: recordId }];
      token = (await clientCredentialsToken(meta, client, dpop, { resource, authorization_details: JSON.stringify(details) })).access_token;
    } catch (err) {
      return { status: 403, body: { error: (err as Error).message } };
    }
    const res = await getWithToken(`${resource}/${operation}${subject ? `?subject=${encodeURIComponent(subject)}` : ''}`, token);
    return { status: res.status, body: await res.json() };
  }

  return { operator, fileRequest, record, readIncome, read };
}
