/**
 * A consent request naming a malformed identifier is the client's mistake: 400 problem+json
 * naming the field, before any register is asked; a guardianship register that misbehaves
 * (an error status, no JSON, a guardian by no valid code, unreachable) is 502, never 500.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populationRegisterGuardians } from '../../src/operator/guardianship/population-register.ts';
import { identifierProblem, isValidHetu } from '../../src/core/identifiers.ts';
import { failure } from '../helpers/problem.ts';
import {
  callApi,
  createTestService,
  freePort,
  PEOPLE,
  PURPOSE,
  serviceDefinition,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

describe('identifiers checked by their type', () => {
  it('accepts valid personal identity codes and refuses malformed ones', () => {
    expect(isValidHetu(PEOPLE.aino.personal_identity_code)).toBe(true);
    expect(isValidHetu('010188-9029')).toBe(false); // wrong control character
    expect(isValidHetu('310288-9028')).toBe(false); // no 31 February
    expect(identifierProblem('fi_hetu', 'not-a-hetu')).toMatch(/not a valid Finnish personal identity code/);
    expect(identifierProblem('eidas', 'EE/FI/39001010000')).toBeUndefined();
    expect(identifierProblem('eidas', 'has space')).toMatch(/printable/);
    expect(identifierProblem('solid_pod', 'x'.repeat(101))).toMatch(/1 to 100/);
  });
});

describe('a consent request naming a malformed identifier', () => {
  let world: World;
  let service: TestService;

  beforeAll(async () => {
    world = await startWorld({ admitted: ['a'] });
    service = await createTestService('fee-service');
    await world.operators.a.registry.putService(serviceDefinition(service));
  });
  afterAll(async () => world?.close());

  it.each([['not-a-hetu'], ['1'.repeat(100)], ['../../people/..'], ['010188-9029'], ['310288-9028']])(
    'refuses %s with 400 naming the field, and files nothing',
    async (identifier) => {
      const res = await callApi(service, world.issuers.a, 'POST', '/api/consent-requests', {
        subjects: [
          { identifier_type: 'fi_hetu', identifier: PEOPLE.mikko.personal_identity_code },
          { identifier_type: 'fi_hetu', identifier },
        ],
        activation_mode: 'data_subject_activates',
        purpose: PURPOSE,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { detail: string };
      expect(problem.detail).toBe(
        'subjects[1].identifier (fi_hetu) is not a valid Finnish personal identity code (DDMMYY, century sign, individual number, control character)',
      );
      const filed = await world.operators.a.store.db.selectFrom('consent_records').select('record_id').execute();
      expect(filed).toEqual([]);
    },
  );
});

describe('a guardianship register that misbehaves', () => {
  let register: FastifyInstance;
  let url: string;
  const answers: Record<string, (reply: import('fastify').FastifyReply) => unknown> = {
    '010188-9028': (r) => r.code(400).send({ error: 'bad request' }),
    '020286-9059': (r) => r.code(500).send('boom'),
    '010101-123N': (r) => r.type('text/html').send('<html>maintenance</html>'),
    '020202A1234': (r) => r.send({ guardians: [{ personal_identity_code: '../../x' }] }),
    // the data, but labelled as a web page
    '030303A123B': (r) => r.type('text/html').send(JSON.stringify({ guardians: [] })),
    // far more than a list of guardians
    '040404A123C': (r) => r.send({ guardians: [], padding: 'x'.repeat(100_000) }),
    // the connection breaks after the headers and half an answer
    '050505A123D': (r) => {
      r.hijack();
      r.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      r.raw.write('{"guardians": [');
      setTimeout(() => r.raw.destroy(), 20);
    },
    // a slow drip: a byte every 100 ms, never finishing within the register's 5 s
    '060606A123E': (r) => {
      r.hijack();
      r.raw.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => r.raw.write(' '), 100);
      r.raw.once('close', () => clearInterval(drip));
    },
  };

  beforeAll(async () => {
    register = Fastify({ logger: false });
    register.get('/people/:id/guardians', async (request, reply) => {
      const answer = answers[(request.params as { id: string }).id];
      return answer ? answer(reply) : reply.code(404).send({});
    });
    await register.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(register.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    register?.server.closeAllConnections();
    await register?.close();
  });

  it('is 502 for an error status, an answer that is not JSON, too large, cut short or too slow, or a guardian by no valid code', async () => {
    const guardians = populationRegisterGuardians(url);
    const said: Record<string, string> = {};
    const started = Date.now();
    await Promise.all(
      Object.keys(answers).map(async (identifier) => {
        const err = await failure(guardians({ identifier_type: 'fi_hetu', identifier }));
        expect(err.status, identifier).toBe(502);
        expect(err.message).toMatch(/^the population register \(guardianship\) .*; the request was not filed, try again$/);
        said[identifier] = err.message.replace(/^the population register \(guardianship\) /, '').replace(/;.*$/, '');
      }),
    );
    expect(said).toEqual({
      '010188-9028': 'answered 400',
      '020286-9059': 'answered 500',
      '010101-123N': 'answered text/html, not JSON',
      '020202A1234': 'named a guardian by no valid code',
      '030303A123B': 'answered text/html, not JSON',
      '040404A123C': 'answered with more than 64 KiB',
      '050505A123D': 'broke the connection before its answer was complete',
      '060606A123E': 'did not answer within 5 s',
    });
    // the drip is cut at the deadline, not left running
    expect(Date.now() - started).toBeLessThan(8000);
    // a person the register does not know has no guardians
    await expect(guardians({ identifier_type: 'fi_hetu', identifier: '030303-1234' })).resolves.toEqual([]);
  });

  it('is 502 when the register cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const err = await failure(
      populationRegisterGuardians(closed)({ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }),
    );
    expect(err.status).toBe(502);
    expect(err.message).toContain('could not be reached');
  });
});
