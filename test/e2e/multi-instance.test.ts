/**
 * Two operator instances on one PostgreSQL (as behind a load balancer): a consent change
 * committed by one instance wakes the consent feeds of the other through LISTEN/NOTIFY.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator/operator.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import { dropLocation } from '../helpers/stores.ts';
import { createTestService, PEOPLE, PURPOSE, serviceDefinition } from '../helpers/world.ts';

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('operator instances sharing PostgreSQL', () => {
  const location: StoreLocation = { kind: 'postgres', url: url ?? '', schema: `mi_${randomBytes(5).toString('hex')}` };
  const instances: Operator[] = [];
  afterAll(async () => {
    for (const i of instances) await i.close();
    await dropLocation(location);
  });

  it('tells every instance about a change within a few milliseconds', async () => {
    for (let i = 0; i < 2; i += 1) {
      instances.push(
        await createOperator({
          store: await openStore<OperatorDatabase>(location),
          logLevel: 'silent',
          config: {
            name: 'operator-a',
            listen: { host: '127.0.0.1', port: 0 },
            issuer: 'http://127.0.0.1:1',
            display_name: { fi: 'A', sv: 'A', en: 'A' },
            admin_token: 'admin-token-0123456789',
            cookie_secret: 'cookie-secret-0123456789abcdefghijklmn',
            identity_providers: [],
            registry_files: [],
            access_token_ttl_s: 300,
            webhook_max_attempts: 1,
          },
        }),
      );
    }
    const [one, two] = instances as [Operator, Operator];
    await one.registry.putSource({
      id: 'incomes',
      resource: 'http://127.0.0.1:2/sources/incomes',
      name: { fi: 'T', sv: 'T', en: 'T' },
      identifier_type: 'fi_hetu',
      attributes: ['annual_income', 'income_year', 'employer'].map((id) => ({
        id,
        label: { fi: id, sv: id, en: id },
        category: 'https://w3id.org/dpv/pd#Income',
        sensitivity: 'normal' as const,
      })),
    });
    await one.registry.putService(serviceDefinition(await createTestService('svc')));
    const heard = new Promise<number>((resolve) => one.consents.once('event', () => resolve(performance.now())));
    const started = performance.now();
    const state = await two.consents.fileRequest('svc', {
      subjects: [{ identifier_type: 'fi_hetu', identifier: PEOPLE.aino.personal_identity_code }],
      activation_mode: 'data_subject_activates',
      purpose: PURPOSE,
    });
    const at = await heard;
    expect(state.status).toBe('pending');
    const ms = at - started;
    console.log(`cross-instance consent notification after ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
  });
});
