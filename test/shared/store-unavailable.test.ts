/** Which errors mean "the database cannot be reached" (503 with Retry-After), and which are bugs (500). */
import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../src/shared/errors.ts';

const err = (fields: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), fields);

describe('isStoreUnavailable', () => {
  it.each([
    ['a refused connection', err({ code: 'ECONNREFUSED' })],
    ['a reset connection', err({ code: 'ECONNRESET' })],
    ['PostgreSQL shutting down (57P01)', err({ code: '57P01' })],
    ['PostgreSQL starting (57P03)', err({ code: '57P03' })],
    ['a read-only standby after a failover (25006)', err({ code: '25006' })],
    ['a connection exception class 08', err({ code: '08006' })],
    ['too many connections (53300)', err({ code: '53300' })],
    ['a connection lost mid-query', err({}, 'Connection terminated unexpectedly')],
    ['a pool connect timeout', err({}, 'timeout exceeded when trying to connect')],
    ['SQLite busy', err({ code: 'ERR_SQLITE_ERROR', errcode: 5 })],
    ['SQLite I/O error (extended code)', err({ code: 'ERR_SQLITE_ERROR', errcode: 10 | (1 << 8) })],
  ])('%s is the store being unavailable', (_name, e) => expect(isStoreUnavailable(e)).toBe(true));

  it.each([
    ['a unique violation (23505)', err({ code: '23505' })],
    ['a syntax error (42601)', err({ code: '42601' })],
    ['a SQLite constraint failure', err({ code: 'ERR_SQLITE_ERROR', errcode: 19 })],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not', (_name, e) => expect(isStoreUnavailable(e)).toBe(false));
});
