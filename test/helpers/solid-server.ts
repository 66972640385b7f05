/**
 * A real Community Solid Server for tests: its own child process (in-memory storage, WAC
 * authorization) on a free loopback port, plus the account API calls that make a pod,
 * a WebID and client credentials, the way a pod owner would in CSS's account pages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './world.ts';

export interface SolidAccount {
  /** `CSS-Account-Token` for the account API. */
  authorization: string;
  /** The pod's root container URL (ends in `/`). */
  pod: string;
  webId: string;
  /** Client credentials (id, secret) that act as this account's WebID. */
  clientId: string;
  clientSecret: string;
}

export interface SolidServer {
  /** Base URL (also the OpenID issuer), ending in `/`. */
  baseUrl: string;
  /** Creates an account with a pod called `name` and client credentials for its WebID. */
  createAccount(name: string): Promise<SolidAccount>;
  /** Stops the server (SIGTERM to the child it started). */
  close(): Promise<void>;
}

const cssBin = join(dirname(createRequire(import.meta.url).resolve('@solid/community-server/package.json')), 'bin', 'server.js');

/** Starts CSS with `config/default.json` (memory storage, WAC) and waits until it answers. */
export async function startSolidServer(timeoutMs = 90_000): Promise<SolidServer> {
  const port = await freePort();
  // `localhost`: CSS's token verifier takes http:// WebIDs and issuers only there (anything else must be https)
  const baseUrl = `http://localhost:${port}/`;
  const child = spawn(process.execPath, [cssBin, '-c', '@css:config/default.json', '-p', String(port), '-b', baseUrl, '-l', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // CSS reaches for jest's mocks when NODE_ENV is "test" (as vitest sets it)
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV')),
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // never leave the server behind when the test process ends without afterAll
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  void exited.then(() => process.off('exit', stop));
  try {
    await waitUntilUp(baseUrl, child, timeoutMs);
  } catch (err) {
    child.kill('SIGTERM');
    throw new Error(`Community Solid Server did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    baseUrl,
    createAccount: (name) => createAccount(baseUrl, name),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitUntilUp(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}.account/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${what}: status ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function createAccount(baseUrl: string, name: string): Promise<SolidAccount> {
  const post = async (url: string, body: unknown, authorization?: string) =>
    json(
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization: `CSS-Account-Token ${authorization}` } : {}) },
        body: JSON.stringify(body),
      }),
      `POST ${url}`,
    );
  type Controls = { controls: { account: { create: string; pod: string; clientCredentials: string }; password: { create: string } } };
  const index = (await json(await fetch(`${baseUrl}.account/`), 'account index')) as unknown as Controls;
  const { authorization } = (await post(index.controls.account.create, {})) as { authorization: string };
  const mine = (await json(
    await fetch(`${baseUrl}.account/`, { headers: { authorization: `CSS-Account-Token ${authorization}` } }),
    'account controls',
  )) as unknown as Controls;
  await post(mine.controls.password.create, { email: `${name}@example.org`, password: `${name}-password-0123456789` }, authorization);
  const { pod, webId } = (await post(mine.controls.account.pod, { name }, authorization)) as { pod: string; webId: string };
  const { id, secret } = (await post(mine.controls.account.clientCredentials, { name: `${name}-client`, webId }, authorization)) as {
    id: string;
    secret: string;
  };
  return { authorization, pod, webId, clientId: id, clientSecret: secret };
}
