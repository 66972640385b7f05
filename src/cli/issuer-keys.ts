/**
 * Where `portti receipt verify` gets the keys it trusts for an issuer: the issuer's own RFC 8414
 * metadata (`/.well-known/oauth-authorization-server`, else OpenID discovery) and its `jwks_uri`;
 * the metadata a signed trust-group document lists for the issuer as a member; or a JWKS the
 * user names (file or URL). Nothing here looks inside the receipt beyond the issuer it names.
 */
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, type CompactVerifyGetKey, type JWK } from 'jose';
import { outboundUrlProblem } from '../shared/outbound-url.ts';
import { TrustGroupError, verifyTrustGroup } from '../trust/trust-group.ts';
import { UsageError } from './command.ts';

/** Keys to check a receipt with, and where they came from (for the user). */
export interface IssuerKeys {
  keys: { keys: JWK[] } | CompactVerifyGetKey;
  /** e.g. `http://op.example/oauth/jwks (the jwks_uri in the issuer's metadata …)`. */
  from: string;
}

/** The issuer's keys cannot be had; `message` is the one sentence the user reads. */
export class KeysUnavailable extends Error {}

const TIMEOUT_MS = 5000;
const isUrl = (value: string) => /^https?:\/\//i.test(value);

function checkedUrl(value: string, what: string): URL {
  const problem = outboundUrlProblem(value);
  if (problem) throw new KeysUnavailable(`${what} ${value} ${problem}`);
  return new URL(value);
}

function remote(url: string, from: string): IssuerKeys {
  return { keys: createRemoteJWKSet(checkedUrl(url, 'the key set URL'), { timeoutDuration: TIMEOUT_MS }), from };
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`cannot read ${what} ${file} as JSON`);
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(checkedUrl(url, 'the metadata URL'), {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new KeysUnavailable(`${url} did not answer (${cause ?? (err as Error).message})`);
  }
  return { status: res.status, body: res.ok ? await res.json().catch(() => undefined) : undefined };
}

/**
 * The issuer's `jwks_uri`: from `metadataUrl` when given (a trust group lists it), else RFC 8414
 * (`/.well-known/oauth-authorization-server` inserted before the issuer's path), falling back to
 * OpenID discovery. The metadata must name exactly this issuer (RFC 8414 §3.3).
 */
export async function discoverJwksUri(issuer: string, metadataUrl?: string): Promise<{ jwksUri: string; metadata: string }> {
  const u = checkedUrl(issuer, 'the issuer');
  const path = u.pathname === '/' ? '' : u.pathname;
  const candidates = metadataUrl
    ? [metadataUrl]
    : [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`];
  const answers: string[] = [];
  for (const url of candidates) {
    const { status, body } = await getJson(url);
    const meta = (body ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (status !== 200 || typeof meta.jwks_uri !== 'string') {
      answers.push(`${url} answered ${status}${status === 200 ? ' without a jwks_uri' : ''}`);
      continue;
    }
    if (meta.issuer !== issuer) throw new KeysUnavailable(`the metadata at ${url} is for issuer ${String(meta.issuer)}, not ${issuer}`);
    return { jwksUri: meta.jwks_uri, metadata: url };
  }
  throw new KeysUnavailable(`${issuer} publishes no usable metadata (${answers.join('; ')})`);
}

/** The issuer's keys through a signed trust-group document that lists it as a member. */
async function throughTrustGroup(issuer: string, location: string, governanceFile: string): Promise<IssuerKeys> {
  const governance = readJson(governanceFile, 'the governance JWKS') as { keys: JWK[] };
  let text: string;
  if (isUrl(location)) {
    const res = await fetch(checkedUrl(location, 'the trust-group URL'), { signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(
      () => undefined,
    );
    if (!res?.ok) throw new KeysUnavailable(`the trust-group document at ${location} could not be fetched`);
    text = await res.text();
  } else {
    try {
      text = readFileSync(location, 'utf8');
    } catch {
      throw new UsageError(`cannot read the trust-group document ${location}`);
    }
  }
  let group;
  try {
    group = await verifyTrustGroup(text, governance);
  } catch (err) {
    if (!(err instanceof TrustGroupError)) throw err;
    throw new KeysUnavailable(`the trust-group document cannot be trusted: ${err.message}`);
  }
  const member = group.members.find((m) => m.issuer.replace(/\/$/, '') === issuer.replace(/\/$/, ''));
  if (!member) throw new KeysUnavailable(`${issuer} is not a member of the trust group ${group.group_id}`);
  const { jwksUri, metadata } = await discoverJwksUri(issuer, member.metadata_url);
  return remote(jwksUri, `${jwksUri} (the jwks_uri in ${metadata} of ${member.name}, member of trust group ${group.group_id})`);
}

/** What the user asked to trust: `--jwks FILE|URL`, or a trust group, or else the issuer itself. */
export interface KeyChoice {
  jwks?: string | undefined;
  trustGroup?: string | undefined;
  governanceJwks?: string | undefined;
}

/** Finds the keys to check a receipt of `issuer` with; throws {@link KeysUnavailable} when there are none. */
export async function issuerKeys(issuer: string | undefined, choice: KeyChoice): Promise<IssuerKeys> {
  if (choice.jwks && choice.trustGroup) throw new UsageError('give either --jwks or --trust-group, not both');
  if (choice.jwks) {
    if (isUrl(choice.jwks)) return remote(choice.jwks, `the key set at ${choice.jwks}`);
    return { keys: readJson(choice.jwks, 'the JWKS') as { keys: JWK[] }, from: `the key set in ${choice.jwks}` };
  }
  if (!issuer) throw new KeysUnavailable('the receipt names no issuer (dct:publisher) whose keys could be looked up');
  if (choice.trustGroup) {
    if (!choice.governanceJwks) throw new UsageError('--trust-group needs --governance-jwks (the group governance keys)');
    return throughTrustGroup(issuer, choice.trustGroup, choice.governanceJwks);
  }
  const { jwksUri, metadata } = await discoverJwksUri(issuer);
  return remote(jwksUri, `${jwksUri} (the jwks_uri in the issuer's metadata ${metadata})`);
}
