/**
 * "My data": the operator shows a citizen what a source holds about them, through the
 * gateway and under the citizen's own consent, like any other service would (GDPR Art. 15
 * insight without a side door). The operator acts as its own registered client
 * (`portti-insight`), records a consent for the citizen's click, reads every operation of
 * the source, and withdraws the consent again when done; all of it shows in the history.
 */
import { attrKey } from '../../core/consent.ts';
import type { ConsentService } from '../consent/consent.service.ts';
import type { Registry, SourceEntry } from '../registry/registry.ts';
import type { SigningKey } from '../../store/keys.ts';
import { publicJwks } from '../../store/keys.ts';
import { createDpopKey, createDpopProof, type DpopKey } from '../../shared/oauth/dpop.ts';
import { clientCredentialsToken, discover } from '../../shared/oauth/oauth-client.ts';
import { ProblemError } from '../../shared/errors.ts';

/** The client id the operator registers itself under to read a citizen's data. */
export const INSIGHT_CLIENT_ID = 'portti-insight';
const INSIGHT_PURPOSE = 'https://w3id.org/dpv#ServiceProvision';
const CONSENT = 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a';

/** What a source answered for each of its operations, under the record the click created. */
export interface InsightResult {
  source: SourceEntry;
  record_id: string;
  /** Each operation's answer, and where each attribute sits in it (JSON pointers, from the gateway's metadata). */
  operations: Array<{ name: string; status: number; data: unknown; pointers: Record<string, string[]> }>;
}

/** The collaborators of {@link Insight}. */
export interface InsightDeps {
  issuer: string;
  registry: Registry;
  consents: ConsentService;
  keys: () => SigningKey[];
}

/** The operator's insight client. */
export class Insight {
  private readonly deps: InsightDeps;
  private dpop: DpopKey | undefined;

  constructor(deps: InsightDeps) {
    this.deps = deps;
  }

  /** Registers (or refreshes) the insight client with every source and the current keys. */
  private async register(): Promise<void> {
    const sources = await this.deps.registry.sources();
    if (sources.length === 0) return;
    const label = { fi: 'Tietojesi näyttäminen sinulle', sv: 'Visa dina uppgifter för dig', en: 'Showing you your own data' };
    await this.deps.registry.putService({
      client_id: INSIGHT_CLIENT_ID,
      name: { fi: 'Omat tietoni -näkymä', sv: 'Vyn Mina uppgifter', en: 'My data view' },
      kind: 'operator_insight',
      controller: { name: this.deps.issuer },
      privacy_notice: `${this.deps.issuer}/dashboard`,
      jwks: publicJwks(this.deps.keys()) as never,
      redirect_uris: [],
      sender_constraint: 'dpop',
      purposes: [
        {
          purpose: INSIGHT_PURPOSE,
          label,
          lawful_basis: CONSENT,
          retention_period: 'PT0S',
          recipients: [],
          // optional, so that one click can ask for one source's attributes only
          attributes: sources.flatMap((s) => s.attributes.map((a) => ({ source: s.id, id: a.id, required: false }))),
        },
      ],
    });
  }

  /** Reads what `sourceId` holds about the account, under a consent the click expresses. */
  async show(
    accountId: string,
    identifiers: Array<{ identifier_type: string; identifier: string }>,
    sourceId: string,
    language = 'fi',
  ): Promise<InsightResult> {
    await this.register();
    const source = await this.deps.registry.sourceById(sourceId);
    if (!source) throw new ProblemError(404, 'not_found', `no source ${sourceId}`);
    const id = identifiers.find((i) => i.identifier_type === source.identifier_type);
    if (!id) throw new ProblemError(409, 'conflict', 'your identity carries no identifier this source uses; link one in your keychain');
    const { purposes } = await this.deps.consents.purposesFor(
      INSIGHT_CLIENT_ID,
      INSIGHT_PURPOSE,
      source.attributes.map((a) => ({ source: source.id, id: a.id })),
    );
    const chosen = purposes.flatMap((p) => p.pii_information.map(attrKey));
    const record = await this.deps.consents.createInteractive(INSIGHT_CLIENT_ID, accountId, id, purposes, chosen, { language });
    try {
      const operations = await this.readAll(source, record.record_id);
      return { source, record_id: record.record_id, operations };
    } finally {
      await this.deps.consents.withdraw(record.record_id, record.parties[0]!.party_id, `account:${accountId}`).catch(() => undefined);
    }
  }

  private async readAll(source: SourceEntry, recordId: string) {
    this.dpop ??= await createDpopKey();
    const key = this.deps.keys()[0]!;
    const meta = await discover(this.deps.issuer);
    const attributes = source.attributes.map((a) => a.id);
    const token = (
      await clientCredentialsToken(
        meta,
        { clientId: INSIGHT_CLIENT_ID, key: { privateKey: key.privateKey, alg: key.alg, kid: key.kid } },
        this.dpop,
        {
          resource: source.resource,
          authorization_details: JSON.stringify([
            {
              type: 'personal_data_access',
              locations: [source.resource],
              actions: ['read'],
              datatypes: attributes,
              consent_record_id: recordId,
            },
          ]),
        },
      )
    ).access_token;
    const resource = new URL(source.resource);
    const metadataUrl = `${resource.origin}/.well-known/oauth-protected-resource${resource.pathname}`;
    const prm = (await (await fetch(metadataUrl, { signal: AbortSignal.timeout(5000) })).json()) as {
      portti_operations?: Array<{ name: string; pointers?: Record<string, string[]> }>;
    };
    const operations: InsightResult['operations'] = [];
    for (const op of prm.portti_operations ?? []) {
      const url = `${source.resource}/${op.name}`;
      let res: Response | undefined;
      // the gateway learns of the new consent from the feed within milliseconds; allow for it
      for (let attempt = 0; attempt < 20; attempt += 1) {
        res = await fetch(url, {
          headers: { authorization: `DPoP ${token}`, dpop: await createDpopProof(this.dpop, 'GET', url, token) },
          signal: AbortSignal.timeout(5000),
        });
        if (res.status !== 403) break;
        const body = (await res
          .clone()
          .json()
          .catch(() => ({}))) as { code?: string };
        if (body.code !== 'consent_missing') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      operations.push({ name: op.name, status: res!.status, data: res!.ok ? await res!.json() : null, pointers: op.pointers ?? {} });
    }
    return operations;
  }
}
