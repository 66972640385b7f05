/**
 * Citizen sessions of the operator's dashboard: a random id in a signed, HttpOnly,
 * SameSite=Lax cookie, the state in the operator store, a CSRF token per session, and a
 * fresh id at every sign-in (no session fixation).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Kysely } from 'kysely';
import { ProblemError } from '../../shared/errors.ts';
import { prefersHtml } from '../../web/negotiate.ts';
import type { AccountsDatabase } from './accounts.tables.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOf,
  findSession,
  insertSession,
  updateSession,
} from './accounts.repository.ts';

/** Name of the signed session cookie. */
export const SESSION_COOKIE = 'portti_session';
const TTL_MS = 60 * 60 * 1000;

/** What a session keeps between requests. */
export interface SessionData {
  csrf: string;
  /** Identities authenticated in this session (for keychain linking). */
  authenticated: Array<{ iss: string; sub: string }>;
  /** Pending login: state, nonce, PKCE verifier, IdP and where to return. */
  login?: { idp: string; state: string; nonce: string; verifier: string; returnTo: string; link: boolean };
  /** The identity provider's ID token of this sign-in (`id_token_hint` of the RP-initiated logout at sign-out). */
  idp_session?: { idp: string; id_token: string };
  locale?: string;
}

/** A loaded session: its id, the signed-in account (if any) and its state. */
export interface Session {
  id: string;
  accountId: string | null;
  data: SessionData;
}

/** Store-backed sessions. */
export class Sessions {
  private readonly db: Kysely<AccountsDatabase>;
  private readonly secure: boolean;

  constructor(db: Kysely<AccountsDatabase>, secure: boolean) {
    this.db = db;
    this.secure = secure;
  }

  /** The request's session, or undefined. */
  async get(request: FastifyRequest): Promise<Session | undefined> {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return undefined;
    const row = await findSession(this.db, unsigned.value);
    if (!row || row.expires_at < Date.now()) return undefined;
    return { id: row.session_id, accountId: row.account_id, data: JSON.parse(row.data) as SessionData };
  }

  /** The session or a new anonymous one (set on the reply). */
  async getOrCreate(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    return (await this.get(request)) ?? this.create(reply, null, { csrf: randomBytes(24).toString('base64url'), authenticated: [] });
  }

  /** Starts a new session (new id: any previous id is discarded). */
  async create(reply: FastifyReply, accountId: string | null, data: SessionData, previous?: Session): Promise<Session> {
    if (previous) await this.destroy(previous.id);
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    await insertSession(this.db, {
      session_id: id,
      account_id: accountId,
      data: JSON.stringify(data),
      created_at: now,
      expires_at: now + TTL_MS,
    });
    reply.setCookie(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      signed: true,
      maxAge: TTL_MS / 1000,
    });
    return { id, accountId, data };
  }

  /** Saves the session's state and extends its life. */
  async save(session: Session): Promise<void> {
    await updateSession(this.db, session.id, {
      account_id: session.accountId,
      data: JSON.stringify(session.data),
      expires_at: Date.now() + TTL_MS,
    });
  }

  /** Ends one session. */
  async destroy(id: string): Promise<void> {
    await deleteSession(this.db, id);
  }

  /** Deletes every session of an account (erasure, sign-out everywhere). */
  async destroyAccount(accountId: string): Promise<void> {
    await deleteSessionsOf(this.db, accountId);
  }

  /** Deletes expired sessions (a background job). */
  async sweep(now = Date.now()): Promise<void> {
    await deleteExpiredSessions(this.db, now);
  }

  /** The signed-in session or a 401 problem. */
  async require(request: FastifyRequest): Promise<Session & { accountId: string }> {
    const s = await this.get(request);
    if (!s?.accountId) throw new ProblemError(401, 'session_required', 'sign in first');
    return s as Session & { accountId: string };
  }
}

/**
 * The signed-in session for a dashboard page, or a redirect to sign-in that comes back to
 * the page (then undefined: the caller returns the reply).
 */
export async function signedInOrRedirect(
  sessions: Sessions,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<(Session & { accountId: string }) | undefined> {
  const s = await sessions.get(request);
  if (s?.accountId) return s as Session & { accountId: string };
  await reply.redirect(`/signin?return_to=${encodeURIComponent(request.url)}`, 303);
  return undefined;
}

/** True when a state-changing request carries the session's CSRF token (header or form field). */
function csrfMatches(request: FastifyRequest, session: Session): boolean {
  const header = request.headers['x-csrf-token'];
  const body: unknown = request.body;
  const field = typeof body === 'object' && body !== null && '_csrf' in body ? body._csrf : undefined;
  const token = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
  return Boolean(token) && token === session.data.csrf;
}

const staleForm = () => new ProblemError(403, 'csrf_failed', 'the form is stale or came from another site; reload the page and try again');

/** Checks the CSRF token of a state-changing request (header or form field). */
export function checkCsrf(request: FastifyRequest, session: Session): void {
  if (!csrfMatches(request, session)) throw staleForm();
}

/** Why a form's action is asked again: the person had to sign in first, or the form was stale. */
export type AskAgain = 'signed_in' | 'stale';

/**
 * The signed-in session of a dashboard form post with the session's CSRF token. When the session
 * has ended or the form is stale, nothing is done and a browser goes where it finishes the same
 * action: `retry(why)` is a GET page that shows the action again, with the form's choices, to be
 * confirmed with a fresh CSRF token — after signing in again when the session ended. Returns
 * undefined then (the caller returns the reply); other clients get the 401 or 403 problem.
 */
export async function formSession(
  sessions: Sessions,
  request: FastifyRequest,
  reply: FastifyReply,
  retry: (why: AskAgain) => string,
): Promise<(Session & { accountId: string }) | undefined> {
  const s = await sessions.get(request);
  const browser = prefersHtml(request.headers.accept);
  if (!s?.accountId) {
    if (!browser) throw new ProblemError(401, 'session_required', 'sign in first');
    await reply.redirect(`/signin?reason=session_ended&return_to=${encodeURIComponent(retry('signed_in'))}`, 303);
    return undefined;
  }
  if (!csrfMatches(request, s)) {
    if (!browser) throw staleForm();
    await reply.redirect(retry('stale'), 303);
    return undefined;
  }
  return s as Session & { accountId: string };
}
