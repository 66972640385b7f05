/**
 * The gateway as a client of its operators' APIs: every call (consent feed, access reports,
 * witness) goes to an endpoint named in the operator's RFC 8414 metadata, with the
 * gateway's own DPoP-bound API token (client credentials, `private_key_jwt`) and a fresh DPoP
 * proof for that method and URL. A 401 drops the cached token, so the next call gets a new one.
 */
import { createDpopProof } from '../../shared/oauth/dpop.ts';
import type { OperatorDirectory } from './operator-directory.ts';

/** The operator endpoints the gateway calls (metadata member names). */
export type OperatorEndpoint =
  'consent_feed_endpoint' | 'access_report_endpoint' | 'access_proof_endpoint' | 'witness_add_checkpoint_endpoint';

/** One call to an operator endpoint. */
export interface OperatorRequest {
  method: 'GET' | 'POST';
  /** Added to the authorization and DPoP headers. */
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Query parameters appended to the endpoint URL (repeated names allowed). */
  query?: Array<[string, string]>;
  signal: AbortSignal;
}

/** Makes DPoP-signed, client-authenticated calls to the admitted operators. */
export class OperatorClient {
  /** The operators and their metadata, keys and the gateway's tokens there. */
  readonly directory: OperatorDirectory;

  constructor(directory: OperatorDirectory) {
    this.directory = directory;
  }

  /**
   * Calls `endpoint` of operator `iss`. Rejects when the operator does not publish it or
   * cannot be reached; any HTTP status resolves (the caller decides what it means).
   *
   * @example const res = await operators.call(iss, 'access_report_endpoint', { method: 'POST', body, signal });
   */
  async call(iss: string, endpoint: OperatorEndpoint, request: OperatorRequest): Promise<Response> {
    const { metadata } = await this.directory.resolve(iss);
    const base = metadata[endpoint];
    if (typeof base !== 'string') throw new Error(`operator ${iss} has no ${endpoint}`);
    const url = new URL(base);
    for (const [name, value] of request.query ?? []) url.searchParams.append(name, value);
    const token = await this.directory.gatewayToken(iss);
    const res = await fetch(url, {
      method: request.method,
      headers: {
        ...request.headers,
        authorization: `DPoP ${token}`,
        dpop: await createDpopProof(this.directory.dpopKey, request.method, url.href, token),
      },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: request.signal,
    });
    if (res.status === 401) this.directory.dropToken(iss);
    return res;
  }
}
