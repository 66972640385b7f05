/**
 * A steady mix of consent decisions and reads against a {@link Cluster} while faults are
 * injected, and the checks that nothing promised was broken: citizens approve and withdraw,
 * the service reads under each approval, a prober keeps reading under withdrawn consents.
 * Only acknowledged answers count: a decision whose answer was lost in a crash may or may not
 * have been committed and is not checked.
 */
import { expect } from 'vitest';
import { citizenPost, decide, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { demoResidents } from '../../src/demo/demo-world.ts';
import type { GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import type { OperatorDatabase } from '../../src/operator/operator.tables.ts';
import { createDpopProof } from '../../src/shared/oauth/dpop.ts';
import { openStore, type StoreLocation } from '../../src/store/database.ts';
import type { Cluster } from './cluster.ts';
import { callApi, fileRequest, readSource, sourceToken, type TestService } from './world.ts';

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the load saw acknowledged. */
export interface Outcomes {
  approved: Set<string>;
  /** Record → when its withdrawal was acknowledged (performance.now()). */
  withdrawn: Map<string, number>;
  tokens: Map<string, string>;
  served: Array<{ access_id: string; record: string; at: number }>;
  /** Decisions sent whose answer was lost in a crash (committed or not). */
  uncertain: Set<string>;
  /** Every 500 any component answered (a server bug, never expected). */
  errors500: string[];
  /** How many reads got each status ('none' when no answer came). */
  reads: Record<string, number>;
}

/** A running load: stop it to get what it saw. */
export interface Load {
  out: Outcomes;
  decisions(): number;
  stop(): Promise<Outcomes>;
}

/** Sends until an answer that is not the outage's (no answer, 5xx); 500s are noted. */
async function untilAnswered(send: () => Promise<Response>, out: Outcomes, what: string, running: () => boolean) {
  while (running()) {
    const res = await send().catch(() => undefined);
    const body = await res?.text().catch(() => '');
    if (res?.status === 500) out.errors500.push(`${what}: ${body}`);
    if (res && res.status < 500) return res.status;
    await wait(100);
  }
  return undefined;
}

async function readOnce(c: Cluster, service: TestService, record: string, token: string, out: Outcomes) {
  const res = await readSource(service, `${c.resource}/income`, token).catch(() => undefined);
  const key = String(res?.status ?? 'none');
  out.reads[key] = (out.reads[key] ?? 0) + 1;
  if (!res) return undefined;
  const body = await res.text().catch(() => '');
  if (res.status === 500) out.errors500.push(`read: ${body}`);
  if (res.status === 200) out.served.push({ access_id: res.headers.get('portti-access-id')!, record, at: performance.now() });
  return res.status;
}

/** One citizen until stopped: a request is filed, approved, read under; every other one withdrawn. */
async function citizenStream(c: Cluster, service: TestService, who: Citizen, code: string, out: Outcomes, running: () => boolean) {
  for (let i = 0; running(); i += 1) {
    const record = await fileRequest(service, c.issuer, [code]).then(
      (r) => r.record_id,
      (err: Error) => void (/answered 500/.test(err.message) && out.errors500.push(`file: ${err.message}`)),
    );
    if (!record) {
      await wait(100);
      continue;
    }
    if ((await untilAnswered(() => decide(who, record, { approve: true }), out, 'approve', running)) !== 200) {
      out.uncertain.add(record);
      continue;
    }
    out.approved.add(record);
    const token = await sourceToken(service, c.issuer, c.resource, record, ['annual_income']).catch(() => undefined);
    if (token) out.tokens.set(record, token);
    // the approval reaches the gateway within the propagation bound: read once it has
    for (let tries = 0; token && tries < 10 && (await readOnce(c, service, record, token, out)) !== 200; tries += 1) await wait(50);
    if (i % 2 === 1) continue;
    const path = `/citizen/api/consents/${encodeURIComponent(record)}/withdraw`;
    const withdrawn = await untilAnswered(() => citizenPost(who, path, {}), out, 'withdraw', running);
    if (withdrawn === 200) out.withdrawn.set(record, performance.now());
    else out.uncertain.add(record);
  }
}

/** Reads again and again under withdrawn consents: none may be served beyond the bound. */
async function prober(c: Cluster, service: TestService, out: Outcomes, running: () => boolean) {
  while (running()) {
    const withdrawn = [...out.withdrawn.keys()];
    const record = withdrawn[Math.floor(Math.random() * withdrawn.length)];
    const token = record && out.tokens.get(record);
    // an instance down answers at once: pause, so the prober does not spin
    if (token && (await readOnce(c, service, record, token, out)) === 403) continue;
    await wait(20);
  }
}

/** Starts `citizens` citizens' streams and the prober. */
export async function startLoad(c: Cluster, service: TestService, citizens = 4): Promise<Load> {
  const residents = demoResidents(c.demo.people).slice(0, citizens);
  const signedIn = await Promise.all(residents.map((r) => signIn(c.issuer, 'demo', r.personal_identity_code)));
  const out: Outcomes = {
    approved: new Set(),
    withdrawn: new Map(),
    tokens: new Map(),
    served: [],
    uncertain: new Set(),
    errors500: [],
    reads: {},
  };
  let running = true;
  const live = () => running;
  const streams = signedIn.map((who, i) => citizenStream(c, service, who, residents[i]!.personal_identity_code, out, live));
  const probe = prober(c, service, out, live);
  return {
    out,
    decisions: () => out.approved.size + out.withdrawn.size,
    async stop() {
      running = false;
      await Promise.all([...streams, probe]);
      return out;
    },
  };
}

/** Every acknowledged approval is active at the operator, every acknowledged withdrawal withdrawn. */
export async function expectDecisionsKept(c: Cluster, service: TestService, out: Outcomes): Promise<void> {
  const wrong: string[] = [];
  for (const record of [...out.approved].filter((r) => !out.uncertain.has(r))) {
    const res = await callApi(service, c.issuer, 'GET', `/api/consents/${encodeURIComponent(record)}`);
    const status = ((await res.json()) as { status: string }).status;
    const want = out.withdrawn.has(record) ? 'withdrawn' : 'active';
    if (status !== want) wrong.push(`${record}: ${status}, acknowledged ${want}`);
  }
  expect(wrong).toEqual([]);
}

/** The status one gateway instance, reached directly, answers a read; the DPoP proof names the public URL (htu). */
async function statusAt(c: Cluster, service: TestService, instanceUrl: string, token: string): Promise<number> {
  const dpop = await createDpopProof(service.dpop, 'GET', `${c.resource}/income`, token);
  const res = await fetch(`${instanceUrl}/sources/incomes-register/income`, { headers: { authorization: `DPoP ${token}`, dpop } });
  await res.arrayBuffer();
  return res.status;
}

/** No read served beyond `boundMs` after its withdrawal was acknowledged; every gateway instance refuses them all now. */
export async function expectWithdrawalsHonoured(c: Cluster, service: TestService, out: Outcomes, boundMs: number): Promise<void> {
  const late = out.served.filter((s) => out.withdrawn.has(s.record) && s.at > out.withdrawn.get(s.record)! + boundMs);
  expect(late.map((s) => `${s.record} served ${(s.at - out.withdrawn.get(s.record)!).toFixed(0)} ms after its withdrawal`)).toEqual([]);
  await wait(boundMs);
  const stillServing: string[] = [];
  for (const gw of c.gateways) {
    for (const record of out.withdrawn.keys()) {
      const token = out.tokens.get(record);
      if (!token) continue;
      const status = await statusAt(c, service, gw.url, token);
      if (status !== 403) stillServing.push(`${gw.url} ${record}: ${status}`);
    }
  }
  expect(stillServing).toEqual([]);
}

/** Every served read is in a gateway log and reached the operator (the citizen's access log). */
export async function expectReadsLogged(out: Outcomes, location: (schema: string) => StoreLocation): Promise<void> {
  const served = out.served.map((s) => s.access_id);
  const gwStore = await openStore<GatewayDatabase>(location('gateway'));
  const inLog = new Set((await gwStore.db.selectFrom('access_records').select('access_id').execute()).map((r) => r.access_id));
  await gwStore.close();
  expect(served.filter((id) => !inLog.has(id))).toEqual([]);
  const opStore = await openStore<OperatorDatabase>(location('operator_a'));
  let missing = served;
  for (let i = 0; i < 150 && missing.length > 0; i += 1) {
    const have = new Set((await opStore.db.selectFrom('access_log').select('access_id').execute()).map((r) => r.access_id));
    missing = served.filter((id) => !have.has(id));
    if (missing.length > 0) await wait(100);
  }
  await opStore.close();
  expect(missing).toEqual([]);
}

/**
 * How long, in a quiet moment, from an acknowledged withdrawal until every gateway instance
 * (reached directly) refuses the record: files, approves, waits until all serve, withdraws.
 */
export async function withdrawalPropagation(c: Cluster, service: TestService, citizen: Citizen, code: string): Promise<number> {
  const record = (await fileRequest(service, c.issuer, [code])).record_id;
  expect((await decide(citizen, record, { approve: true })).status).toBe(200);
  const token = await sourceToken(service, c.issuer, c.resource, record, ['annual_income']);
  const status = (base: string) => statusAt(c, service, base, token);
  const until = async (want: number, limitMs: number) => {
    const started = performance.now();
    for (const gw of c.gateways) while ((await status(gw.url)) !== want && performance.now() - started < limitMs) await wait(10);
  };
  await until(200, 10_000);
  expect((await citizenPost(citizen, `/citizen/api/consents/${encodeURIComponent(record)}/withdraw`, {})).status).toBe(200);
  const started = performance.now();
  await until(403, 10_000);
  return performance.now() - started;
}
