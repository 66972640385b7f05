/**
 * The City's "Customer Fee Unit" as a demo data-using service. For a child's daycare
 * application it asks both guardians for consent asynchronously, each at the operator
 * of their choice (one request with `all_activators_activate` when both use the same
 * operator), hears about decisions by signed webhooks (SETs), reads each parent's income
 * through the gateway with DPoP-bound tokens, and computes the monthly fee. Without both
 * consents the family falls back to the paper process, and the service says so plainly.
 *
 * The parts: `applications.ts` (what moves an application on), `operator-client.ts` (calls
 * to operators and the gateway), `case-status.ts` (where a case stands), `fee.routes.ts` (JSON API
 * and webhook), `fee-pages.ts` and `application.view.ts` (the family's pages), `case-list.ts` (the
 * City employee's list), `fee-layout.ts` and `fee-i18n.ts` (page frame, error pages, fi/sv/en) and
 * `fee-formula.ts` (the fee itself).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createDpopKey } from '../../shared/oauth/dpop.ts';
import type { ClientCredentials } from '../../shared/oauth/oauth-client.ts';
import { createApplicationBook, type Application } from './applications.ts';
import { registerCaseList } from './case-list.ts';
import { registerErrorPages } from './fee-layout.ts';
import { registerFeePages, type OperatorChoice } from './fee-pages.ts';
import { FEE_CLIENT_ID, registerFeeApi } from './fee.routes.ts';
import { createOperatorClient, type ConsentRequestAnswer, type OperatorClient } from './operator-client.ts';

/** How the demo world configures the service. */
export interface FeeServiceOptions {
  publicUrl: string;
  /** Resource URI of the Incomes Register at the gateway. */
  incomesResource: string;
  /** Operators a family can choose from in the form (issuer and its display names). */
  operators?: OperatorChoice[];
  /** The token that opens the City employee's case list (`/staff`); without one the list is off. */
  staffToken?: string;
}

/** The running service's app and the handles demos and tests drive it with. */
export interface FeeService {
  app: FastifyInstance;
  jwks: { keys: JWK[] };
  applications: Map<string, Application>;
  /** Resolves when the application's status changes. */
  waitFor(id: string, predicate: (a: Application) => boolean, timeoutMs?: number): Promise<Application>;
  /** Asks the operators for an application's live records and moves it on (as a look at its page does). */
  refresh(id: string, maxAgeMs?: number): Promise<void>;
  /** Reads both guardians' incomes again (e.g. to check a renewal); returns the statuses. */
  readIncomes(id: string): Promise<number[]>;
  /** Files any consent request of this service at an operator (demo and test use). */
  fileRequest(issuer: string, body: Record<string, unknown>): Promise<ConsentRequestAnswer>;
  /** Reads `operation` of a source for a record's subject with a fresh DPoP-bound token. */
  read: OperatorClient['read'];
}

/** Builds the demo service (keys are generated at start). */
export async function createFeeService(o: FeeServiceOptions): Promise<FeeService> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `fee-${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const credentials: ClientCredentials = { clientId: FEE_CLIENT_ID, key: { privateKey, alg: 'ES256', kid } };
  const client = createOperatorClient(credentials, await createDpopKey(), o.incomesResource);
  const book = createApplicationBook(client);
  const app = Fastify({ logger: false });
  registerFeeApi(app, { jwks, book, client });
  registerErrorPages(app);
  registerFeePages(app, book, o.operators ?? []);
  registerCaseList(app, book, o.staffToken);
  return {
    app,
    jwks,
    applications: book.applications,
    readIncomes: book.readIncomes,
    refresh: book.refresh,
    read: client.read,
    fileRequest: (issuer, body) => client.fileRequest(issuer, body),
    waitFor: book.waitFor,
  };
}
