/**
 * The operator's service and source registry. Services are OAuth clients with a data
 * agreement (stored as ODRL); gateways are clients that read the consent feed of named
 * sources. Client metadata for oidc-provider is derived from here.
 */
import type { Kysely } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import { buildAgreement } from '../../core/odrl.ts';
import { ProblemError } from '../../shared/errors.ts';
import { outboundUrlProblem } from '../../shared/outbound-url.ts';
import {
  clientDefinitions,
  clientIds,
  clientRow,
  clientSummaries,
  setClientStatus,
  sourceRows,
  upsertClient,
  upsertSource,
} from './registry.repository.ts';
import type { GatewayClientDefinition, RegistryFile, RegistrySource, ServiceDefinition } from './registry.schema.ts';
import type { RegistryDatabase } from './registry.tables.ts';

/** A registered source with its attribute catalogue. */
export type SourceEntry = RegistrySource;

/** A registered service or gateway, parsed. */
export interface ServiceEntry {
  client_id: string;
  kind: string;
  status: string;
  definition: ServiceDefinition | (GatewayClientDefinition & { kind: 'gateway' });
  agreement: unknown;
  webhook_url: string | null;
}

/** A client's name and definition as stored (JSON), for lists that show many records. */
export interface ServiceSummary {
  client_id: string;
  name: string;
  definition: string;
}

const API_SCOPES = { service: 'consent_request', gateway: 'consent_feed access_report' };

/** A client's status: only `active` ones get tokens (`pending` and `refused`: self-registered, under review). */
export type ClientStatus = 'active' | 'suspended' | 'pending' | 'refused';

/** Registry of sources, services and gateways of one operator. */
export class Registry {
  private readonly db: Kysely<RegistryDatabase>;
  private readonly issuer: string;
  private jwksUris = new Set<string>();

  constructor(db: Kysely<RegistryDatabase>, issuer: string) {
    this.db = db;
    this.issuer = issuer;
  }

  /** Adds or replaces a source and its attribute catalogue. */
  async putSource(source: RegistrySource): Promise<void> {
    await upsertSource(this.db, {
      source_id: source.id,
      resource: source.resource,
      name: JSON.stringify(source.name),
      identifier_type: source.identifier_type,
      attributes: JSON.stringify({ attributes: source.attributes, correction_url: source.correction_url ?? null }),
    });
  }

  /** Every registered source, by id. */
  async sources(): Promise<SourceEntry[]> {
    const rows = await sourceRows(this.db);
    return rows.map((r) => {
      const extra = JSON.parse(r.attributes) as { attributes: SourceEntry['attributes']; correction_url: string | null };
      return {
        id: r.source_id,
        resource: r.resource,
        name: JSON.parse(r.name) as SourceEntry['name'],
        identifier_type: r.identifier_type,
        attributes: extra.attributes,
        ...(extra.correction_url ? { correction_url: extra.correction_url } : {}),
      };
    });
  }

  async sourceById(id: string): Promise<SourceEntry | undefined> {
    return (await this.sources()).find((s) => s.id === id);
  }

  async sourceByResource(resource: string): Promise<SourceEntry | undefined> {
    return (await this.sources()).find((s) => s.resource === resource);
  }

  /**
   * Adds or replaces a service. Every attribute must exist in a registered source;
   * the ODRL Agreement is derived and stored with it. A new service gets `status` (an existing one keeps its own).
   */
  async putService(service: ServiceDefinition, now = Date.now(), status: ClientStatus = 'active'): Promise<void> {
    if (!service.jwks && !service.jwks_uri)
      throw new ProblemError(400, 'validation_failed', `service ${service.client_id} needs jwks or jwks_uri`);
    refuseOutbound(`service ${service.client_id}: jwks_uri`, service.jwks_uri);
    refuseOutbound(`service ${service.client_id}: webhook_url`, service.webhook_url);
    const sources = new Map((await this.sources()).map((s) => [s.id, s]));
    const purposes = service.purposes.map((p) => ({
      purpose: p.purpose,
      lawful_basis: p.lawful_basis,
      retention_period: p.retention_period,
      recipients: p.recipients,
      attributes: p.attributes.map((a) => {
        const source = sources.get(a.source);
        if (!source) throw new ProblemError(400, 'validation_failed', `service ${service.client_id}: unknown source "${a.source}"`);
        if (!source.attributes.some((x) => x.id === a.id)) {
          throw new ProblemError(400, 'validation_failed', `service ${service.client_id}: source "${a.source}" has no attribute "${a.id}"`);
        }
        return { resource: source.resource, id: a.id, required: a.required };
      }),
    }));
    const agreement = buildAgreement({
      uid: `${this.issuer}/services/${encodeURIComponent(service.client_id)}/agreement`,
      operator: this.issuer,
      clientId: service.client_id,
      controller: service.controller.name,
      purposes,
    });
    await this.upsertClient(service.client_id, service.kind, service, agreement, service.webhook_url ?? null, now, status);
  }

  /** Adds or replaces a gateway client (reads the feed of the named sources). */
  async putGateway(gateway: GatewayClientDefinition, now = Date.now()): Promise<void> {
    if (!gateway.jwks && !gateway.jwks_uri)
      throw new ProblemError(400, 'validation_failed', `gateway ${gateway.client_id} needs jwks or jwks_uri`);
    refuseOutbound(`gateway ${gateway.client_id}: jwks_uri`, gateway.jwks_uri);
    const known = new Set((await this.sources()).map((s) => s.id));
    const unknown = gateway.sources.filter((s) => !known.has(s));
    if (unknown.length > 0)
      throw new ProblemError(400, 'validation_failed', `gateway ${gateway.client_id}: unknown sources ${unknown.join(', ')}`);
    await this.upsertClient(gateway.client_id, 'gateway', { ...gateway, kind: 'gateway' }, null, null, now);
  }

  private async upsertClient(
    clientId: string,
    kind: string,
    definition: unknown,
    agreement: unknown,
    webhook: string | null,
    now: number,
    status: ClientStatus = 'active',
  ) {
    const row = {
      name: JSON.stringify((definition as { name: unknown }).name),
      kind,
      status,
      definition: JSON.stringify(definition),
      agreement: JSON.stringify(agreement),
      webhook_url: webhook,
      updated_at: now,
    };
    await upsertClient(this.db, clientId, row, now);
    await this.refreshJwksUris();
  }

  /**
   * Suspends or resumes a service or gateway: a suspended client gets no tokens (oidc-provider
   * finds no such client); its tokens already issued are revoked by the caller. 404 for an unknown client.
   */
  async setStatus(clientId: string, status: ClientStatus, now = Date.now()): Promise<void> {
    if (!(await setClientStatus(this.db, clientId, status, now))) throw new ProblemError(404, 'not_found', `no client ${clientId}`);
  }

  /** Applies a whole registry file (sources first, then services and gateways). */
  async apply(file: RegistryFile): Promise<void> {
    for (const s of file.sources) await this.putSource(s);
    for (const s of file.services) await this.putService(s);
    for (const g of file.gateways) await this.putGateway(g);
  }

  /** A registered service or gateway, or undefined. */
  async service(clientId: string): Promise<ServiceEntry | undefined> {
    const r = await clientRow(this.db, clientId);
    if (!r) return undefined;
    return {
      client_id: r.client_id,
      kind: r.kind,
      status: r.status,
      definition: JSON.parse(r.definition) as ServiceEntry['definition'],
      agreement: JSON.parse(r.agreement) as unknown,
      webhook_url: r.webhook_url,
    };
  }

  /** Every registered service and gateway, by client id. */
  async services(): Promise<ServiceEntry[]> {
    const ids = await clientIds(this.db);
    return (await Promise.all(ids.map((id) => this.service(id)))).filter((s): s is ServiceEntry => s !== undefined);
  }

  /** Name and definition (both JSON, unparsed) of the named clients, by client id: lists of many records read them at once. */
  /** Every service's display name by client id (fi/sv/en). */
  async serviceNames(): Promise<Record<string, Record<'fi' | 'sv' | 'en', string>>> {
    const out: Record<string, Record<'fi' | 'sv' | 'en', string>> = {};
    for (const s of await this.services()) {
      const name = (s.definition as { name?: unknown }).name;
      if (typeof name === 'object' && name !== null) out[s.client_id] = name as Record<'fi' | 'sv' | 'en', string>;
    }
    return out;
  }

  async summaries(ids: string[]): Promise<Map<string, ServiceSummary>> {
    return new Map((await clientSummaries(this.db, ids)).map((r) => [r.client_id, r]));
  }

  /** True when `url` is the registered jwks_uri of a service or gateway (admin-vetted). */
  isRegisteredJwksUri(url: string): boolean {
    return this.jwksUris.has(url);
  }

  /** Refreshes the set of registered jwks_uri values. */
  async refreshJwksUris(): Promise<void> {
    const definitions = await clientDefinitions(this.db);
    this.jwksUris = new Set(
      definitions.map((d) => (JSON.parse(d) as { jwks_uri?: string }).jwks_uri).filter((u): u is string => typeof u === 'string'),
    );
  }

  /** oidc-provider client metadata for a registered service or gateway. */
  async clientMetadata(clientId: string): Promise<AdapterPayload | undefined> {
    const entry = await this.service(clientId);
    if (!entry || entry.status !== 'active') return undefined;
    const d = entry.definition;
    const keys = d.jwks ? { jwks: d.jwks } : { jwks_uri: d.jwks_uri };
    const common = {
      client_id: clientId,
      // no token_endpoint_auth_signing_alg: any advertised alg its registered key signs with
      token_endpoint_auth_method: 'private_key_jwt',
      dpop_bound_access_tokens: true,
      ...keys,
    };
    if (d.kind === 'gateway') {
      return {
        ...common,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: API_SCOPES.gateway,
      } as AdapterPayload;
    }
    const service = d as ServiceDefinition;
    const interactive = service.redirect_uris.length > 0;
    const binding =
      service.sender_constraint === 'mtls' ? { dpop_bound_access_tokens: false, tls_client_certificate_bound_access_tokens: true } : {};
    return {
      ...common,
      ...binding,
      grant_types: interactive ? ['client_credentials', 'authorization_code'] : ['client_credentials'],
      response_types: interactive ? ['code'] : [],
      redirect_uris: service.redirect_uris,
      scope: API_SCOPES.service,
      authorization_details_types: ['personal_data_access'],
      ...(interactive ? { require_pushed_authorization_requests: true } : {}),
    } as AdapterPayload;
  }
}

/** The operator fetches registered jwks_uri and webhook_url values: the SSRF policy applies. */
function refuseOutbound(what: string, url: string | undefined): void {
  const problem = url === undefined ? undefined : outboundUrlProblem(url);
  if (problem) throw new ProblemError(400, 'validation_failed', `${what} ${problem}`);
}
