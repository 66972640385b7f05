/**
 * Free ports for every component of the demo configuration (`PORTTI_<COMPONENT>_PORT`), so tests
 * that start the whole demo system can run beside each other and beside a running `npm start`.
 */
import { freePort } from '../../src/app/free-port.ts';

const COMPONENTS = ['GATEWAY', 'OPERATOR_A', 'OPERATOR_B', 'IDP1', 'IDP2', 'INCOMES', 'POPULATION', 'FEE', 'PDS', 'SMTP', 'MAIL'] as const;

/** One free port per demo component, and the environment that moves the demo onto them. */
export async function demoPorts(): Promise<{ ports: Record<(typeof COMPONENTS)[number], number>; env: Record<string, string> }> {
  const ports = {} as Record<(typeof COMPONENTS)[number], number>;
  for (const c of COMPONENTS) ports[c] = await freePort();
  return { ports, env: Object.fromEntries(COMPONENTS.map((c) => [`PORTTI_${c}_PORT`, String(ports[c])])) };
}
