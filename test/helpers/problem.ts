/** The ProblemError a promise rejects with; fails the test when it resolves or rejects otherwise. */
import { ProblemError } from '../../src/shared/errors.ts';

export async function failure(p: Promise<unknown>): Promise<ProblemError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemError) return err;
    throw err;
  }
  throw new Error('expected a ProblemError');
}
