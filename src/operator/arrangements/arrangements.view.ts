/**
 * What the arrangement pages show: the registry's choices for a rule (purposes, service
 * kinds, every source's attributes) named in the visitor's language, and the citizen's
 * arrangements with the form to add or change one.
 */
import { purposeLabel as dpvPurposeLabel } from '../../core/dpv.ts';
import { pick, t, type Locale } from '../../web/i18n.ts';
import type { ServiceEntry, SourceEntry } from '../registry/registry.ts';
import type { Arrangement } from './arrangements.ts';

/** The registry's choices for an arrangement, with labels in one language. */
export interface ArrangementCatalogue {
  sources: SourceEntry[];
  /** Kinds of the registered services, sorted. */
  kinds: string[];
  purposeLabel(iri: string): string;
  kindLabel(kind: string): string;
  /** An attribute key `<source resource>#<attribute id>` as "attribute (source)". */
  attributeLabel(key: string): string;
}

/** The form to create an arrangement, or to change `current`. */
export interface ArrangementFormView {
  catalogue: ArrangementCatalogue;
  csrf: string;
  /** The trust group this operator is in (`group_id`), offered as a condition. */
  group?: string;
  /** Its display name in the page's language. */
  groupName?: string;
  current?: Arrangement;
}

/** The arrangements page: the citizen's arrangements and the form for a new one. */
export interface ArrangementListView {
  arrangements: Arrangement[];
  form: ArrangementFormView;
}

/** The catalogue of `sources` and `services` in `locale`. */
export function arrangementCatalogue(sources: SourceEntry[], services: ServiceEntry[], locale: Locale): ArrangementCatalogue {
  // the operator's own "my data" client is no kind of service a citizen chooses
  // nor is a self-registered service still under review or refused
  const chosen = (x: ServiceEntry) =>
    x.kind !== 'gateway' && x.kind !== 'operator_insight' && 'purposes' in x.definition && !['pending', 'refused'].includes(x.status);
  const kinds = [...new Set(services.flatMap((x) => (chosen(x) && 'purposes' in x.definition ? [x.definition.kind] : [])))];
  return {
    sources,
    kinds: kinds.sort(),
    purposeLabel: (iri) => dpvPurposeLabel(iri, locale),
    // registry kinds are lower-case ids (`public_service`, `commercial`): other kinds show as words
    kindLabel: (k) => (k === 'public_service' ? t(locale, 'kind_public_service') : k.replaceAll('_', ' ')),
    attributeLabel: (key) => {
      const [resource, id] = [key.slice(0, key.lastIndexOf('#')), key.slice(key.lastIndexOf('#') + 1)];
      const src = sources.find((x) => x.resource === resource);
      return `${pick(src?.attributes.find((a) => a.id === id)?.label, locale) || id} (${pick(src?.name, locale) || resource})`;
    },
  };
}
