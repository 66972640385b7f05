/**
 * A demo data source modelled on the Finnish Incomes Register (Tulorekisteri): earnings,
 * benefits and employment of adults for one income year, keyed by the personal identity code.
 * Every figure is derived deterministically from the seed and the person (`income-model.ts`),
 * so the same population and seed always give the same answers.
 */
import type { FastifyInstance } from 'fastify';
import type { Person } from '../population/population.ts';
import { createIncomeModel, type IncomeModelOptions } from './income-model.ts';
import { createRegisterApp, findPerson, sendError, type RegisterOptions } from './register-app.ts';

/** Options of the incomes register: its API key and what its figures are derived from. */
export type IncomesRegisterOptions = RegisterOptions & IncomeModelOptions;

/** Fastify app of the demo incomes register over the given people. */
export function createIncomesRegister(people: Person[], options: IncomesRegisterOptions = {}): FastifyInstance {
  const app = createRegisterApp(options);
  const model = createIncomeModel(people, options);
  const index = new Map(people.map((p) => [p.personal_identity_code, p]));
  const answer =
    (kind: 'income' | 'employment') => async (request: { params: { id: string } }, reply: Parameters<typeof findPerson>[2]) => {
      if (!findPerson(index, request.params.id, reply)) return reply;
      const doc = model[kind](request.params.id);
      if (!doc) return sendError(reply, 404, 'not_found', 'the incomes register holds no data for this person');
      return doc;
    };
  app.get<{ Params: { id: string } }>('/people/:id/income', answer('income'));
  app.get<{ Params: { id: string } }>('/people/:id/employment', answer('employment'));
  return app;
}
