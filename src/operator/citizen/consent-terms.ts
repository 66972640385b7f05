/**
 * What a person agrees to, as a named view both consent pages show before a decision (the
 * interactive prompt and the dashboard's request card) and every card after it: who the
 * controller is and how to reach them, the privacy notice and the data agreement, the
 * purpose, the lawful basis, the recipients, each item with its source, the retention in
 * words and the validity that will actually apply.
 */
import { STATUS_RULES } from '../../core/consent-rules.ts';
import type { ConsentStatus } from '../../core/consent-event.ts';
import { addDuration, type Purpose } from '../../core/consent.ts';
import type { Locale } from '../../web/i18n.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { CitizenRecordView, LocalizedText, SourceLabels } from './view-models.ts';

/** One data item in words: its label and the name of the source it comes from. */
export interface ConsentItemView {
  /** `<source resource>#<attribute id>` (the value of an optional item's checkbox). */
  key: string;
  label: string;
  source: string;
  optional: boolean;
}

/**
 * How long a consent lasts, as it will apply: until a date (known once it is in force, or at once
 * for an interactive approval), a duration from the day it takes effect (a pending request), until
 * withdrawn, or, for an ended record, when it ended (and no validity).
 */
export type ValidityView =
  | { kind: 'until'; at: string; duration: string | null }
  | { kind: 'from_activation'; duration: string; if_today: string }
  | { kind: 'until_withdrawn' }
  | { kind: 'ended'; at: string };

/** The terms of one consent, resolved for a language. */
export interface ConsentTermsView {
  service: string;
  controller: { name: string; contact?: string | undefined };
  privacy_notice: string | null;
  agreement_uid: string | null;
  purpose: string;
  purpose_description: string | null;
  lawful_basis: string;
  recipients: string[];
  retention_period: string;
  items: ConsentItemView[];
  validity: ValidityView;
}

/** What the terms are built from: the record's purpose and the service's registry entry, with labels. */
export interface TermsInput {
  purpose: Purpose;
  service: { name: string; controller?: ServiceDefinition['controller'] | undefined; privacy_notice?: string | undefined };
  purposeLabel: LocalizedText | null | undefined;
  purposeDescription: LocalizedText | null | undefined;
  sourceName: (resource: string) => string;
  attributeLabel: (resource: string, id: string) => string;
  validity: ValidityView;
  locale: Locale;
}

/** The terms of a purpose in one language. */
export function consentTerms(input: TermsInput): ConsentTermsView {
  const { purpose, service, locale } = input;
  return {
    service: service.name,
    controller: { name: service.controller?.name ?? service.name, contact: service.controller?.contact },
    privacy_notice: service.privacy_notice ?? null,
    agreement_uid: purpose.agreement_uid || null,
    purpose: input.purposeLabel?.[locale] ?? purpose.purpose,
    purpose_description: input.purposeDescription?.[locale] ?? null,
    lawful_basis: purpose.lawful_basis,
    recipients: purpose.recipient_third_parties,
    retention_period: purpose.retention_period,
    items: purpose.pii_information.map((i) => ({
      key: `${i.source}#${i.pii_attribute_id}`,
      label: input.attributeLabel(i.source, i.pii_attribute_id),
      source: input.sourceName(i.source),
      optional: i.pii_optional,
    })),
    validity: input.validity,
  };
}

/** The facts a record's validity follows from. */
export interface ValidityFacts {
  status: ConsentStatus;
  /** ISO 8601 times. */
  expires_at: string | null;
  updated_at: string;
  validity_duration: string | null;
}

/**
 * The validity a record shows: an ended record (declined, withdrawn, expired, moved) shows when it
 * ended; one in force its expiry; a pending one its duration and the date it gives if it takes effect
 * `now` (the date its card shows once approved today: the state machine counts from activation).
 */
export function recordValidity(r: ValidityFacts, now: number): ValidityView {
  if (!STATUS_RULES[r.status].open) return { kind: 'ended', at: r.updated_at };
  if (r.expires_at) return { kind: 'until', at: r.expires_at, duration: null };
  if (r.validity_duration) return approvalValidity(r.validity_duration, now, 'from_activation');
  return { kind: 'until_withdrawn' };
}

/** The validity of a consent that takes effect at `now` (an interactive approval) or later (a request). */
export function approvalValidity(duration: string | null, now: number, kind: 'until' | 'from_activation' = 'until'): ValidityView {
  if (!duration) return { kind: 'until_withdrawn' };
  const at = new Date(addDuration(now, duration)).toISOString();
  return kind === 'until' ? { kind, at, duration } : { kind, duration, if_today: at };
}

/** The terms of a record as a participant's card shows them (`now` dates a pending record's validity). */
export function recordTerms(r: CitizenRecordView, labels: SourceLabels, locale: Locale, now = Date.now()): ConsentTermsView {
  const service = r.service_name?.[locale] ?? r.client_id;
  return consentTerms({
    purpose: r.purposes[0]!,
    service: { name: service, controller: r.controller ?? undefined, privacy_notice: r.privacy_notice ?? undefined },
    purposeLabel: r.purpose_label,
    purposeDescription: r.purpose_description,
    sourceName: (resource) => labels.sourceName(resource, locale),
    attributeLabel: (resource, id) => labels.attributeLabel(resource, id, locale),
    validity: recordValidity(r, now),
    locale,
  });
}
