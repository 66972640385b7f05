/**
 * A consent record as a card: as a request to decide (approve with choices of optional
 * attributes, or decline) or as a consent to review, with its history, receipt and, when
 * the citizen may, a one-step withdrawal.
 */
import { canWithdraw } from '../../../core/consent-rules.ts';
import { attrKey, isConsentBasis, type PiiItem, type Purpose } from '../../../core/consent.ts';
import { escapeHtml, html, SafeHtml } from '../../../web/html.ts';
import { pick, t, type Locale, type MessageKey } from '../../../web/i18n.ts';
import { PARTY_ROLE_LABEL, PARTY_STATUS_LABEL } from '../../../web/messages.ts';
import type { CardContext, CitizenRecordView, HistoryView, MyPartyView, PartyView, RecordCardMode, SourceLabels } from '../view-models.ts';
import { eventText, humanDuration, statusText, when } from './format.ts';

function facts(r: CitizenRecordView, purpose: Purpose, locale: Locale): SafeHtml {
  const basis = isConsentBasis(purpose.lawful_basis)
    ? t(locale, 'lawful_basis_consent')
    : t(locale, 'lawful_basis_other', { basis: purpose.lawful_basis });
  return html`<dl class="facts">
    <dt>${t(locale, 'status')}</dt>
    <dd><span class="status status-${r.status}">${statusText(locale, r.status)}</span></dd>
    <dt>${t(locale, 'purpose')}</dt>
    <dd>${pick(r.purpose_label ?? undefined, locale) || purpose.purpose}</dd>
    <dt>${t(locale, 'lawful_basis')}</dt>
    <dd>${basis}</dd>
    <dt>${t(locale, 'retention')}</dt>
    <dd>${humanDuration(purpose.retention_period, locale)}</dd>
    <dt>${t(locale, 'expires')}</dt>
    <dd>${when(r.expires_at, locale)}</dd>
  </dl>`;
}

function participant(p: PartyView, locale: Locale): SafeHtml {
  const me = p.is_me ? html` (<strong>${t(locale, 'you')}</strong>)` : '';
  return html`<li>${t(locale, PARTY_ROLE_LABEL[p.role])}${me}: ${t(locale, PARTY_STATUS_LABEL[p.status])}</li>`;
}

function attributeChoice(i: PiiItem, labels: SourceLabels, locale: Locale): SafeHtml {
  const label = labels.attributeLabel(i.source, i.pii_attribute_id, locale);
  return i.pii_optional
    ? html`<label><input type="checkbox" name="choices" value="${attrKey(i)}" checked /> ${label} (${t(locale, 'optional')})</label>`
    : html`<label><input type="checkbox" checked disabled /> ${label} (${t(locale, 'required')})</label>`;
}

function hiddenFields(csrf: string, partyId: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="party_id" value="${partyId}" />`;
}

function decisionForm(r: CitizenRecordView, purpose: Purpose, decider: MyPartyView, view: CardContext): SafeHtml {
  const { locale, labels } = view;
  const others = r.parties.filter((p) => !p.is_me && p.decides);
  const sourceName = labels.sourceName(purpose.pii_information[0]?.source ?? '', locale);
  return html`<form method="post" action="/dashboard/requests/${encodeURIComponent(r.record_id)}">
    ${hiddenFields(view.csrf, decider.party_id)}
    <fieldset>
      <legend>${t(locale, 'attributes')} – ${sourceName}</legend>
      ${purpose.pii_information.map((i) => attributeChoice(i, labels, locale))}
    </fieldset>
    ${others.length > 0 ? html`<p class="notice">${t(locale, 'others_must_approve')}</p>` : ''}
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
  const items = r.released.flatMap((s) =>
    [...new Set(s.subjects.flatMap((sub) => sub.datatypes))].map((d) => html`<li>${labels.attributeLabel(s.source, d, locale)}</li>`),
  );
  return html`${heading(view, 1, t(locale, 'attributes'))}
    <ul>
      ${items}
    </ul>`;
}

function historyItem(h: HistoryView, locale: Locale): SafeHtml {
  const arrangement = h.actor.startsWith('arrangement:')
    ? html` – ${t(locale, 'by_arrangement', { name: /"(.*)"/.exec(h.reason ?? '')?.[1] ?? '' })}`
    : '';
  return html`<li>${when(h.time, locale)}: ${eventText(locale, h.event_type)} (${statusText(locale, h.to_status)})${arrangement}</li>`;
}

function withdrawForm(r: CitizenRecordView, decider: MyPartyView, view: CardContext): SafeHtml {
  return html`<form method="post" action="/dashboard/consents/${encodeURIComponent(r.record_id)}/withdraw">
    ${hiddenFields(view.csrf, decider.party_id)}<button type="submit" class="danger">${t(view.locale, 'withdraw')}</button>
  </form>`;
}

/** One record as a card; `mode` decides whether decision or withdrawal controls show. */
export function renderRecord(r: CitizenRecordView, mode: RecordCardMode, view: CardContext): SafeHtml {
  const { locale } = view;
  const purpose = r.purposes[0]!;
  const id = encodeURIComponent(r.record_id);
  const decider = r.my_parties.find((p) => p.decides);
  return html`<article class="card" aria-labelledby="h-${id}">
    ${heading(view, 0, pick(r.service_name ?? undefined, locale) || r.client_id, `h-${id}`)} ${facts(r, purpose, locale)}
    ${heading(view, 1, t(locale, 'participants'))}
    <ul>
      ${r.parties.map((p) => participant(p, locale))}
    </ul>
    ${mode === 'request' && decider ? decisionForm(r, purpose, decider, view) : released(r, view)}
    ${decider?.role === 'guardian' ? html`<p class="notice">${t(locale, 'acting_for')}</p>` : ''}
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
