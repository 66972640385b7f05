/**
 * The demo world behind `portti start`: a generated population, the Incomes Register
 * and Population Register as HTTP servers of ours, and demo identity providers whose
 * residents can sign in to the operators. Nothing here is used outside demos and tests.
 */
import type { FastifyInstance } from 'fastify';
import type { DemoConfig, PorttiConfig } from '../shared/config.schema.ts';
import { createDemoIdp, type DemoResident } from '../idp/demo-idp.ts';
import { createFeeService, type FeeService } from './fee-service/fee-service.ts';
import { createMailSinkApp } from './mail-sink/mail-sink.page.ts';
import { startMailSink } from './mail-sink/mail-sink.ts';
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
  const servers = new DemoServers();
  let feeService: FeeService | undefined;
  try {
    await startRegisters(servers, demo, people, families);
    await startIdentityProviders(servers, config, demoResidents(people));
    if (demo.fee_service) feeService = await startFeeService(servers, config, demo.fee_service);
    if (demo.mail_sink) await startInbox(servers, demo.mail_sink);
  } catch (err) {
    await servers.close();
    throw err;
  }
  return {
    people,
    families,
    ...(feeService ? { feeService } : {}),
    urls: servers.urls,
    close: () => servers.close(),
  };
}

/** The demo's listening apps, closed in reverse order of start. */
class DemoServers {
  private readonly apps: Array<{ close(): Promise<unknown> }> = [];
  readonly urls: DemoWorld['urls'] = [];

  async start(name: string, app: FastifyInstance, host: string, port: number): Promise<void> {
    await app.listen({ host, port });
    this.apps.push(app);
    this.urls.push({ name, url: `http://${host}:${port}` });
  }

  /** Something else to close with the apps (the mail sink's SMTP server). */
  closeLater(thing: { close(): Promise<unknown> }): void {
    this.apps.push(thing);
  }

  async close(): Promise<void> {
    for (const app of this.apps.reverse()) await app.close();
  }
}

/** The local SMTP sink the operators mail notifications to, and the demo inbox page that shows them. */
async function startInbox(servers: DemoServers, sink: NonNullable<DemoConfig['mail_sink']>): Promise<void> {
  const smtp = await startMailSink(sink.smtp.host, sink.smtp.port);
  servers.closeLater(smtp);
  await servers.start('demo inbox (mail the operators sent)', createMailSinkApp(smtp), sink.web.host, sink.web.port);
}

async function startRegisters(servers: DemoServers, demo: DemoConfig, people: Person[], families: Family[]): Promise<void> {
  if (demo.incomes_register) {
    await servers.start(
      'demo Incomes Register',
      createIncomesRegister(people, { seed: demo.seed, apiKey: demo.register_api_key, families }),
      demo.incomes_register.host,
      demo.incomes_register.port,
    );
  }
  if (demo.population_register) {
    await servers.start(
      'demo Population Register',
      createPopulationRegister(people, families, { apiKey: demo.register_api_key }),
      demo.population_register.host,
      demo.population_register.port,
    );
  }
}

/** One demo IdP per configured one, with every operator that names it as a client. */
async function startIdentityProviders(servers: DemoServers, config: PorttiConfig, residents: DemoResident[]): Promise<void> {
  for (const idp of config.demo!.identity_providers) {
    const clients = config.operators.flatMap((o) =>
      o.identity_providers
        .filter((p) => p.issuer === idp.issuer)
        .map((p) => ({
          client_id: p.client_id,
          client_secret: p.client_secret,
          redirect_uris: [`${o.issuer.replace(/\/$/, '')}/login/callback`],
          post_logout_redirect_uris: [`${o.issuer.replace(/\/$/, '')}/signed-out`],
        })),
    );
    const { app } = await createDemoIdp({
      issuer: idp.issuer,
      label: idp.label,
      residents,
      clients,
      ...(idp.acr ? { acr: idp.acr } : {}),
    });
    await servers.start(`demo identity provider (${idp.label})`, app, idp.listen.host, idp.listen.port);
  }
}

async function startFeeService(
  servers: DemoServers,
  config: PorttiConfig,
  fee: NonNullable<DemoConfig['fee_service']>,
): Promise<FeeService> {
  const operators = config.operators.map((op) => ({ issuer: op.issuer, name: op.display_name }));
  const feeService = await createFeeService({
    publicUrl: fee.public_url,
    incomesResource: fee.incomes_resource,
    operators,
    ...(fee.staff_token ? { staffToken: fee.staff_token } : {}),
  });
  await servers.start('demo Customer Fee Unit (service)', feeService.app, fee.listen.host, fee.listen.port);
  return feeService;
}
