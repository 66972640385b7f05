/**
 * The `portti` command as a person runs it: help, bad flags (and a bad `start --balancer`), a broken config file,
 * `audit verify` on an intact and on a tampered log, and `start` answering /healthz.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessLog } from '../../src/audit/access-log.ts';
import { logOrigin } from '../../src/audit/log-origin.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore } from '../../src/store/database.ts';
import { loadSigningKeys } from '../../src/store/keys.ts';
import { demoPorts } from '../helpers/demo-ports.ts';
import { tempDir } from '../helpers/stores.ts';

const portti = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['bin/portti.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ...env },
    timeout: 30_000,
  });

describe('portti CLI', () => {
  it('prints help for every command and refuses unknown flags with exit 2', () => {
    const help = portti(['--help']);
    expect(help.status).toBe(0);
    for (const cmd of ['start', 'gateway', 'operator', 'migrate', 'audit verify', 'receipt verify', 'operator service add'])
      expect(help.stdout).toContain(`portti ${cmd}`);
    expect(portti(['audit', 'verify', '--help']).stdout).toContain('Usage: portti audit verify');
    const bad = portti(['start', '--colour']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--colour'/);
    expect(portti(['frobnicate']).status).toBe(2);
  });

  it('start refuses an unknown --balancer, or one without --instances, in one sentence with exit 2', () => {
    const unknown = portti(['start', '--instances', '2', '--balancer', 'nginx']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('portti: --balancer must be builtin or haproxy\n');
    const single = portti(['start', '--balancer', 'haproxy']);
    expect(single.status).toBe(2);
    expect(single.stderr).toBe('portti: --balancer needs --instances 2 or more\n');
  });

  it('explains a broken config file in one paragraph: file, line, field; exit 2, no stack trace', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'data_dir: x\ngateways:\n  - name: gw\n    listen: { host: 127.0.0.1, port: 70000 }\n    public_url: http://127.0.0.1:1\n    colour: blue\n',
    );
    const res = portti(['start', '--config', file]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${file}:4:38: gateways[0].listen.port: must be <= 65535`);
    expect(res.stderr).toContain(`${file}:6:5: gateways[0].colour: unknown field "colour"`);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    const missing = portti(['start', '--config', join(dir, 'nope.yaml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('file not found');
  });

  it('audit verify passes an intact log and names the first modified, deleted or reordered record', async () => {
    const dir = tempDir();
    const config = join(dir, 'portti.yaml');
    writeFileSync(config, `data_dir: ${dir}\ngateways:\n  - name: gw\n    listen: { port: 0 }\n    public_url: http://127.0.0.1:1\n`);
    const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(dir, 'gw.db') });
    await migrateToLatest(store, gatewayMigrations);
    const keys = await loadSigningKeys(store.db);
    const log = new AccessLog({
      db: store.db,
      chain: 'gw/main',
      origin: logOrigin('http://127.0.0.1:1', 'gw/main'),
      signingKey: () => keys[0]!,
    });
    await log.open();
    for (let i = 0; i < 10; i += 1) {
      await log.append({
        iss: 'https://op',
        client_id: 'svc',
        consent_record_id: 'urn:uuid:r',
        source: 'https://gw/sources/s',
        operation: 'income',
        datatypes_released: ['annual_income'],
        purpose: 'p',
        outcome: 'allowed',
        status: 200,
        reason: null,
        subject_ref: 'x',
      });
      if (i % 4 === 3) await log.checkpoint();
    }
    await log.flush();
    const ok = portti(['audit', 'verify', '--config', config]);
    expect(ok.stdout).toContain('log gw/main: OK, 10 records, 3 signed checkpoints, witnessed by no witness');
    expect(ok.status).toBe(0);

    const body = (await store.db.selectFrom('access_records').select('body').where('seq', '=', 3).executeTakeFirstOrThrow()).body;
    await store.db
      .updateTable('access_records')
      .set({ body: body.replace('"allowed"', '"refused"') })
      .where('seq', '=', 3)
      .execute();
    const modified = portti(['audit', 'verify', '--config', config]);
    expect(modified.status).toBe(1);
    expect(modified.stdout).toContain('log gw/main: BROKEN: record 3 of gw/main does not match its stored hash (modified)');
    await store.db.updateTable('access_records').set({ body }).where('seq', '=', 3).execute();

    const six = await store.db.selectFrom('access_records').selectAll().where('seq', '=', 6).executeTakeFirstOrThrow();
    await store.db.deleteFrom('access_records').where('seq', '=', 6).execute();
    const deleted = portti(['audit', 'verify', '--config', config]);
    expect(deleted.status).toBe(1);
    expect(deleted.stdout).toContain('records 6–6 of gw/main are missing (1 deleted)');
    await store.db.insertInto('access_records').values(six).execute();

    await store.db.deleteFrom('access_records').where('seq', '>', 8).execute();
    const cut = portti(['audit', 'verify', '--config', config]);
    expect(cut.status).toBe(1);
    expect(cut.stdout).toContain('has 8 records but signed a checkpoint at 10: the last 2 are missing');
    await store.close();
  });

  it('start brings the demo system up: /healthz answers 200 within 60 s; SIGTERM stops it cleanly', async () => {
    const dir = tempDir();
    const { ports, env } = await demoPorts();
    const child = spawn(process.execPath, ['bin/portti.js', 'start'], {
      env: { ...process.env, ...env, PORTTI_DATA_DIR: dir, PORTTI_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    let healthy = false;
    while (Date.now() - started < 60_000 && child.exitCode === null) {
      const res = await fetch(`http://127.0.0.1:${ports.GATEWAY}/healthz`).catch(() => undefined);
      const op = await fetch(`http://127.0.0.1:${ports.OPERATOR_A}/readyz`).catch(() => undefined);
      if (res?.status === 200 && op?.status === 200) {
        healthy = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(healthy, output).toBe(true);
    for (let i = 0; i < 100 && !output.includes('Portti is running'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('Portti is running');
    const signin = await fetch(`http://127.0.0.1:${ports.OPERATOR_A}/signin`, { headers: { 'accept-language': 'sv' } });
    expect(await signin.text()).toContain('Logga in med det identifieringssätt du väljer');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
