/**
 * Every part of every answer the demo sources give has a label in fi/sv/en from its
 * definition: the registry's attributes (with `fields` and `values`) for what "My data"
 * shows of the registers through the gateway's pointers, and the data store category's
 * `labels` for "My data store". So the dashboard never shows a JSON key or pointer.
 */
import { describe, expect, it } from 'vitest';
import { compileAttributeMap, compilePointer, filterAttributes, readPointer } from '../../src/core/attribute-filter.ts';
import { taxDecision } from '../../src/demo/demo-depositor.ts';
import { ageAt, generatePopulationData } from '../../src/demo/population/population.ts';
import { createIncomeModel } from '../../src/demo/registers/income-model.ts';
import { createIncomesRegister } from '../../src/demo/registers/incomes-register.ts';
import { createPopulationRegister } from '../../src/demo/registers/population-register.ts';
import { insightRows } from '../../src/operator/citizen/insight-rows.ts';
import { loadRegistryFile } from '../../src/operator/registry/registry-file.ts';
import type { RegistrySource } from '../../src/operator/registry/registry.schema.ts';
import { loadPorttiConfig } from '../../src/shared/config.ts';
import { LOCALES } from '../../src/web/i18n.ts';

const config = loadPorttiConfig('config/demo.yaml', {});
const registry = loadRegistryFile('config/demo-registry.yaml', {});
const { people, families } = generatePopulationData(300, 2026);
const apps = {
  'incomes-register': createIncomesRegister(people, { families }),
  'population-register': createPopulationRegister(people, families),
};
const gatewaySources = config.gateways[0]!.sources;

/** The parts of `value` the definition leaves unnamed: object keys without a field label, coded values without words. */
function unnamed(a: RegistrySource['attributes'][number], value: unknown, keys: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => unnamed(a, v, keys));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      ...(a.fields?.[[...keys, k].join('/')] ? [] : [`${a.id}: ${[...keys, k].join('/')}`]),
      ...unnamed(a, v, [...keys, k]),
    ]);
  return typeof value === 'string' && /^[a-z]+([_-][a-z]+)+$|^[a-z]{2}$/.test(value) && !a.values?.[value]
    ? [`${a.id}: value ${value}`]
    : [];
}

describe('the demo definitions name everything the dashboard shows', () => {
  // adults with and without jobs and benefits, parents, children: every shape the registers answer with
  const sample = people.filter((_, i) => i % 5 === 0);

  for (const [id, app] of Object.entries(apps)) {
    it(`${id}: every attribute's parts and coded values have labels, and the rows show no key in any language`, async () => {
      const source = registry.sources.find((s) => s.id === id)!;
      const operations = gatewaySources.find((s) => s.id === id)!.operations;
      const missing = new Set<string>();
      let rows = 0;
      for (const p of sample) {
        const answers = await Promise.all(
          operations.map(async (op) => {
            const res = await app.inject({ url: op.path.replace('{identifier}', p.personal_identity_code) });
            const map = compileAttributeMap(op.attributes as Record<string, string | string[]>);
            const pointers = Object.fromEntries(Object.entries(op.attributes).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
            // what the gateway releases to "My data": every attribute the registry knows
            const data =
              res.statusCode === 200
                ? filterAttributes(
                    res.json(),
                    map,
                    source.attributes.map((a) => a.id),
                  )
                : null;
            return { name: op.name, status: res.statusCode, data, pointers };
          }),
        );
        for (const a of source.attributes)
          for (const op of answers) {
            const ptrs = op.pointers[a.id];
            if (!op.data || !ptrs) continue;
            const value =
              ptrs.length === 1
                ? readPointer(op.data, compilePointer(ptrs[0]!))
                : Object.fromEntries(ptrs.map((x) => [compilePointer(x).at(-1)!, readPointer(op.data, compilePointer(x))]));
            for (const m of unnamed(a, value)) missing.add(m);
          }
        for (const locale of LOCALES) {
          const shown = insightRows({ source: { ...source, resource: 'https://gw/x' }, record_id: 'r', operations: answers }, locale);
          rows += shown.length;
          for (const [label, value] of shown) {
            expect(`${label} ${value}`, p.personal_identity_code).not.toMatch(/_|\/\w/);
            expect(label).not.toBe('');
          }
        }
      }
      expect([...missing]).toEqual([]);
      expect(rows).toBeGreaterThan(sample.length);
    });
  }

  it('the data store: every part of a tax decision has a label in each language', () => {
    const category = config.personal_data_stores[0]!.categories.find((c) => c.id === 'tax-decision')!;
    const model = createIncomeModel(people, { seed: 2026, families });
    const adults = people.filter((p) => ageAt(p.birth_date) >= 18).slice(0, 20);
    for (const p of adults) {
      for (const key of Object.keys(taxDecision(p, model.income(p.personal_identity_code)!))) {
        for (const locale of LOCALES) expect(category.labels?.[`/${key}`]?.[locale], key).toBeTruthy();
      }
    }
  });
});
