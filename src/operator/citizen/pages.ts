/**
 * Rendering of the dashboard's building blocks: a consent record (as a request to
 * decide or as a consent to review and withdraw), the access log, and the keychain.
 */
import type { IdentityProviderConfig } from '../../shared/config.schema.ts';
import type { KeychainEntry } from '../accounts/accounts.ts';
import type { CitizenService } from './citizen.service.ts';
import type { AccessOutcome } from '../../audit/access-record.ts';
import type { ConsentStatus } from '../../core/consent-event.ts';
import { canWithdraw } from '../../core/consent-rules.ts';
import { attrKey, isConsentBasis } from '../../core/consent.ts';
import { html } from '../../web/html.ts';
import { pick, t, type Locale, type MessageKey } from '../../web/i18n.ts';
import { ACCESS_OUTCOME_LABEL, CONSENT_STATUS_LABEL, PARTY_ROLE_LABEL, PARTY_STATUS_LABEL } from '../../web/messages.ts';

type RecordView = Awaited<ReturnType<CitizenService['record']>>;

export interface Labels {
  sourceName(resource: string, locale: Locale): string;
  attributeLabel(resource: string, id: string, locale: Locale): string;
}

const statusText = (locale: Locale, status: ConsentStatus) => t(locale, CONSENT_STATUS_LABEL[status]);

const EVENT_KEYS: Record<string, MessageKey> = {
  'dpv:ConsentRequested': 'event_requested',
  'dpv:ConsentGiven': 'event_given',
  'dpv:ConsentRefused': 'event_refused',
  'dpv:ConsentWithdrawn': 'event_withdrawn',
  'dpv:ConsentExpired': 'event_expired',
  'dpv:ConsentSuspended': 'event_suspended',
  'dpv:ConsentResumed': 'event_resumed',
  'portti:ProcessingRecorded': 'event_recorded',
  'portti:ConsentMoved': 'event_moved',
  'portti:ConsentImported': 'event_imported',
};
/** An ISO 8601 duration in words (P1Y2M → "1 yr 2 mo"). */
export function humanDuration(iso: string, locale: Locale): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return iso;
  const parts: Array<[string | undefined, MessageKey, number]> = [
    [m[1], 'years', 1],
    [m[2], 'months', 1],
    [m[3], 'days', 7],
    [m[4], 'days', 1],
    [m[5], 'hours', 1],
    [m[6], 'minutes', 1],
    [m[7], 'seconds', 1],
  ];
  const words = parts.filter(([v]) => v !== undefined).map(([v, key, factor]) => t(locale, key, { n: Number(v) * factor }));
  return words.length > 0 ? words.join(' ') : iso;
}

const eventText = (locale: Locale, type: string) => (EVENT_KEYS[type] ? t(locale, EVENT_KEYS[type]) : type);

function when(iso: string | null, locale: Locale): string {
  if (!iso) return t(locale, 'until_withdrawn');
  return new Date(iso).toLocaleString(locale === 'en' ? 'en-GB' : `${locale}-FI`, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Europe/Helsinki',
  });
}

/** One record as a card; `mode` decides whether decision or withdrawal controls show. */
export function renderRecord(r: RecordView, locale: Locale, csrf: string, labels: Labels, mode: 'request' | 'consent') {
  const purpose = r.purposes[0]!;
  const id = encodeURIComponent(r.record_id);
  const decider = r.my_parties.find((p) => p.decides);
  const others = r.parties.filter((p) => !p.is_me && p.decides);
  return html`<article class="card" aria-labelledby="h-${id}">
    <h2 id="h-${id}">${pick(r.service_name as never, locale) || r.client_id}</h2>
    <dl class="facts">
      <dt>${t(locale, 'status')}</dt>
      <dd><span class="status status-${r.status}">${statusText(locale, r.status)}</span></dd>
      <dt>${t(locale, 'purpose')}</dt>
      <dd>${pick(r.purpose_label as never, locale) || purpose.purpose}</dd>
      <dt>${t(locale, 'lawful_basis')}</dt>
      <dd>
        ${isConsentBasis(purpose.lawful_basis) ? t(locale, 'lawful_basis_consent') : t(locale, 'lawful_basis_other', { basis: purpose.lawful_basis })}
      </dd>
      <dt>${t(locale, 'retention')}</dt>
      <dd>${humanDuration(purpose.retention_period, locale)}</dd>
      <dt>${t(locale, 'expires')}</dt>
      <dd>${when(r.expires_at, locale)}</dd>
    </dl>
    <h3>${t(locale, 'participants')}</h3>
    <ul>
      ${r.parties.map((p) => html`<li>${t(locale, PARTY_ROLE_LABEL[p.role])}${p.is_me ? html` (<strong>${t(locale, 'you')}</strong>)` : ''}: ${t(locale, PARTY_STATUS_LABEL[p.status])}</li>`)}
    </ul>
    ${
      mode === 'request' && decider
        ? html`<form method="post" action="/dashboard/requests/${id}">
            <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="party_id" value="${decider.party_id}" />
            <fieldset>
              <legend>${t(locale, 'attributes')} – ${labels.sourceName(purpose.pii_information[0]?.source ?? '', locale)}</legend>
              ${purpose.pii_information.map((i) =>
                i.pii_optional
                  ? html`<label
                      ><input type="checkbox" name="choices" value="${attrKey(i)}" checked />
                      ${labels.attributeLabel(i.source, i.pii_attribute_id, locale)} (${t(locale, 'optional')})</label
                    >`
                  : html`<label
                      ><input type="checkbox" checked disabled /> ${labels.attributeLabel(i.source, i.pii_attribute_id, locale)}
                      (${t(locale, 'required')})</label
                    >`,
              )}
            </fieldset>
            ${others.length > 0 ? html`<p class="notice">${t(locale, 'others_must_approve')}</p>` : ''}
            <div class="actions">
              <button type="submit" name="decision" value="approve">${t(locale, 'approve')}</button>
              <button type="submit" name="decision" value="decline" class="secondary">${t(locale, 'decline')}</button>
            </div>
          </form>`
        : html`<h3>${t(locale, 'attributes')}</h3>
            <ul>
              ${r.released.flatMap((s) => [...new Set(s.subjects.flatMap((sub) => sub.datatypes))].map((d) => html`<li>${labels.attributeLabel(s.source, d, locale)}</li>`))}
            </ul>`
    }
    ${decider?.role === 'guardian' ? html`<p class="notice">${t(locale, 'acting_for')}</p>` : ''}
    <details>
      <summary>${t(locale, 'history')}</summary>
      <ol>
        ${r.history.map((h) => html`<li>${when(h.time, locale)}: ${eventText(locale, h.event_type)} (${statusText(locale, h.to_status)})${h.actor.startsWith('arrangement:') ? html` – ${t(locale, 'by_arrangement', { name: /"(.*)"/.exec(h.reason ?? '')?.[1] ?? '' })}` : ''}</li>`)}
      </ol>
    </details>
    <div class="actions">
      <a class="button secondary" href="/dashboard/consents/${id}/receipt">${t(locale, 'receipt')}</a>
      ${
        mode === 'consent' && decider && canWithdraw(r)
          ? html`<form method="post" action="/dashboard/consents/${id}/withdraw">
              <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="party_id" value="${decider.party_id}" /><button
                type="submit"
                class="danger"
              >
                ${t(locale, 'withdraw')}
              </button>
            </form>`
          : ''
      }
    </div>
  </article>`;
}

/** The access log table with an outcome filter and the result of a verification, if asked. */
export function renderAccessLog(
  entries: Array<Record<string, unknown>>,
  locale: Locale,
  outcome: string,
  serviceName: (id: string) => string,
  labels: Labels,
  verdict?: { checked: number; broken: number },
  purposeLabel: (clientId: string, purpose: string) => string = (_c, p) => p,
) {
  return html`${verdict ? html`<p class="notice" role="status">${verdict.broken === 0 ? t(locale, 'verify_ok', { n: verdict.checked }) : t(locale, 'verify_failed', { n: verdict.broken })}</p>` : ''}
    <form method="get" action="/dashboard/access" class="filter">
      <input type="hidden" name="verify" value="1" /><button type="submit" class="secondary">${t(locale, 'verify_chain')}</button>
    </form>
    <form method="get" action="/dashboard/access" class="filter">
      <label
        >${t(locale, 'outcome')}
        <select name="outcome">
          ${(['', 'allowed', 'refused', 'error'] as const).map((o) => html`<option value="${o}" ${o === outcome ? html`selected` : ''}>${o ? t(locale, ACCESS_OUTCOME_LABEL[o]) : t(locale, 'all')}</option>`)}
        </select></label
      >
      <button type="submit" class="secondary">${t(locale, 'filter')}</button>
    </form>
    ${
      entries.length === 0
        ? html`<p>${t(locale, 'no_access')}</p>`
        : html`<table>
            <caption class="muted">
              ${t(locale, 'entries', { n: entries.length })}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t(locale, 'time')}</th>
                <th scope="col">${t(locale, 'service')}</th>
                <th scope="col">${t(locale, 'attributes')}</th>
                <th scope="col">${t(locale, 'purpose')}</th>
                <th scope="col">${t(locale, 'outcome')}</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (e) =>
                  html`<tr>
                    <td>${when(String(e.time), locale)}</td>
                    <td>${serviceName(String(e.client_id ?? ''))}</td>
                    <td>
                      ${((e.datatypes_released as string[]) ?? []).map((d) => labels.attributeLabel(String(e.source), d, locale)).join(', ')}
                    </td>
                    <td>${purposeLabel(String(e.client_id ?? ''), String(e.purpose ?? ''))}</td>
                    <td class="outcome-${String(e.outcome)}">${t(locale, ACCESS_OUTCOME_LABEL[e.outcome as AccessOutcome])}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** Export (download everything) and erasure, with what is erased and what is kept. */
export function renderExportErase(locale: Locale, csrf: string) {
  return html`<section class="card" aria-labelledby="export-h">
      <h2 id="export-h">${t(locale, 'export_title')}</h2>
      <p>${t(locale, 'export_intro')}</p>
      <p>
        <a
          class="button"
          id="export-link"
          href="/citizen/api/export"
          download="portti-export.json"
          data-progress="${t(locale, 'export_progress')}"
          >${t(locale, 'export_button')}</a
        >
      </p>
      <p id="export-status" role="status" aria-live="polite"></p>
      <progress id="export-progress" hidden></progress>
    </section>
    <section class="card" aria-labelledby="erase-h">
      <h2 id="erase-h">${t(locale, 'erase_title')}</h2>
      <p>${t(locale, 'erase_what')}</p>
      <p>${t(locale, 'erase_kept')}</p>
      <form method="post" action="/dashboard/erase">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label><input type="checkbox" name="confirm" value="yes" required /> ${t(locale, 'erase_confirm')}</label>
        <button type="submit" class="danger">${t(locale, 'erase_button')}</button>
      </form>
    </section>
    <script src="/assets/export.js" defer></script>`;
}

/** The keychain: linked identities, link another, choose which one services see, unlink. */
export function renderKeychain(chain: KeychainEntry[], providers: IdentityProviderConfig[], locale: Locale, csrf: string) {
  return html`<ul>
      ${chain.map(
        (k) =>
          html`<li class="card">
            <dl class="facts">
              <dt>${t(locale, 'identity_provider')}</dt>
              <dd>${pick(providers.find((p) => p.id === k.idp)?.label, locale) || k.iss}</dd>
              <dt>${t(locale, 'linked_at')}</dt>
              <dd>${when(k.linked_at, locale)}</dd>
            </dl>
            ${k.preferred ? html`<p><strong>${t(locale, 'shown_to_services')}</strong></p>` : html`<form method="post" action="/dashboard/keychain"><input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="action" value="prefer" /><input type="hidden" name="iss" value="${k.iss}" /><input type="hidden" name="sub" value="${k.sub}" /><button type="submit" class="secondary">${t(locale, 'use_for_services')}</button></form>`}
            ${chain.length > 1 ? html`<form method="post" action="/dashboard/keychain"><input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="action" value="unlink" /><input type="hidden" name="iss" value="${k.iss}" /><input type="hidden" name="sub" value="${k.sub}" /><button type="submit" class="danger">${t(locale, 'unlink')}</button></form>` : ''}
          </li>`,
      )}
    </ul>
    <ul>
      ${providers.map((p) => html`<li><a class="button secondary" href="/login/${p.id}?link=1&amp;return_to=%2Fdashboard%2Fkeychain">${t(locale, 'link_identity', { name: pick(p.label, locale) })}</a></li>`)}
    </ul>`;
}
