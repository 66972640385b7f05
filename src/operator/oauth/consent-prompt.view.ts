/**
 * What the consent prompt of an authorization shows, one item per requested source: the
 * service's purpose with its lawful basis and retention, the source and each attribute's
 * label; and what an approval needs to record the consent. The prompt renders the terms of
 * each item (the same named view the dashboard's cards render).
 */
import type { Purpose } from '../../core/consent.ts';
import type { Locale, MessageKey } from '../../web/i18n.ts';
import { approvalValidity, consentTerms, type ConsentTermsView } from '../citizen/consent-terms.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import type { PersonalDataAccessDetail } from './authorization-server.ts';

/** One requested source of an authorization, with the purposes the service's agreement gives it. */
export interface ConsentPromptItem {
  detail: PersonalDataAccessDetail;
  purposes: Purpose[];
  validity: string | null;
  service: ServiceDefinition;
  sourceName: Record<Locale, string>;
  /** Attribute id → label. */
  labels: Map<string, Record<Locale, string>>;
  /** The identifier type the source knows people by. */
  identifierType: string;
}

/** The consent prompt of the interaction `uid`, in one language. */
export interface ConsentPromptView {
  uid: string;
  csrf: string;
  /** The terms of each requested source. */
  terms: Array<{ source: string; terms: ConsentTermsView }>;
  /** Optional items already ticked: a decision asked again after a sign-in or a stale form. */
  chosen: Set<string>;
  /** Why the prompt is shown again, if it is. */
  notice?: MessageKey;
}

/** The terms of one requested source in `locale`; an approval now makes the consent valid from `now`. */
export function promptTerms(p: ConsentPromptItem, locale: Locale, now = Date.now()): { source: string; terms: ConsentTermsView } {
  const def = p.service.purposes.find((x) => x.purpose === p.detail.purpose);
  const source = p.sourceName[locale];
  const terms = consentTerms({
    purpose: p.purposes[0]!,
    service: { name: p.service.name[locale], controller: p.service.controller, privacy_notice: p.service.privacy_notice },
    purposeLabel: def?.label,
    purposeDescription: def?.description,
    sourceName: () => source,
    attributeLabel: (_resource, id) => p.labels.get(id)?.[locale] ?? id,
    validity: approvalValidity(p.validity, now),
    locale,
  });
  return { source, terms };
}
