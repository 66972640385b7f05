/**
 * What the "move to another operator" page shows: where the citizen may move (the other
 * operators of the trust group) and their moves to and from this operator.
 */
import type { MoveView } from './portability.ts';

/** The move page of a signed-in citizen. */
export interface MovePageView {
  /** Other operators of the trust group (issuer and name), offered as move targets. */
  peers: Array<{ issuer: string; name: string }>;
  moves: MoveView[];
  csrf: string;
}
