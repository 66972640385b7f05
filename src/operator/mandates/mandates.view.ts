/**
 * The view of the mandates page: what the signed-in person has given (with the services'
 * names) and what they have received (each grantor's records within the mandate), the
 * services they can choose from, and the bounds of the end date.
 */
import type { Locale } from '../../web/i18n.ts';
import type { CardContext } from '../citizen/view-models.ts';
import type { Mandate, MandateProblem, ReceivedMandate } from './mandates.ts';

/** The mandates page. */
export interface MandatesPageView {
  given: Mandate[];
  received: ReceivedMandate[];
  /** Every service a mandate can name, by client id, with its name in the page's language. */
  services: Array<{ client_id: string; name: string }>;
  /** The name of a service by client id (the id itself when unknown). */
  serviceName: (clientId: string) => string;
  /** The first and last end dates the form accepts (YYYY-MM-DD). */
  minDate: string;
  maxDate: string;
  card: CardContext & { locale: Locale };
  /** What was wrong with the form just sent, if anything. */
  problem?: MandateProblem;
}
