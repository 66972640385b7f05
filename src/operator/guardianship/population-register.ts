/**
 * The guardianship lookup against a population register (`GET /people/{id}/guardians`): who must
 * consent for a child. The identifier was checked by its type before the call, so any answer
 * but the data or a 404 is the register's failure, not the client's: an error status (400
 * included), a timeout (5 s for the whole answer, a slow drip too), a broken connection, an
 * answer that is not JSON, larger than 64 KiB, or naming a guardian by no valid code is 502
 * `upstream_unavailable` and the request is not filed.
 */
import { isValidHetu } from '../../core/identifiers.ts';
import { ProblemError } from '../../shared/errors.ts';
import type { SubjectRef } from '../consent/consent.service.ts';

const TIMEOUT_MS = 5000;
const MAX_BYTES = 64 * 1024;

/** Reads guardians from a population register. */
export function populationRegisterGuardians(baseUrl: string, apiKey?: string) {
  return async (subject: SubjectRef): Promise<SubjectRef[]> => {
    if (subject.identifier_type !== 'fi_hetu') return [];
    const url = `${baseUrl.replace(/\/$/, '')}/people/${encodeURIComponent(subject.identifier)}/guardians`;
    const body = await fetchGuardians(url, apiKey);
    if (body === undefined) return [];
    const codes = (Array.isArray(body.guardians) ? body.guardians : []).map((g) => g?.personal_identity_code);
    if (!codes.every((c): c is string => typeof c === 'string' && isValidHetu(c))) throw unavailable('named a guardian by no valid code');
    return codes.map((identifier) => ({ identifier_type: 'fi_hetu', identifier }));
  };
}

function unavailable(why: string): ProblemError {
  return new ProblemError(
    502,
    'upstream_unavailable',
    `the population register (guardianship) ${why}; the request was not filed, try again`,
  );
}

/** The register's JSON answer, or undefined when it does not know the person (404). */
async function fetchGuardians(
  url: string,
  apiKey?: string,
): Promise<{ guardians?: Array<{ personal_identity_code?: unknown }> } | undefined> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const timedOut = () => unavailable(`did not answer within ${TIMEOUT_MS / 1000} s`);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
      signal,
      redirect: 'error',
    });
  } catch {
    throw signal.aborted ? timedOut() : unavailable('could not be reached');
  }
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw unavailable(`answered ${res.status}`);
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    await res.body?.cancel().catch(() => undefined);
    throw unavailable(`answered ${type || 'without a content type'}, not JSON`);
  }
  let text = '';
  try {
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.length > MAX_BYTES) throw unavailable(`answered with more than ${MAX_BYTES / 1024} KiB`);
    }
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    throw signal.aborted ? timedOut() : unavailable('broke the connection before its answer was complete');
  }
  try {
    return JSON.parse(text) as { guardians?: Array<{ personal_identity_code?: unknown }> };
  } catch {
    throw unavailable('answered with something other than JSON');
  }
}
