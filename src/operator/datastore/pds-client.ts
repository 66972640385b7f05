/**
 * The operator's client of the citizen's personal data store. For each call it signs a
 * short-lived assertion (`pds-citizen+jwt`) with its own signing key naming the signed-in
 * citizen's identifier; the store verifies it against the operator's published keys.
 * Services never use this path: they read the store only through the gateway, under consent.
 */
import { signCitizenAssertion } from '../../pds/citizen-auth.ts';
import type { CitizenDocument } from '../../pds/pds.service.ts';
import type { OperatorConfig } from '../../shared/config.schema.ts';
import { ProblemError, type ProblemCode } from '../../shared/errors.ts';
import type { SigningKey } from '../../store/keys.ts';

type Localized = { fi: string; sv: string; en: string };

/** The store's public description (categories, depositors, aggregate services). */
export interface PdsMetadata {
  identifier_type: string;
  categories: Array<{
    id: string;
    label: Localized;
    attributes: Record<string, string | string[]>;
    /** JSON pointer (array positions left out) → label of that part of a document. */
    labels?: Record<string, Localized>;
    values?: Record<string, Localized>;
  }>;
  depositors: Array<{ id: string; name: Localized; categories: string[] }>;
  aggregate_services: Array<{ id: string; name: Localized; category: string; k_min: number; fields: string[] }>;
}

/** The operator's client of the citizen's personal data store. */
export class PdsClient {
  private readonly url: string;
  private readonly issuer: string;
  private readonly keys: () => SigningKey[];
  private meta: PdsMetadata | undefined;

  constructor(opts: { url: string; issuer: string; keys: () => SigningKey[] }) {
    this.url = opts.url.replace(/\/$/, '');
    this.issuer = opts.issuer;
    this.keys = opts.keys;
  }

  /** The store's metadata (cached after the first success). */
  async metadata(): Promise<PdsMetadata> {
    this.meta ??= (await this.call<PdsMetadata>('GET', '/metadata')) as PdsMetadata;
    return this.meta;
  }

  /** The identifier of the citizen the store knows them by (of the store's identifier type). */
  async identifierOf(identifiers: Array<{ identifier_type: string; identifier: string }>): Promise<string> {
    const type = (await this.metadata()).identifier_type;
    const id = identifiers.find((i) => i.identifier_type === type);
    if (!id) throw new ProblemError(409, 'conflict', 'your identity carries no identifier the data store uses; link one in your keychain');
    return id.identifier;
  }

  documents(identifier: string): Promise<{ documents: CitizenDocument[]; sharing: string[] }> {
    return this.call('GET', '/me/documents', identifier) as Promise<{ documents: CitizenDocument[]; sharing: string[] }>;
  }

  async correct(identifier: string, category: string, changes: Record<string, unknown>): Promise<void> {
    await this.call('PATCH', `/me/documents/${encodeURIComponent(category)}`, identifier, { changes });
  }

  async remove(identifier: string, category: string): Promise<void> {
    await this.call('DELETE', `/me/documents/${encodeURIComponent(category)}`, identifier);
  }

  async erase(identifier: string): Promise<void> {
    await this.call('DELETE', '/me', identifier);
  }

  async setSharing(identifier: string, services: string[]): Promise<void> {
    await this.call('PUT', '/me/sharing', identifier, { aggregate_services: services });
  }

  private async call<T>(method: string, path: string, identifier?: string, body?: unknown): Promise<T | undefined> {
    const headers: Record<string, string> = {};
    if (identifier !== undefined) {
      const key = this.keys()[0]!;
      const identifierType = (await this.metadata()).identifier_type;
      const assertion = await signCitizenAssertion({ issuer: this.issuer, audience: this.url, key, identifierType, identifier });
      headers.authorization = `Bearer ${assertion}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      throw new ProblemError(503, 'upstream_unavailable', 'the data store did not answer');
    }
    if (res.status === 204) return undefined;
    const json = (await res.json().catch(() => undefined)) as (T & { code?: ProblemCode; detail?: string }) | undefined;
    if (res.ok) return json;
    // the store's 4xx refusals are the citizen's to see; anything else is the store failing
    if (res.status < 500 && res.status !== 401 && json?.code)
      throw new ProblemError(res.status, json.code, json.detail ?? 'the data store refused');
    throw new ProblemError(502, 'upstream_error', 'the data store failed');
  }
}

/** The operator's client of its configured personal data store, if it has one. */
export function pdsClientOf(config: OperatorConfig, issuer: string, keys: { all: () => SigningKey[] }): PdsClient | undefined {
  const store = config.personal_data_store;
  return store ? new PdsClient({ url: store.url, issuer, keys: keys.all }) : undefined;
}
