/**
 * The move pages: download a bundle for another operator, import one here (a file or
 * pasted, with progress), and each move with its progress and per-record outcome.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import { pick, t, tn, type Locale, type MessageKey } from '../../web/i18n.ts';
import type { MoveItem, MovePreview, MoveView } from './portability.ts';
import type { StayReason } from './bundle.ts';
import type { MovePageView } from './move.view.ts';

const MOVE_STATUS_LABEL: Record<MoveView['status'], MessageKey> = {
  running: 'move_status_running',
  done: 'move_status_done',
  failed: 'move_status_failed',
};
const MOVE_OUTCOME_LABEL: Record<MoveItem['outcome'], MessageKey> = {
  moved: 'move_outcome_moved',
  reconfirm: 'move_outcome_reconfirm',
  stays: 'move_outcome_stays',
  archived: 'move_outcome_archived',
};

const STAY_REASON: Record<StayReason, MessageKey> = {
  shared: 'move_stays_shared',
  not_consent: 'move_stays_not_consent',
  service_unknown: 'move_stays_service_unknown',
  not_recreated: 'move_stays_not_recreated',
};

function item(i: MoveItem, services: MovePageView['services'], locale: Locale): SafeHtml {
  const service = pick(services[i.client_id], locale) || i.client_id || i.old;
  const outcome = t(locale, MOVE_OUTCOME_LABEL[i.outcome]);
  const handedOver = i.handed_over ? html` (${t(locale, 'move_handed_over')})` : '';
  const reason = i.reason_code ? html` – ${t(locale, STAY_REASON[i.reason_code])}` : i.reason ? html` – ${i.reason}` : '';
  const refused = i.hand_over_refused ? html` – ${i.hand_over_refused}` : '';
  return html`<li data-outcome="${i.outcome}">${service}: ${outcome}${handedOver}${reason}${refused}</li>`;
}

/** The identities of the old keychain this operator does not offer: said, not dropped silently (before the move too). */
function leftBehind(m: Pick<MoveView, 'left_behind'>, locale: Locale, key: MessageKey = 'move_left_behind'): SafeHtml | '' {
  if (m.left_behind.length === 0) return '';
  const host = (iss: string) => URL.parse(iss)?.host ?? iss;
  return html`<div class="notice" data-left-behind="${m.left_behind.length}">
    <p>${t(locale, key)}</p>
    <ul>
      ${m.left_behind.map((k) => html`<li>${k.idp} (${host(k.iss)})</li>`)}
    </ul>
  </div>`;
}

/** One move as a card: direction (the other operator by its display name), status, progress and each record's outcome. */
export function renderMove(m: MoveView, names: Pick<MovePageView, 'names' | 'services'>, locale: Locale): SafeHtml {
  const peer = pick(names.names[m.peer], locale) || t(locale, 'move_peer_other');
  const heading = t(locale, m.direction === 'in' ? 'move_in' : 'move_out', { peer });
  return html`<article class="card move" data-move-id="${m.move_id}" data-status="${m.status}">
    <h3>${heading}: ${t(locale, MOVE_STATUS_LABEL[m.status])}</h3>
    <p>${tn(locale, 'move_progress', m.total, { done: m.done })}</p>
    <progress max="${Math.max(m.total, 1)}" value="${m.done}"></progress>
    ${leftBehind(m, locale)}
    ${
      m.items.length > 0
        ? html`<ul>
            ${m.items.map((i) => item(i, names.services, locale))}
          </ul>`
        : ''
    }
  </article>`;
}

function outSection(view: MovePageView, locale: Locale): SafeHtml {
  const form = html`<form method="post" action="/dashboard/move/bundle">
    <input type="hidden" name="_csrf" value="${view.csrf}" />
    <p>
      <label
        >${t(locale, 'move_target')}<br /><select name="target">
          ${view.peers.map((p) => html`<option value="${p.issuer}">${pick(p.name, locale)}</option>`)}
        </select></label
      >
    </p>
    <button type="submit">${t(locale, 'move_download')}</button>
  </form>`;
  return html`<section class="card" aria-labelledby="out-h">
    <h2 id="out-h">${t(locale, 'move_out_title')}</h2>
    <p>${t(locale, 'move_out_intro')}</p>
    ${view.peers.length === 0 ? html`<p>${t(locale, 'move_no_peers')}</p>` : form}
  </section>`;
}

function inSection(view: MovePageView, locale: Locale): SafeHtml {
  return html`<section class="card" aria-labelledby="in-h">
    <h2 id="in-h">${t(locale, 'move_in_title')}</h2>
    <p>${t(locale, 'move_in_intro')}</p>
    <form method="post" action="/dashboard/move/import" id="import-form" data-csrf="${view.csrf}">
      <input type="hidden" name="_csrf" value="${view.csrf}" />
      <p>
        <label>${t(locale, 'move_file')}<br /><input type="file" id="bundle-file" accept=".jws,application/jose" /></label>
      </p>
      <p>
        <label>${t(locale, 'move_paste')}<br /><textarea name="bundle" id="bundle-text" rows="3" cols="60"></textarea></label>
      </p>
      <button type="submit">${t(locale, 'move_start')}</button>
    </form>
    <p id="import-status" role="status" aria-live="polite"></p>
  </section>`;
}

/** The move page: move out, move in, and the moves so far. */
export function renderMovePage(view: MovePageView, locale: Locale): SafeHtml {
  const moves =
    view.moves.length > 0
      ? html`<h2>${t(locale, 'moves_title')}</h2>
          ${view.moves.map((m) => renderMove(m, view, locale))}`
      : '';
  return html`${outSection(view, locale)} ${inSection(view, locale)} ${moves}
    <script src="/assets/move.js" defer></script>`;
}

const PREVIEW_OUTCOME_LABEL: Record<MoveItem['outcome'], MessageKey> = {
  moved: 'move_will_move',
  reconfirm: 'move_will_reconfirm',
  stays: 'move_will_stay',
  archived: 'move_will_archive',
};

/**
 * Before the import: what would move here, what would need confirming, what would stay and why,
 * and which identities cannot come along; the citizen then agrees (the bundle goes along in the form).
 */
export function renderMovePreview(
  p: MovePreview,
  names: Pick<MovePageView, 'names' | 'services'>,
  form: { bundle: string; csrf: string },
  locale: Locale,
): SafeHtml {
  const peer = pick(names.names[p.peer], locale) || t(locale, 'move_peer_other');
  const row = (i: MoveItem) => {
    const service = pick(names.services[i.client_id], locale) || i.client_id || i.old;
    const reason = i.reason_code ? html` – ${t(locale, STAY_REASON[i.reason_code])}` : '';
    return html`<li data-outcome="${i.outcome}">${service}: ${t(locale, PREVIEW_OUTCOME_LABEL[i.outcome])}${reason}</li>`;
  };
  return html`<section class="card move-preview" aria-labelledby="preview-h">
    <h2 id="preview-h">${t(locale, 'move_in', { peer })}</h2>
    <p>${tn(locale, 'move_preview_intro', p.total)}</p>
    ${
      p.items.length > 0
        ? html`<ul>
            ${p.items.map(row)}
          </ul>`
        : ''
    }
    ${leftBehind(p, locale, 'move_left_behind_preview')}
    <form method="post" action="/dashboard/move/import">
      <input type="hidden" name="_csrf" value="${form.csrf}" />
      <input type="hidden" name="bundle" value="${form.bundle}" />
      <input type="hidden" name="confirm" value="yes" />
      <button type="submit">${t(locale, 'move_confirm')}</button>
      <a href="/dashboard/move">${t(locale, 'move_cancel')}</a>
    </form>
  </section>`;
}

/** One move's own page; without JavaScript it refreshes itself while the move runs. */
export function renderMoveStatus(m: MoveView, names: Pick<MovePageView, 'names' | 'services'>, locale: Locale): SafeHtml {
  const refresh = m.status === 'running' ? html`<meta http-equiv="refresh" content="1" />` : '';
  return html`${refresh}${renderMove(m, names, locale)}
    <p><a href="/dashboard/consents">${t(locale, 'nav_consents')}</a></p>`;
}
