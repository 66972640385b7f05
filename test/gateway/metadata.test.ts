/**
 * The gateway's RFC 9728 metadata publishes, per operation, where each attribute sits in the
 * answer (JSON pointers; `/<id>` for a Turtle operation, whose document the gateway builds),
 * so an operator can name each part of an answer for the citizen from its own labels.
 */
import { describe, expect, it } from 'vitest';
import { protectedResourceMetadata } from '../../src/gateway/metadata.routes.ts';
import { compileSources } from '../../src/gateway/source-registry.ts';

describe('protected-resource metadata', () => {
  it('lists each operation’s attributes with their pointers', () => {
    const [source] = compileSources('https://gw.example', [
      {
        id: 'incomes',
        upstream: { base_url: 'https://register.example', timeout_ms: 1000, max_response_bytes: 4096 },
        admitted_operators: ['https://op.example'],
        operations: [
          {
            name: 'income',
            method: 'GET',
            path: '/people/{identifier}',
            identifier_type: 'fi_hetu',
            attributes: { tax_debt: '/tax_debt_eur', name: ['/name', '/family_name'] },
          },
          {
            name: 'profile',
            method: 'GET',
            path: '/pods/{identifier}/profile',
            identifier_type: 'webid',
            format: 'turtle',
            attributes: { nick: 'http://xmlns.com/foaf/0.1/nick' },
          },
        ],
      },
    ]).values();
    expect(protectedResourceMetadata(source!).portti_operations).toEqual([
      {
        name: 'income',
        method: 'GET',
        identifier_type: 'fi_hetu',
        attributes: ['tax_debt', 'name'],
        pointers: { tax_debt: ['/tax_debt_eur'], name: ['/name', '/family_name'] },
      },
      { name: 'profile', method: 'GET', identifier_type: 'webid', attributes: ['nick'], pointers: { nick: ['/nick'] } },
    ]);
  });
});
