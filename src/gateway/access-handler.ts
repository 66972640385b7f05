/**
 * The gateway's request path, top to bottom:
 * token → sender constraint (DPoP or mTLS) → authorization_details → consent (replica) → person → upstream →
 * attribute filter → access record. Default deny: every step that cannot prove access
 * refuses, and every decision (allowed or refused) is written to the access log.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessLog } from '../audit/access-log.ts';
import type { AccessOutcome } from '../audit/access-record.ts';
import { filterAttributes } from '../core/attribute-filter.ts';
import { decideRelease } from '../core/release-decision.ts';
import { ProblemError } from '../shared/errors.ts';
import { sha256b64url, verifyDpopProof } from '../shared/oauth/dpop.ts';
import type { ReplayCache } from '../shared/oauth/replay-cache.ts';
import { connectionThumbprint } from '../shared/mtls.ts';
import type { ConsentReplica, ReplicaEntry } from './consent/consent-replica.ts';
import { upstreamPath, type CompiledSource } from './source-registry.ts';
import { invalidToken, type AccessTokenVerifier, type PersonalDataAccess, type VerifiedToken } from './token/token-verifier.ts';

export interface AccessHandlerDeps {
  publicOrigin: string;
  sources: Map<string, CompiledSource>;
  verifier: AccessTokenVerifier;
  replica: ConsentReplica;
  /** Whether the replica of `iss` may be trusted now; if not, `introspect` decides. */
  isFresh(iss: string): boolean;
  introspect(iss: string, token: string): Promise<boolean>;
  accessLog: AccessLog;
  replay: ReplayCache;
  dpopMaxAgeS: number;
  clockSkewS: number;
  onDecision?(outcome: AccessOutcome, code: string): void;
}

interface Facts {
  token?: VerifiedToken;
  detail?: PersonalDataAccess;
  entry?: ReplicaEntry;
  subjectRef?: string;
  released: string[];
}

function forbidden(
  code: 'consent_missing' | 'consent_not_active' | 'attribute_not_consented' | 'forbidden',
  detail: string,
  ext: Record<string, unknown> = {},
) {
  return new ProblemError(403, code, detail, ext, { 'Cache-Control': 'no-store' });
}

/** Creates the Fastify handler for `GET /sources/:source/*`. */
export function createAccessHandler(deps: AccessHandlerDeps) {
  return async function handleAccess(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const params = request.params as { source: string; '*': string };
    const source = deps.sources.get(params.source);
    if (!source) throw new ProblemError(404, 'not_found', `no source "${params.source}" at this gateway`);
    const opName = params['*'];
    const operation = /^[a-z0-9][a-z0-9-]*$/.test(opName) ? source.operations.get(opName) : undefined;
    if (!operation) throw new ProblemError(404, 'not_found', `source "${source.id}" has no operation "${opName.slice(0, 64)}"`);

    const facts: Facts = { released: [] };
    try {
      const body = await decide(request, source, operation, facts);
      const record = await deps.accessLog.append(recordInput(source.resource, opName, facts, 'allowed', 200, null));
      deps.onDecision?.('allowed', 'ok');
      return reply.header('cache-control', 'no-store').header('portti-access-id', record.access_id).type('application/json').send(body);
    } catch (err) {
      const status = err instanceof ProblemError ? err.status : 500;
      const code = err instanceof ProblemError ? err.code : 'internal_error';
      const outcome: AccessOutcome = status >= 500 ? 'error' : 'refused';
      await deps.accessLog.append(recordInput(source.resource, opName, facts, outcome, status, code));
      deps.onDecision?.(outcome, code);
      throw err;
    }
  };

  async function decide(
    request: FastifyRequest,
    source: CompiledSource,
    operation: NonNullable<ReturnType<CompiledSource['operations']['get']>>,
    facts: Facts,
  ) {
    // 1. the access token, verified against the issuer's keys (allowlist only)
    const auth = request.headers.authorization;
    if (!auth) throw invalidToken('a sender-constrained access token is required (DPoP, or Bearer over mutual TLS)', source.metadataUrl);
    const [scheme, tokenValue, extra] = auth.split(' ');
    const kind = scheme?.toLowerCase();
    if ((kind !== 'dpop' && kind !== 'bearer') || !tokenValue || extra !== undefined) {
      throw invalidToken(
        'use the DPoP authorization scheme (or Bearer with a certificate-bound token over mutual TLS)',
        source.metadataUrl,
      );
    }
    const tokenHash = sha256b64url(tokenValue);
    const token = await deps.verifier.verify(tokenValue, tokenHash, source.metadataUrl);
    if (!source.admitted.has(token.iss)) throw invalidToken('the token issuer is not admitted by this source', source.metadataUrl);
    if (!token.aud.includes(source.resource)) throw invalidToken('access token audience is not this source', source.metadataUrl);
    facts.token = token;

    // 2. the sender constraint: a certificate-bound token must come over the same TLS client
    //    certificate (checked once per connection); a DPoP-bound token needs a fresh proof for
    //    this method, this URL and this token
    if ('x5t' in token.binding) {
      if (kind !== 'bearer') throw invalidToken('a certificate-bound token is presented with the Bearer scheme', source.metadataUrl);
      if (connectionThumbprint(request.raw) !== token.binding.x5t) {
        throw invalidToken('the token is bound to a client certificate this connection did not present', source.metadataUrl);
      }
    } else {
      if (kind !== 'dpop') throw invalidToken('use the DPoP authorization scheme with a DPoP-bound token', source.metadataUrl);
      const { jkt } = await verifyDpopProof(
        request.headers.dpop,
        {
          method: request.method,
          url: deps.publicOrigin + request.url,
          accessToken: tokenValue,
          maxAgeS: deps.dpopMaxAgeS,
          clockSkewS: deps.clockSkewS,
          replay: deps.replay,
        },
        `resource_metadata="${source.metadataUrl}"`,
      );
      if (jkt !== token.binding.jkt) throw invalidToken('DPoP key does not match the token binding (cnf.jkt)', source.metadataUrl);
    }

    // 3. what the token authorizes at this source
    const detail = token.authorization_details.find((d) => d.locations?.includes(source.resource));
    if (!detail) throw forbidden('consent_missing', 'the token carries no personal_data_access authorization for this source');
    if (detail.actions && !detail.actions.includes('read')) throw forbidden('forbidden', 'the token does not authorize reading');
    if (!detail.consent_record_id) throw forbidden('consent_missing', 'the token names no consent_record_id');
    facts.detail = detail;

    // 4. the consent, from the local replica (introspection when the feed is stale)
    const entry = deps.replica.get(token.iss, detail.consent_record_id, source.resource);
    if (!deps.isFresh(token.iss) && !(await deps.introspect(token.iss, tokenValue))) {
      throw forbidden('consent_not_active', 'the operator reports this token or its consent as no longer active');
    }
    if (!entry) throw forbidden('consent_missing', `consent record ${detail.consent_record_id} is not known for this source`);
    if (entry.client_id !== token.client_id) throw forbidden('consent_missing', 'the consent record belongs to another client');
    facts.entry = entry;
    const honour = deps.replica.honours(entry);
    if (!honour.honoured) {
      throw forbidden('consent_not_active', `consent record ${entry.record_id} is ${honour.status}`, { consent_status: honour.status });
    }
    if (entry.expires_at !== null && entry.expires_at <= Date.now()) {
      throw forbidden('consent_not_active', `consent record ${entry.record_id} has expired`, { consent_status: 'expired' });
    }

    // 5. the person: which data subject of the record, and their identifier at the source
    const query = request.query as { subject?: string; attributes?: string };
    const subject = query.subject
      ? entry.subjects.find((s) => s.ref === query.subject)
      : entry.subjects.length === 1
        ? entry.subjects[0]
        : undefined;
    if (!subject) {
      throw new ProblemError(
        400,
        'bad_request',
        query.subject
          ? 'no such data subject in this consent record'
          : 'this consent record has several data subjects: name one with ?subject=<ref>',
        { subjects: entry.subjects.map((s) => s.ref) },
      );
    }
    facts.subjectRef = subject.ref;
    if (subject.identifier_type !== operation.config.identifier_type) {
      throw forbidden('consent_missing', `the consent gives no ${operation.config.identifier_type} identifier for this subject`);
    }

    // 6. which attributes may leave the gateway
    const requested = query.attributes
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const decision = decideRelease({
      operation: operation.attributeIds,
      consented: subject.datatypes,
      ...(detail.datatypes ? { token: detail.datatypes } : {}),
      ...(requested ? { requested } : {}),
    });
    if (!decision.ok) throw forbidden('attribute_not_consented', decision.detail, { attributes: decision.missing });
    facts.released = decision.released;

    // 7. the unchanged upstream, with the gateway's own credentials only
    let path;
    try {
      path = upstreamPath(operation.config.path, subject.identifier);
    } catch {
      throw forbidden('consent_missing', 'the identifier in the consent cannot be used with this source');
    }
    const upstream = await source.upstream.get(path, operation.format);
    if (upstream.status === 404) throw new ProblemError(404, 'not_found', 'the source holds no data for this person in this operation');

    // 8. only the consented attributes leave
    return filterAttributes(upstream.body, operation.map, decision.released);
  }
}

function recordInput(source: string, operation: string, facts: Facts, outcome: AccessOutcome, status: number, reason: string | null) {
  return {
    iss: facts.token?.iss ?? null,
    client_id: facts.token?.client_id ?? null,
    consent_record_id: facts.detail?.consent_record_id ?? null,
    source,
    operation,
    datatypes_released: outcome === 'allowed' ? facts.released : [],
    purpose: facts.entry?.purpose ?? facts.detail?.purpose ?? null,
    outcome,
    status,
    reason,
    subject_ref: facts.subjectRef ?? null,
  };
}
