/**
 * The gateway's request path, top to bottom:
 * token → sender constraint (DPoP or mTLS) → authorization_details → consent (replica) → person → upstream →
 * attribute filter → access record. Default deny: every step that cannot prove access
 * refuses, and every decision (allowed or refused) is written to the access log.
 */
import type { FastifyReply } from 'fastify';
import type { AccessLog } from '../audit/access-log.ts';
import type { AccessOutcome } from '../audit/access-record.ts';
import { filterAttributes } from '../core/attribute-filter.ts';
import { decideRelease } from '../core/release-decision.ts';
import { ProblemError } from '../shared/errors.ts';
import { sha256b64url, verifyDpopProof } from '../shared/oauth/dpop.ts';
import type { ReplayCache } from '../shared/oauth/replay-cache.ts';
import { connectionThumbprint } from '../shared/oauth/mtls.ts';
import type { ReplicaSubject } from '../core/consent-event.ts';
import type { AccessRequest } from './access.routes.ts';
import type { ConsentReplica } from './consent/consent-replica.ts';
import type { ReplicaEntry } from './consent/replica-entry.ts';
import { upstreamPath, type CompiledOperation, type CompiledSource } from './source-registry.ts';
import { invalidToken, type AccessTokenVerifier, type PersonalDataAccess, type VerifiedToken } from './token/token-verifier.ts';

/** What the request path consults: sources, token verifier, replica, feeds' freshness, access log. */
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

/** What the request path has established so far (for the access record, allowed or refused). */
interface Facts {
  /** The authorization scheme, lower-cased, once the header has been read. */
  scheme: 'dpop' | 'bearer' | undefined;
  token?: VerifiedToken;
  detail?: PersonalDataAccess;
  entry?: ReplicaEntry;
  subjectRef?: string;
  released: string[];
}

/** A token detail that names its consent record. */
type ConsentedAccess = PersonalDataAccess & { consent_record_id: string };

function forbidden(
  code: 'consent_missing' | 'consent_not_active' | 'attribute_not_consented' | 'forbidden',
  detail: string,
  ext: Record<string, unknown> = {},
) {
  return new ProblemError(403, code, detail, ext, { 'Cache-Control': 'no-store' });
}

/** Creates the Fastify handler for `GET /sources/:source/*`. */
export function createAccessHandler(deps: AccessHandlerDeps) {
  return async function handleAccess(request: AccessRequest, reply: FastifyReply): Promise<unknown> {
    const params = request.params;
    const source = deps.sources.get(params.source);
    if (!source) throw new ProblemError(404, 'not_found', `no source "${params.source}" at this gateway`);
    const opName = params['*'];
    const operation = /^[a-z0-9][a-z0-9-]*$/.test(opName) ? source.operations.get(opName) : undefined;
    if (!operation) throw new ProblemError(404, 'not_found', `source "${source.id}" has no operation "${opName.slice(0, 64)}"`);

    const facts: Facts = { scheme: undefined, released: [] };
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

  /** The request path; each step that cannot prove access throws, and `facts` keeps what was learnt. */
  async function decide(request: AccessRequest, source: CompiledSource, operation: CompiledOperation, facts: Facts) {
    // 1. the access token, verified against the issuer's keys (allowlist only)
    const tokenValue = presentedToken(request.headers.authorization, source, facts);
    const token = await deps.verifier.verify(tokenValue, sha256b64url(tokenValue), source.metadataUrl);
    checkAudience(token, source);
    facts.token = token;

    // 2. the sender constraint: a certificate-bound token must come over the same TLS client
    //    certificate (checked once per connection); a DPoP-bound token needs a fresh proof for
    //    this method, this URL and this token
    if ('x5t' in token.binding) checkCertificate(request, facts, token.binding.x5t, source);
    else {
      if (facts.scheme !== 'dpop') throw invalidToken('use the DPoP authorization scheme with a DPoP-bound token', source.metadataUrl);
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
    const detail = authorizationAt(token, source);
    facts.detail = detail;

    // 4. the consent, from the local replica (introspection when the feed is stale)
    const entry = deps.replica.get(token.iss, detail.consent_record_id, source.resource);
    if (!deps.isFresh(token.iss) && !(await deps.introspect(token.iss, tokenValue))) {
      throw forbidden('consent_not_active', 'the operator reports this token or its consent as no longer active');
    }
    facts.entry = consentOf(entry, detail, token);
    checkLive(facts.entry);

    // 5. the person: which data subject of the record, and their identifier at the source
    const subject = dataSubject(facts.entry, request.query.subject);
    facts.subjectRef = subject.ref;
    checkIdentifierType(subject, operation);

    // 6. which attributes may leave the gateway
    facts.released = releasedAttributes(operation, subject, detail, request.query.attributes);

    // 7. the unchanged upstream, with the gateway's own credentials only
    const upstream = await source.upstream.get(personPath(operation, subject), operation.format);
    if (upstream.status === 404) throw new ProblemError(404, 'not_found', 'the source holds no data for this person in this operation');

    // 8. only the consented attributes leave
    return filterAttributes(upstream.body, operation.map, facts.released);
  }

  /** Step 4: the consent must be live now: its status (with the moved-record handover) and its expiry. */
  function checkLive(entry: ReplicaEntry): void {
    const honour = deps.replica.honours(entry);
    if (!honour.honoured) {
      const detail = `consent record ${entry.record_id} ${honour.expired ? 'has expired' : `is ${honour.status}`}`;
      throw forbidden('consent_not_active', detail, { consent_status: honour.status });
    }
  }
}

/** Step 4: the replica's entry for the token's consent record, which must be the token's client's. */
function consentOf(entry: ReplicaEntry | undefined, detail: ConsentedAccess, token: VerifiedToken): ReplicaEntry {
  if (!entry) throw forbidden('consent_missing', `consent record ${detail.consent_record_id} is not known for this source`);
  if (entry.client_id !== token.client_id) throw forbidden('consent_missing', 'the consent record belongs to another client');
  return entry;
}

/** Step 1: the token of `Authorization: DPoP <token>` (or `Bearer <token>` over mutual TLS); notes the scheme. */
function presentedToken(authorization: string | undefined, source: CompiledSource, facts: Facts): string {
  if (!authorization) {
    throw invalidToken('a sender-constrained access token is required (DPoP, or Bearer over mutual TLS)', source.metadataUrl);
  }
  const [scheme, tokenValue, extra] = authorization.split(' ');
  const kind = scheme?.toLowerCase();
  if ((kind !== 'dpop' && kind !== 'bearer') || !tokenValue || extra !== undefined) {
    throw invalidToken('use the DPoP authorization scheme (or Bearer with a certificate-bound token over mutual TLS)', source.metadataUrl);
  }
  facts.scheme = kind;
  return tokenValue;
}

/** Step 1: the token's issuer must be admitted by the source, and the source among its audiences. */
function checkAudience(token: VerifiedToken, source: CompiledSource): void {
  if (!source.admitted.has(token.iss)) throw invalidToken('the token issuer is not admitted by this source', source.metadataUrl);
  if (!token.aud.includes(source.resource)) throw invalidToken('access token audience is not this source', source.metadataUrl);
}

/** Step 2 for a certificate-bound token: Bearer scheme, and this connection's certificate. */
function checkCertificate(request: AccessRequest, facts: Facts, x5t: string, source: CompiledSource): void {
  if (facts.scheme !== 'bearer') throw invalidToken('a certificate-bound token is presented with the Bearer scheme', source.metadataUrl);
  if (connectionThumbprint(request.raw) !== x5t) {
    throw invalidToken('the token is bound to a client certificate this connection did not present', source.metadataUrl);
  }
}

/** Step 3: the token's `personal_data_access` detail for this source, naming a consent record. */
function authorizationAt(token: VerifiedToken, source: CompiledSource): ConsentedAccess {
  const detail = token.authorization_details.find((d) => d.locations?.includes(source.resource));
  if (!detail) throw forbidden('consent_missing', 'the token carries no personal_data_access authorization for this source');
  if (detail.actions && !detail.actions.includes('read')) throw forbidden('forbidden', 'the token does not authorize reading');
  if (!detail.consent_record_id) throw forbidden('consent_missing', 'the token names no consent_record_id');
  return detail as ConsentedAccess;
}

/** Step 5: the data subject named by `?subject=`, or the record's only one. */
function dataSubject(entry: ReplicaEntry, ref: string | undefined): ReplicaSubject {
  const subject = ref ? entry.subjects.find((s) => s.ref === ref) : entry.subjects.length === 1 ? entry.subjects[0] : undefined;
  if (!subject) {
    throw new ProblemError(
      400,
      'bad_request',
      ref ? 'no such data subject in this consent record' : 'this consent record has several data subjects: name one with ?subject=<ref>',
      { subjects: entry.subjects.map((s) => s.ref) },
    );
  }
  return subject;
}

/** Step 5: the subject's identifier must be of the type this operation looks people up by. */
function checkIdentifierType(subject: ReplicaSubject, operation: CompiledOperation): void {
  if (subject.identifier_type !== operation.config.identifier_type) {
    throw forbidden('consent_missing', `the consent gives no ${operation.config.identifier_type} identifier for this subject`);
  }
}

/** Step 6: what the operation, the consent, the token and the request all allow. */
function releasedAttributes(
  operation: CompiledOperation,
  subject: ReplicaSubject,
  detail: ConsentedAccess,
  attributes: string | undefined,
): string[] {
  const requested = attributes
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
  return decision.released;
}

/** Step 7: the upstream path for this person; an identifier that cannot be used safely is refused. */
function personPath(operation: CompiledOperation, subject: ReplicaSubject): string {
  try {
    return upstreamPath(operation.config.path, subject.identifier);
  } catch {
    throw forbidden('consent_missing', 'the identifier in the consent cannot be used with this source');
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
