/**
 * The demo world behind `portti start`: a generated population, the Incomes Register
 * and Population Register as HTTP servers of ours, and demo identity providers whose
 * residents can sign in to the operators. Nothing here is used outside demos and tests.
 */
import type { FastifyInstance } from 'fastify';
import type { PorttiConfig } from '../shared/config.schema.ts';
import { createDemoIdp, type DemoResident } from '../idp/demo-idp.ts';
import { createFeeService, type FeeService } from './fee-service/fee-service.ts';
import { createIncomesRegister } from './registers/incomes-register.ts';
import { createPopulationRegister } from './registers/population-register.ts';
import { ageAt, displayName, generatePopulationData, type Family, type Person } from './population/population.ts';

/** The running demo servers, the population behind them, and how to stop them. */
export interface DemoWorld {
  people: Person[];
  families: Family[];
  feeService?: FeeService;
  urls: Array<{ name: string; url: string }>;
  close(): Promise<void>;
}

/** Adults that can sign in at the demo IdPs: the named demo residents plus a few generated ones. */
export function demoResidents(people: Person[], extra = 6): DemoResident[] {
  const adults = people.filter((p) => ageAt(p.birth_date) >= 18);
  return adults.slice(0, 3 + extra).map((p) => ({
    key: p.personal_identity_code,
    name: displayName(p),
    given_name: p.calling_name,
    family_name: p.family_name,
    personal_identity_code: p.personal_identity_code,
    birthdate: p.birth_date,
  }));
}

/** Starts the demo servers named in `config.demo`. */
export async function startDemo(config: PorttiConfig): Promise<DemoWorld> {
  const demo = config.demo!;
  const { people, families } = generatePopulationData(demo.people, demo.seed);
  const apps: FastifyInstance[] = [];
  const urls: DemoWorld['urls'] = [];
  let feeService: FeeService | undefined;
  const start = async (name: string, app: FastifyInstance, host: string, port: number) => {
    await app.listen({ host, port });
    apps.push(app);
    urls.push({ name, url: `http://${host}:${port}` });
  };
  try {
    if (demo.incomes_register) {
      await start(
        'demo Incomes Register',
        createIncomesRegister(people, { seed: demo.seed, apiKey: demo.register_api_key, families }),
        demo.incomes_register.host,
        demo.incomes_register.port,
      );
    }
    if (demo.population_register) {
      await start(
        'demo Population Register',
        createPopulationRegister(people, families, { apiKey: demo.register_api_key }),
        demo.population_register.host,
        demo.population_register.port,
      );
    }
    const residents = demoResidents(people);
    for (const idp of demo.identity_providers) {
      const clients = config.operators.flatMap((o) =>
        o.identity_providers
          .filter((p) => p.issuer === idp.issuer)
          .map((p) => ({
            client_id: p.client_id,
            client_secret: p.client_secret,
            redirect_uris: [`${o.issuer.replace(/\/$/, '')}/login/callback`],
          })),
      );
      const { app } = await createDemoIdp({
        issuer: idp.issuer,
        label: idp.label,
        residents,
        clients,
        ...(idp.acr ? { acr: idp.acr } : {}),
      });
      await start(`demo identity provider (${idp.label})`, app, idp.listen.host, idp.listen.port);
    }
    if (demo.fee_service) {
      const operators = config.operators.map((op) => ({ issuer: op.issuer, name: op.display_name.en }));
      feeService = await createFeeService({
        publicUrl: demo.fee_service.public_url,
        incomesResource: demo.fee_service.incomes_resource,
        operators,
      });
      await start('demo Customer Fee Unit (service)', feeService.app, demo.fee_service.listen.host, demo.fee_service.listen.port);
    }
  } catch (err) {
    for (const app of apps) await app.close();
    throw err;
  }
  return {
    people,
    families,
    ...(feeService ? { feeService } : {}),
    urls,
    async close() {
      for (const app of apps.reverse()) await app.close();
    },
  };
}
