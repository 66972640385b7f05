/**
 * What the consent prompt of an authorization shows, one item per requested source: the
 * service's purpose with its lawful basis and retention, the source and each attribute's
 * label; and what an approval needs to record the consent.
 */
import type { Purpose } from '../../core/consent.ts';
import type { Locale } from '../../web/i18n.ts';
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

/** The consent prompt of the interaction `uid`. */
export interface ConsentPromptView {
  uid: string;
  csrf: string;
  items: ConsentPromptItem[];
}
