/**
 * Portti's token policy inside oidc-provider: which RFC 8707 resources exist (the operator API and
 * the registered sources the trust group admits), and the RFC 9396 `personal_data_access` details a
 * request may carry and a token receives — never more than the live consent record allows.
 */
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { whyNotLive } from '../../core/consent-rules.ts';
import { subjectsForSource } from '../../core/consent.ts';
import type { AuthorizationServerOptions } from './authorization-server.ts';

type Features = NonNullable<Configuration['features']>;

/** What the detail and resource policies read. */
export type DetailPolicyDeps = Pick<AuthorizationServerOptions, 'consents' | 'registry' | 'inGroup' | 'accessTokenTtlS'>;

/** Fields a `personal_data_access` detail may carry (PROFILE). */
const DETAIL_FIELDS = new Set(['type', 'locations', 'actions', 'datatypes', 'purpose', 'legal_basis', 'consent_record_id']);

export interface PersonalDataAccessDetail {
  type: 'personal_data_access';
  locations: string[];
  actions: string[];
  datatypes: string[];
  purpose?: string;
  legal_basis?: string;
  consent_record_id?: string;
}

export const bad = (message: string) => new errors.InvalidAuthorizationDetails(message);

export function checkShape(detail: Record<string, unknown>): PersonalDataAccessDetail {
  for (const k of Object.keys(detail)) if (!DETAIL_FIELDS.has(k)) throw bad(`unknown field "${k}" in personal_data_access`);
  const strings = (v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length < 256);
  if (!strings(detail.locations) || (detail.locations as string[]).length !== 1)
    throw bad('locations must name exactly one source resource');
  if (detail.actions !== undefined && (!strings(detail.actions) || (detail.actions as string[]).some((a) => a !== 'read'))) {
    throw bad('actions must be ["read"]');
  }
  if (!strings(detail.datatypes)) throw bad('datatypes must be a non-empty array of attribute ids');
  for (const f of ['purpose', 'legal_basis', 'consent_record_id']) {
    if (detail[f] !== undefined && (typeof detail[f] !== 'string' || (detail[f] as string).length === 0))
      throw bad(`${f} must be a non-empty string`);
  }
  return detail as unknown as PersonalDataAccessDetail;
}

/** The token endpoint's policy for client credentials: the record must be live and the client's. */
async function detailsForClientCredentials(o: DetailPolicyDeps, ctx: KoaContextWithOIDC, resource: string) {
  const requested = JSON.parse(String(ctx.oidc.params?.authorization_details)) as PersonalDataAccessDetail[];
  return Promise.all(
    requested.map(async (d) => {
      const state = await o.consents.get(d.consent_record_id!).catch(() => undefined);
      if (!state || state.client_id !== ctx.oidc.client?.clientId) throw bad('unknown consent_record_id for this client');
      const notLive = whyNotLive(state, Date.now());
      if (notLive) throw bad(notLive === 'expired' ? 'consent record has expired' : `consent record is ${state.status}`);
      if (d.locations[0] !== resource) throw bad('locations must equal the requested resource');
      const allowed = new Set(subjectsForSource(state, resource).flatMap((s) => s.datatypes));
      if (allowed.size === 0) throw bad('the consent record does not cover this source');
      const beyond = d.datatypes.filter((x) => !allowed.has(x));
      if (beyond.length > 0) throw bad(`datatypes beyond the consent: ${beyond.join(', ')}`);
      return {
        type: 'personal_data_access',
        locations: [resource],
        actions: ['read'],
        datatypes: d.datatypes,
        purpose: state.purposes[0]?.purpose,
        legal_basis: state.purposes[0]?.lawful_basis,
        consent_record_id: state.record_id,
      };
    }),
  );
}

/** RFC 8707: the operator API and every registered source the trust group admits this operator to. */
export function resourceIndicatorsPolicy(o: DetailPolicyDeps, apiResource: string): Features['resourceIndicators'] {
  return {
    enabled: true,
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx, resource) => {
      const jwt = { sign: { alg: 'ES256' as const } };
      if (resource === apiResource) {
        return {
          scope: 'consent_request consent_feed access_report',
          audience: apiResource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: o.accessTokenTtlS,
          jwt,
        };
      }
      if (o.inGroup && !o.inGroup(resource)) throw new errors.InvalidTarget(`the trust group does not admit this operator to ${resource}`);
      if (await o.registry.sourceByResource(resource)) {
        return { scope: '', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: o.accessTokenTtlS, jwt };
      }
      throw new errors.InvalidTarget(`unknown resource ${resource}`);
    },
  };
}

/** RFC 9396: the `personal_data_access` type, checked at the request and bound to the record at the token. */
export function richAuthorizationRequestsPolicy(o: DetailPolicyDeps, apiResource: string): Features['richAuthorizationRequests'] {
  return {
    enabled: true,
    types: {
      personal_data_access: {
        async validate(ctx, detail) {
          const d = checkShape(detail as Record<string, unknown>);
          const source = await o.registry.sourceByResource(d.locations[0]!);
          if (!source) throw bad(`no registered source at ${d.locations[0]}`);
          if (ctx.oidc.params?.grant_type === 'client_credentials') {
            if (!d.consent_record_id) throw bad('consent_record_id is required for client_credentials');
            return;
          }
          if (d.consent_record_id) throw bad('consent_record_id is assigned by the operator in interactive flows');
          if (!d.purpose) throw bad('purpose is required');
          const clientId = ctx.oidc.client?.clientId ?? '';
          await o.consents
            .purposesFor(
              clientId,
              d.purpose,
              d.datatypes.map((id) => ({ source: source.id, id })),
            )
            .catch((err: Error) => {
              throw bad(err.message);
            });
        },
      },
    },
    authorizationDetailsForGrantSource: async (ctx) =>
      ctx.oidc.grant?.rar?.filter((d) => (d as { consent_record_id?: string }).consent_record_id),
    authorizationDetailsForAccessToken: async (ctx, token, source, grantType) => {
      const resource = (token as { resourceServer?: { identifier(): string } }).resourceServer?.identifier() ?? '';
      if (resource === apiResource) {
        if (ctx.oidc.params?.authorization_details !== undefined) throw bad('no authorization_details for the operator API');
        return undefined;
      }
      if (grantType === 'client_credentials') return detailsForClientCredentials(o, ctx, resource);
      if (ctx.oidc.params?.authorization_details !== undefined) throw bad('authorization_details are not accepted at this grant');
      return (source as { rar?: Array<{ type: string; locations?: string[] }> } | undefined)?.rar?.filter((d) =>
        d.locations?.includes(resource),
      );
    },
    authorizationDetailsForIntrospection: async () => undefined,
  };
}
