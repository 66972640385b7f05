/**
 * Errors as pages for people: a title and an explanation in their language, what they can do
 * next (sign in again, open the page again, the front page), and the technical details the
 * API would have answered, for support.
 */
import type { ProblemBody, ProblemCode } from '../../../shared/errors.ts';
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, type Locale, type MessageKey } from '../../../web/i18n.ts';

/** What kind of trouble a problem is, for a person. */
export type ErrorKind = 'not_found' | 'session' | 'csrf' | 'forbidden' | 'conflict' | 'bad_request' | 'server' | 'oauth';

const KIND_OF: Partial<Record<ProblemCode, ErrorKind>> = {
  not_found: 'not_found',
  session_required: 'session',
  unauthorized: 'session',
  csrf_failed: 'csrf',
  forbidden: 'forbidden',
  conflict: 'conflict',
  invalid_transition: 'conflict',
};

/** The kind of a problem: by its code, else by its status. */
export const errorKind = (p: Pick<ProblemBody, 'code' | 'status'>): ErrorKind =>
  KIND_OF[p.code] ?? (p.status >= 500 ? 'server' : 'bad_request');

const WORDS: Record<ErrorKind, [MessageKey, MessageKey]> = {
  not_found: ['error_not_found', 'error_not_found_text'],
  session: ['error_session', 'error_session_text'],
  csrf: ['error_csrf', 'error_csrf_text'],
  forbidden: ['error_forbidden', 'error_forbidden_text'],
  conflict: ['error_conflict', 'error_conflict_text'],
  bad_request: ['error_bad_request', 'error_bad_request_text'],
  server: ['error_server', 'error_server_text'],
  oauth: ['error_bad_request', 'error_oauth_text'],
};

/** An error page: the kind, where to go next, and the API's answer for support. */
export interface ErrorPageView {
  kind: ErrorKind;
  /** The page to sign in back to, or to open again (a GET page of the operator). */
  back: string;
  /** The problem's code and (4xx only) detail, in English as the API gives them. */
  technical: { code: string; detail?: string | undefined };
}

/** The page's title (the `h1`). */
export const errorTitle = (view: ErrorPageView, locale: Locale) => t(locale, WORDS[view.kind][0]);

function nextSteps(view: ErrorPageView, locale: Locale): SafeHtml {
  const back = encodeURIComponent(view.back);
  const first =
    view.kind === 'session'
      ? html`<a class="button" href="/signin?return_to=${back}">${t(locale, 'error_sign_in_again')}</a>`
      : view.kind === 'csrf' || view.kind === 'conflict'
        ? html`<a class="button" href="${view.back}">${t(locale, 'error_open_again')}</a>`
        : '';
  return html`<div class="actions">${first}<a class="button secondary" href="/dashboard">${t(locale, 'error_go_home')}</a></div>`;
}

/** The body of an error page. */
export function renderErrorPage(view: ErrorPageView, locale: Locale): SafeHtml {
  const { code, detail } = view.technical;
  return html`<p>${t(locale, WORDS[view.kind][1])}</p>
    ${nextSteps(view, locale)}
    <details class="technical">
      <summary>${t(locale, 'error_technical')}</summary>
      <p><code>${code}</code>${detail ? html`: <span lang="en">${detail}</span>` : ''}</p>
    </details>`;
}
