/**
 * "My consents": a search form (GET, works without JavaScript), then the records in three
 * groups (active, waiting for a decision, ended), each a card to review and withdraw (or,
 * when the citizen has yet to decide, to decide).
 */
import { html, type SafeHtml } from '../../../web/html.ts';
import { t, type Locale, type MessageKey } from '../../../web/i18n.ts';
import { localDay } from '../../../web/local-time.ts';
import type { CardContext, ConsentGroup, ConsentsView } from '../view-models.ts';
import { renderRecord } from './record.page.ts';

const GROUP_TITLE: Readonly<Record<ConsentGroup, MessageKey>> = {
  active: 'consents_group_active',
  pending: 'consents_group_pending',
  ended: 'consents_group_ended',
};

function searchForm(q: string, card: CardContext): SafeHtml {
  const { locale } = card;
  return html`<form method="get" action="/dashboard/consents" class="search" role="search">
    <label for="consents-q">${t(locale, 'consents_search')}</label>
    <p class="muted" id="consents-q-hint">${t(locale, 'consents_search_hint')}</p>
    <div class="search-row">
      <input type="search" id="consents-q" name="q" value="${q}" maxlength="100" aria-describedby="consents-q-hint" />
      <button type="submit">${t(locale, 'search')}</button>
    </div>
  </form>`;
}

function group(g: ConsentsView['groups'][number], card: CardContext): SafeHtml {
  const { locale } = card;
  const cards =
    g.records.length === 0
      ? html`<p class="muted">${t(locale, 'consents_group_empty')}</p>`
      : g.records.map((r) => renderRecord(r, r.awaiting_me ? 'request' : 'consent', card));
  return html`<section class="group" aria-labelledby="group-${g.group}">
    <h2 id="group-${g.group}">${t(locale, GROUP_TITLE[g.group])} (${g.records.length})</h2>
    ${cards}
  </section>`;
}

/** The search and the grouped consents; when a search finds nothing, says so. */
export function renderConsents(view: ConsentsView, card: CardContext): SafeHtml {
  const found = view.groups.some((g) => g.records.length > 0);
  const none = view.q ? t(card.locale, 'consents_no_match', { q: view.q }) : t(card.locale, 'no_consents');
  return html`${searchForm(view.q, card)} ${found ? view.groups.map((g) => group(g, card)) : html`<p role="status">${none}</p>`}`;
}

/** The notice that the citizen moved to another operator: where, when, and a link to their consents there. */
export function renderMovedNotice(moved: { peer: string; name: string; at: string }, locale: Locale): SafeHtml {
  return html`<p class="notice" role="status" data-moved-to="${moved.peer}">
    ${t(locale, 'moved_out_notice', { name: moved.name, date: localDay(moved.at, locale) })}
    <a href="${`${moved.peer}/dashboard/consents`}">${t(locale, 'moved_out_link', { name: moved.name })}</a>
  </p>`;
}
