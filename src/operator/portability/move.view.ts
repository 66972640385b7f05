/**
 * What the "move to another operator" page shows: where the citizen may move (the other
 * operators of the trust group) and their moves to and from this operator.
 */
import type { LocalizedText } from '../citizen/view-models.ts';
import type { MoveView } from './portability.ts';

/** The move page of a signed-in citizen. */
export interface MovePageView {
  /** Other operators of the trust group (issuer and display names), offered as move targets. */
  peers: Array<{ issuer: string; name: LocalizedText }>;
  /** Display names of the group's members by issuer (the other side of each move). */
  names: Record<string, LocalizedText>;
  /** Display names of services by client id (each record of a move shows its service by name). */
  services: Record<string, LocalizedText>;
  moves: MoveView[];
  csrf: string;
}
