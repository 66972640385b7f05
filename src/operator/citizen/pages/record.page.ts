/**
 * A consent record as a card: as a request to decide (approve with choices of optional
 * attributes, or decline) or as a consent to review, with its history, receipt and, when
 * the citizen may, a one-step withdrawal.
 */
import { canWithdraw } from '../../../core/consent-rules.ts';
import { escapeHtml, html, SafeHtml } from '../../../web/html.ts';
import { listOf, pick, t, type Locale, type MessageKey } from '../../../web/i18n.ts';
import { PARTY_ROLE_LABEL, PARTY_STATUS_LABEL } from '../../../web/messages.ts';
import { recordTerms, type ConsentTermsView } from '../consent-terms.ts';
import type { CardContext, CitizenRecordView, HistoryView, MyPartyView, PartyView, RecordCardMode } from '../view-models.ts';
import { eventText, statusText, when } from './format.ts';
import { itemChoices, renderTerms } from './terms.page.ts';

function statusRow(r: CitizenRecordView, locale: Locale): SafeHtml {
  return html`<dt>${t(locale, 'status')}</dt>
    <dd><span class="status status-${r.status}">${statusText(locale, r.status)}</span></dd>`;
}

/** A participant by name where their account here has one, else by role. */
function partyName(p: PartyView, locale: Locale): string {
  const role = t(locale, PARTY_ROLE_LABEL[p.role]);
  return p.name ? `${p.name}, ${role}` : t(locale, 'unnamed_party', { role });
}

function participant(p: PartyView, locale: Locale): SafeHtml {
  const who = p.is_me ? html`<strong>${t(locale, 'you')}</strong> (${t(locale, PARTY_ROLE_LABEL[p.role])})` : partyName(p, locale);
  return html`<li>${who}: ${t(locale, PARTY_STATUS_LABEL[p.status])}</li>`;
}

/** Who else must approve before the record takes effect (no one when any one approval is enough). */
function othersNotice(r: CitizenRecordView, locale: Locale): SafeHtml | '' {
  if (r.activation_mode === 'any_activator_activates') return '';
  const others = r.parties.filter((p) => !p.is_me && p.decides && p.status === 'pending');
  if (others.length === 0) return '';
  const names = listOf(
    locale,
    others.map((p) => p.name ?? partyName(p, locale)),
  );
  return html`<p class="notice">${t(locale, 'must_approve_too', { names })}</p>`;
}

function hiddenFields(csrf: string, partyId: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="party_id" value="${partyId}" />`;
}

function decisionForm(r: CitizenRecordView, terms: ConsentTermsView, decider: MyPartyView, view: CardContext, chosen?: Set<string>) {
  const { locale } = view;
  return html`<form method="post" action="/dashboard/requests/${encodeURIComponent(r.record_id)}">
    ${hiddenFields(view.csrf, decider.party_id)}
    <fieldset>
      <legend>${t(locale, 'attributes')}</legend>
      ${itemChoices(terms.items, locale, chosen)}
    </fieldset>
    <p>${t(locale, 'only_chosen_shared')}</p>
    ${othersNotice(r, locale)}
    <div class="actions">
      <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
      <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
    </div>
  </form>`;
}

/** A heading of a card: its title (`depth` 0) or a part of it, a level lower inside grouped lists. */
function heading(view: CardContext, depth: 0 | 1, text: string, id?: string): SafeHtml {
  const level = (view.nested ? 3 : 2) + depth;
  return new SafeHtml(`<h${level}${id ? ` id="${escapeHtml(id)}"` : ''}>${escapeHtml(text)}</h${level}>`);
}

function released(r: CitizenRecordView, view: CardContext): SafeHtml {
  const { labels, locale } = view;
  const item = (source: string, id: string) =>
    t(locale, 'item_from_source', { item: labels.attributeLabel(source, id, locale), source: labels.sourceName(source, locale) });
  const items = r.released.flatMap((s) =>
    [...new Set(s.subjects.flatMap((sub) => sub.datatypes))].map((d) => html`<li>${item(s.source, d)}</li>`),
  );
  return html`${heading(view, 1, t(locale, 'attributes'))}
    <ul>
      ${items}
    </ul>`;
}

function historyItem(h: HistoryView, locale: Locale): SafeHtml {
  const arrangement = h.actor.startsWith('arrangement:')
    ? html` – ${t(locale, 'by_arrangement', { name: /"(.*)"/.exec(h.reason ?? '')?.[1] ?? '' })}`
    : h.actor.startsWith('mandate:')
      ? html` ${t(locale, 'by_delegate', { name: h.reason ?? '' })}`
      : '';
  return html`<li>${when(h.time, locale)}: ${eventText(locale, h.event_type)} (${statusText(locale, h.to_status)})${arrangement}</li>`;
}

/** The latest act a delegate did on the record under the person's mandate, named, outside the folded history. */
function delegateNotice(r: CitizenRecordView, locale: Locale): SafeHtml | '' {
  const last = r.history.findLast((h) => h.actor.startsWith('mandate:'));
  if (!last) return '';
  return html`<p class="notice">
    ${when(last.time, locale)}: ${eventText(locale, last.event_type)} ${t(locale, 'by_delegate', { name: last.reason ?? '' })}
  </p>`;
}

function withdrawForm(r: CitizenRecordView, decider: MyPartyView, view: CardContext): SafeHtml {
  return html`<form method="post" action="/dashboard/consents/${encodeURIComponent(r.record_id)}/withdraw">
    ${hiddenFields(view.csrf, decider.party_id)}<button type="submit" class="danger">${t(view.locale, 'withdraw')}</button>
  </form>`;
}

/**
 * One record as a card; `mode` decides whether decision or withdrawal controls show. `chosen`
 * ticks optional items of a decision that is asked again (after a sign-in or a stale form).
 */
export function renderRecord(r: CitizenRecordView, mode: RecordCardMode, view: CardContext, chosen?: Set<string>): SafeHtml {
  const { locale } = view;
  const id = encodeURIComponent(r.record_id);
  const decider = r.my_parties.find((p) => p.decides);
  const terms = recordTerms(r, view.labels, locale);
  return html`<article class="card" aria-labelledby="h-${id}">
    ${heading(view, 0, pick(r.service_name ?? undefined, locale) || r.client_id, `h-${id}`)}
    ${renderTerms(terms, locale, statusRow(r, locale))} ${heading(view, 1, t(locale, 'participants'))}
    <ul>
      ${r.parties.map((p) => participant(p, locale))}
    </ul>
    ${mode === 'request' && decider ? decisionForm(r, terms, decider, view, chosen) : released(r, view)}
    ${decider?.role === 'guardian' ? html`<p class="notice">${t(locale, 'acting_for')}</p>` : ''} ${delegateNotice(r, locale)}
    <details>
      <summary>${t(locale, 'history')}</summary>
      <ol>
        ${r.history.map((h) => historyItem(h, locale))}
      </ol>
    </details>
    <div class="actions">
      <a class="button secondary" href="/dashboard/consents/${id}/receipt">${t(locale, 'receipt')}</a>
      ${mode === 'consent' && decider && canWithdraw(r) ? withdrawForm(r, decider, view) : ''}
    </div>
  </article>`;
}

/** A list of record cards, or `empty` when there is none. */
export function renderRecords(
  records: CitizenRecordView[],
  mode: (r: CitizenRecordView) => RecordCardMode,
  empty: MessageKey,
  view: CardContext,
): SafeHtml {
  return records.length === 0 ? html`<p>${t(view.locale, empty)}</p>` : html`${records.map((r) => renderRecord(r, mode(r), view))}`;
}
