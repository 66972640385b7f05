/**
 * "My data" with more than one source: a click reads one source through the gateway under a
 * consent for that source's attributes only, shows what it holds, and withdraws the consent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenGet, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { startWorld, type World } from '../helpers/world.ts';

describe('my data with two sources', () => {
  let world: World;
  let aino: Citizen;

  beforeAll(async () => {
    world = await startWorld({
      extraSources: [
        {
          gateway: {
            id: 'employment',
            upstream: { base_url: 'http://127.0.0.1:9', timeout_ms: 2000, max_response_bytes: 1048576 },
            operations: [
              {
                name: 'employment',
                method: 'GET',
                path: '/people/{identifier}/employment',
                identifier_type: 'fi_hetu',
                attributes: { employer: '/employer' },
              },
            ],
          },
          registry: {
            id: 'employment',
            name: { fi: 'Työsuhteet', sv: 'Anställningar', en: 'Employment' },
            identifier_type: 'fi_hetu',
            attributes: [
              {
                id: 'employer',
                label: { fi: 'Työnantaja', sv: 'Arbetsgivare', en: 'Employer' },
                category: 'https://w3id.org/dpv/pd#Employer',
                sensitivity: 'normal',
              },
            ],
          },
        },
      ],
    });
    aino = await signIn(world.issuers.a, 'demo', 'aino');
  }, 60_000);
  afterAll(async () => world?.close());

  it("shows one source without asking for the other source's attributes, and leaves the consent withdrawn", async () => {
    const res = await aino.browser.postForm(`${world.issuers.a}/dashboard/mydata`, { source: 'incomes', _csrf: aino.csrf });
    const page = await res.text();
    expect(res.status).toBe(200);
    // the figure as Finnish readers write it, under its labels from the source definition
    expect(page).toContain('Vuositulot › Bruttotulot (€)');
    expect(page).toContain('48\u00a0213,55');
    const records = await citizenGet<
      Array<{ client_id: string; status: string; purposes: Array<{ pii_information: Array<{ source: string }> }> }>
    >(aino, '/citizen/api/consents');
    const insight = records.filter((r) => r.client_id === 'portti-insight');
    expect(insight).toHaveLength(1);
    expect(insight[0]!.status).toBe('withdrawn');
    expect(new Set(insight[0]!.purposes[0]!.pii_information.map((i) => i.source))).toEqual(new Set([world.resource]));
  });
});
