import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, parseConfigText, loadConfigFile, type ConfigIssue } from '../../src/shared/config-loader.ts';
import { PorttiConfigSchema } from '../../src/shared/config.schema.ts';
import { crossCheck, loadPorttiConfig, storeLocationFor } from '../../src/shared/config.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portti-config-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
/** Writes `text` to a new file in the temp directory and returns its path. */
function writeConfig(text: string, ext = 'yaml'): string {
  counter += 1;
  const file = join(dir, `portti-${counter}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/** Runs `fn`, expects a ConfigError and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** Loads `text` from a temp file; returns the error it must raise plus the file name. */
function loadError(text: string, env: NodeJS.ProcessEnv = {}): { err: ConfigError; file: string } {
  const file = writeConfig(text);
  const err = configError(() => loadPorttiConfig(file, env));
  expect(err.file).toBe(file);
  expect(err.message).toContain(file);
  expect(err.message.startsWith(`Configuration file ${file} is not valid:`)).toBe(true);
  return { err, file };
}

const issue = (err: ConfigError, path: string): ConfigIssue => {
  const found = err.issues.find((i) => i.path === path);
  expect(found, `no issue at ${path}; got ${JSON.stringify(err.issues)}`).toBeDefined();
  return found as ConfigIssue;
};

// A minimal gateway with one source; line numbers below refer to this text.
const GATEWAY = `gateways:
  - name: gw
    listen:
      port: 8080
    public_url: http://localhost:8080
    sources:
      - id: incomes
        upstream:
          base_url: http://localhost:9000
        operations:
          - name: get
            path: /people/{identifier}
            identifier_type: fi_hetu
            attributes:
              income: /income
`;

const OPERATOR = `operators:
  - name: op
    listen:
      port: 8090
    issuer: https://op.example
    display_name: { fi: Operaattori, sv: Operatör, en: Operator }
    admin_token: \${ADMIN_TOKEN}
    cookie_secret: \${COOKIE_SECRET:-0123456789abcdef0123456789abcdef}
`;

describe('loadPorttiConfig: valid files', () => {
  it('an empty file is a valid config with every default', () => {
    const cfg = loadPorttiConfig(writeConfig(''), {});
    expect(cfg).toEqual({
      data_dir: resolve('data'),
      durability: 'power_loss',
      log_level: 'info',
      gateways: [],
      operators: [],
      personal_data_stores: [],
    });
  });

  it('a minimal gateway passes with defaults applied at every level', () => {
    const cfg = loadPorttiConfig(writeConfig(GATEWAY), {});
    expect(cfg.log_level).toBe('info');
    expect(cfg.data_dir).toBe(resolve('data'));
    expect(cfg.database_url).toBeUndefined();
    expect(cfg.operators).toEqual([]);
    const gw = cfg.gateways[0];
    expect(gw).toMatchObject({
      name: 'gw',
      listen: { host: '127.0.0.1', port: 8080 },
      public_url: 'http://localhost:8080',
      operators: [],
      feed_stale_after_ms: 6000,
      checkpoint_interval_ms: 1000,
      clock_skew_s: 30,
      dpop_max_age_s: 60,
      report_interval_ms: 1000,
    });
    expect(gw?.sources[0]).toEqual({
      id: 'incomes',
      upstream: { base_url: 'http://localhost:9000', timeout_ms: 5000, max_response_bytes: 1048576 },
      operations: [
        { name: 'get', method: 'GET', path: '/people/{identifier}', identifier_type: 'fi_hetu', attributes: { income: '/income' } },
      ],
      admitted_operators: [],
    });
  });

  it('an operator with secrets from the environment passes, with its defaults', () => {
    const cfg = loadPorttiConfig(writeConfig(OPERATOR), { ADMIN_TOKEN: 'a-long-admin-token-123' });
    expect(cfg.operators[0]).toMatchObject({
      name: 'op',
      admin_token: 'a-long-admin-token-123',
      cookie_secret: '0123456789abcdef0123456789abcdef',
      identity_providers: [],
      registry_files: [],
      access_token_ttl_s: 300,
      webhook_max_attempts: 8,
      listen: { host: '127.0.0.1', port: 8090 },
    });
  });

  it('reads JSON files too', () => {
    const file = writeConfig(JSON.stringify({ log_level: 'debug', data_dir: '/var/lib/portti' }), 'json');
    expect(loadPorttiConfig(file, {})).toMatchObject({ log_level: 'debug', data_dir: '/var/lib/portti', gateways: [] });
  });

  it('data_dir is resolved to an absolute path', () => {
    const cfg = loadPorttiConfig(writeConfig('data_dir: some/where\n'), {});
    expect(isAbsolute(cfg.data_dir)).toBe(true);
    expect(cfg.data_dir).toBe(resolve('some/where'));
  });
});

describe('environment', () => {
  it('expands ${VAR} in strings', () => {
    const cfg = loadPorttiConfig(writeConfig('data_dir: ${PORTTI_TEST_DIR}/store\n'), { PORTTI_TEST_DIR: '/srv/p' });
    expect(cfg.data_dir).toBe('/srv/p/store');
  });

  it('uses the ${VAR:-default} fallback when unset or empty, the value when set', () => {
    const text = 'data_dir: ${D:-/srv/default}\n';
    expect(loadPorttiConfig(writeConfig(text), {}).data_dir).toBe('/srv/default');
    expect(loadPorttiConfig(writeConfig(text), { D: '' }).data_dir).toBe('/srv/default');
    expect(loadPorttiConfig(writeConfig(text), { D: '/srv/set' }).data_dir).toBe('/srv/set');
  });

  it('allows an empty default and several references in one string', () => {
    const cfg = loadPorttiConfig(writeConfig('database_url: postgres://${U:-app}${PW:-}@${H:-db}/${DB}\n'), { DB: 'portti' });
    expect(cfg.database_url).toBe('postgres://app@db/portti');
  });

  it('expands inside nested lists and maps', () => {
    const cfg = loadPorttiConfig(writeConfig(GATEWAY.replace('http://localhost:9000', '${UPSTREAM}')), { UPSTREAM: 'http://up:1' });
    expect(cfg.gateways[0]?.sources[0]?.upstream.base_url).toBe('http://up:1');
  });

  it('does not expand references inside substituted values (no second pass)', () => {
    const cfg = loadPorttiConfig(writeConfig('data_dir: /x/${A}\n'), { A: '${B}', B: 'secret' });
    expect(cfg.data_dir).toBe('/x/${B}');
  });

  it('reports an unset ${VAR}, naming the variable, the path and the line', () => {
    const { err, file } = loadError(GATEWAY.replace('http://localhost:9000', '${UPSTREAM_URL}'));
    expect(err.issues).toEqual([
      { path: 'gateways[0].sources[0].upstream.base_url', line: 9, column: 21, reason: 'environment variable ${UPSTREAM_URL} is not set' },
    ]);
    expect(err.message).toContain(
      `${file}:9:21: gateways[0].sources[0].upstream.base_url: environment variable \${UPSTREAM_URL} is not set`,
    );
  });

  it('reports an empty ${VAR} without default as unset', () => {
    const { err } = loadError(OPERATOR, { ADMIN_TOKEN: '' });
    expect(issue(err, 'operators[0].admin_token')).toMatchObject({ line: 7, reason: 'environment variable ${ADMIN_TOKEN} is not set' });
  });

  it('reports every unset variable', () => {
    const { err } = loadError('data_dir: ${ONE}\ndatabase_url: postgres://${TWO}\n');
    expect(err.issues.map((i) => [i.path, i.line, i.reason])).toEqual([
      ['data_dir', 1, 'environment variable ${ONE} is not set'],
      ['database_url', 2, 'environment variable ${TWO} is not set'],
    ]);
  });

  it('DATABASE_URL from the environment overrides the file', () => {
    const file = writeConfig('database_url: postgres://file/db\n');
    expect(loadPorttiConfig(file, {}).database_url).toBe('postgres://file/db');
    expect(loadPorttiConfig(file, { DATABASE_URL: 'postgres://env/db' }).database_url).toBe('postgres://env/db');
    expect(loadPorttiConfig(writeConfig(''), { DATABASE_URL: 'postgresql://env/db2' }).database_url).toBe('postgresql://env/db2');
  });

  it('PORTTI_DATA_DIR from the environment overrides the file', () => {
    const cfg = loadPorttiConfig(writeConfig('data_dir: /from/file\n'), { PORTTI_DATA_DIR: '/from/env' });
    expect(cfg.data_dir).toBe('/from/env');
  });

  it('storeLocationFor uses PostgreSQL with a schema per component, or SQLite files', () => {
    expect(storeLocationFor({ database_url: 'postgres://h/db', data_dir: '/d' }, 'my-gateway')).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db',
      schema: 'my_gateway',
      durability: 'power_loss',
    });
    expect(storeLocationFor({ data_dir: '/d' }, 'my-gateway')).toEqual({
      kind: 'sqlite',
      path: '/d/my-gateway.db',
      durability: 'power_loss',
    });
    expect(storeLocationFor({ data_dir: '/d', durability: 'process_crash' }, 'gw')).toEqual({
      kind: 'sqlite',
      path: '/d/gw.db',
      durability: 'process_crash',
    });
  });
});

describe('errors', () => {
  it('a missing file says file not found and names it', () => {
    const file = join(dir, 'does-not-exist.yaml');
    const err = configError(() => loadPorttiConfig(file, {}));
    expect(err.file).toBe(file);
    expect(err.issues).toEqual([{ path: '', line: 0, column: 0, reason: 'file not found' }]);
    expect(err.message).toBe(`Configuration file ${file} is not valid:\n  ${file}:0:0: (document): file not found`);
  });

  it('a directory instead of a file is reported with the OS reason', () => {
    const err = configError(() => loadPorttiConfig(dir, {}));
    expect(err.message).toContain(dir);
    expect(err.issues[0]?.reason).toMatch(/EISDIR|directory/i);
  });

  it('an unknown field of a source names the path and the line', () => {
    const text = GATEWAY.replace('      - id: incomes\n', '      - id: incomes\n        upstreem: http://typo\n');
    const { err, file } = loadError(text);
    expect(err.issues).toEqual([{ path: 'gateways[0].sources[0].upstreem', line: 8, column: 9, reason: 'unknown field "upstreem"' }]);
    expect(err.message).toContain(`${file}:8:9: gateways[0].sources[0].upstreem: unknown field "upstreem"`);
  });

  it('an unknown field deeper down names the full path and the line of the key', () => {
    const text = GATEWAY.replace(
      '          base_url: http://localhost:9000\n',
      '          base_url: http://localhost:9000\n          timeout: 5\n',
    );
    const { err } = loadError(text);
    expect(issue(err, 'gateways[0].sources[0].upstream.timeout')).toEqual({
      path: 'gateways[0].sources[0].upstream.timeout',
      line: 10,
      column: 11,
      reason: 'unknown field "timeout"',
    });
  });

  it('several unknown top-level fields are each reported on their line', () => {
    const { err } = loadError('foo: 1\nlog_level: info\nbar: 2\n');
    expect(err.issues.map((i) => [i.path, i.line, i.reason])).toEqual([
      ['foo', 1, 'unknown field "foo"'],
      ['bar', 3, 'unknown field "bar"'],
    ]);
  });

  it('a string port names gateways[0].listen.port and its line', () => {
    const { err, file } = loadError(GATEWAY.replace('port: 8080', 'port: "abc"'));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'gateways[0].listen.port', line: 4, column: 13 });
    expect(err.issues[0]?.reason).toMatch(/integer/);
    expect(err.message).toContain(`${file}:4:13: gateways[0].listen.port:`);
  });

  it('an out-of-range port names gateways[0].listen.port and its line', () => {
    const { err } = loadError(GATEWAY.replace('port: 8080', 'port: 70000'));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'gateways[0].listen.port', line: 4 });
    expect(err.issues[0]?.reason).toMatch(/65535/);
  });

  it('a fractional or negative port is refused', () => {
    expect(loadError(GATEWAY.replace('port: 8080', 'port: 80.5')).err.issues[0]).toMatchObject({
      path: 'gateways[0].listen.port',
      line: 4,
    });
    expect(loadError(GATEWAY.replace('port: 8080', 'port: -1')).err.issues[0]).toMatchObject({ path: 'gateways[0].listen.port', line: 4 });
  });

  it('a missing required field names the object that lacks it', () => {
    const { err } = loadError('gateways:\n  - name: gw\n    public_url: http://x\n');
    expect(err.issues).toEqual([{ path: 'gateways[0]', line: 2, column: 5, reason: 'missing required field listen' }]);
  });

  it('pattern violations name the field and line (bad URL, bad id, bad pointer)', () => {
    expect(loadError(GATEWAY.replace('public_url: http://localhost:8080', 'public_url: localhost:8080')).err.issues[0]).toMatchObject({
      path: 'gateways[0].public_url',
      line: 5,
    });
    expect(loadError(GATEWAY.replace('name: gw', 'name: Gateway_1')).err.issues[0]).toMatchObject({ path: 'gateways[0].name', line: 2 });
    const badPointer = loadError(GATEWAY.replace('income: /income', 'income: income')).err;
    expect(badPointer.issues.map((i) => i.path)).toContain('gateways[0].sources[0].operations[0].attributes.income');
    expect(issue(badPointer, 'gateways[0].sources[0].operations[0].attributes.income').line).toBe(15);
  });

  it('an invalid log level names log_level', () => {
    const { err } = loadError('data_dir: d\nlog_level: loud\n');
    expect(err.issues.length).toBeGreaterThan(0);
    for (const i of err.issues) expect(i).toMatchObject({ path: 'log_level', line: 2 });
  });

  it('a non-object document is refused as a whole', () => {
    const { err } = loadError('just a string\n');
    expect(err.issues).toEqual([{ path: '', line: 1, column: 1, reason: 'must be object' }]);
    expect(err.message).toContain('(document): must be object');
  });

  it('a YAML syntax error gives its line', () => {
    const { err, file } = loadError('log_level: info\ngateways:\n  - name: gw\n    listen: [\n');
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.issues[0]?.path).toBe('');
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(new RegExp(`${file.replaceAll('.', '\\.')}:\\d+:\\d+: \\(document\\): `));
  });

  it('a YAML syntax error in the middle of the file gives that line', () => {
    const { err } = loadError('log_level: info\ndata_dir: "unterminated\nother: 1\n');
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('a duplicate key is a syntax error on the second occurrence', () => {
    const { err } = loadError('log_level: info\ndata_dir: a\nlog_level: debug\n');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: '', line: 3 });
    expect(err.issues[0]?.reason).toMatch(/unique/);
  });
});

describe('cross-checks', () => {
  const gw = (name: string) => `  - name: ${name}\n    listen:\n      port: 8080\n    public_url: http://localhost:8080\n`;

  it('duplicate gateway names are reported on the second name', () => {
    const { err } = loadError(`gateways:\n${gw('gw')}${gw('gw')}`);
    expect(err.issues).toEqual([{ path: 'gateways[1].name', line: 6, column: 11, reason: 'duplicate component name "gw"' }]);
  });

  it('a gateway and an operator may not share a name', () => {
    const text = `gateways:\n${gw('op')}${OPERATOR}`;
    const { err } = loadError(text, { ADMIN_TOKEN: 'a-long-admin-token-123' });
    expect(err.issues).toEqual([{ path: 'operators[0].name', line: 7, column: 11, reason: 'duplicate component name "op"' }]);
  });

  it('duplicate source ids in one gateway are reported with the line', () => {
    const source = GATEWAY.slice(GATEWAY.indexOf('      - id: incomes'));
    const { err } = loadError(GATEWAY + source);
    expect(err.issues).toEqual([{ path: 'gateways[0].sources[1].id', line: 16, column: 13, reason: 'duplicate source id "incomes"' }]);
  });

  it('an admitted operator that the gateway does not list is reported with the line', () => {
    const text =
      GATEWAY +
      `        admitted_operators:
          - https://op.example
          - https://evil.example
    operators:
      - issuer: https://op.example
        client_id: gw
`;
    const { err, file } = loadError(text);
    expect(err.issues).toEqual([
      {
        path: 'gateways[0].sources[0].admitted_operators[1]',
        line: 18,
        column: 13,
        reason: 'operator https://evil.example is admitted but not listed under gateways[0].operators',
      },
    ]);
    expect(err.message).toContain(`${file}:18:13:`);
  });

  it('the same name in two different gateways’ sources is fine; a listed admitted operator is fine', () => {
    const text =
      GATEWAY +
      `        admitted_operators: [https://op.example]
    operators:
      - issuer: https://op.example
        client_id: gw
`;
    const cfg = loadPorttiConfig(writeConfig(text), {});
    expect(cfg.gateways[0]?.sources[0]?.admitted_operators).toEqual(['https://op.example']);
  });

  it('crossCheck alone returns no issues for distinct names', () => {
    const cfg = parseConfigText('inline.yaml', `gateways:\n${gw('a')}${gw('b')}`, PorttiConfigSchema, {});
    expect(crossCheck(cfg)).toEqual([]);
  });
});

describe('parseConfigText / loadConfigFile directly', () => {
  it('parseConfigText names the given file in its errors', () => {
    const err = configError(() => parseConfigText('virtual/portti.yaml', 'bogus: 1\n', PorttiConfigSchema, {}));
    expect(err.file).toBe('virtual/portti.yaml');
    expect(err.message).toBe(
      'Configuration file virtual/portti.yaml is not valid:\n  virtual/portti.yaml:1:1: bogus: unknown field "bogus"',
    );
  });

  it('runs the cross-check only when given one', () => {
    const text =
      'operators: []\ngateways:\n  - name: x\n    listen: { port: 1 }\n    public_url: http://a\n  - name: x\n    listen: { port: 2 }\n    public_url: http://b\n';
    expect(parseConfigText('f.yaml', text, PorttiConfigSchema, {}).gateways).toHaveLength(2);
    const err = configError(() => parseConfigText('f.yaml', text, PorttiConfigSchema, {}, crossCheck));
    expect(err.issues).toEqual([{ path: 'gateways[1].name', line: 6, column: 11, reason: 'duplicate component name "x"' }]);
  });

  it('loadConfigFile does not apply the DATABASE_URL override (loadPorttiConfig does)', () => {
    const file = writeConfig('database_url: postgres://file/db\n');
    expect(loadConfigFile(file, PorttiConfigSchema, { DATABASE_URL: 'postgres://env/db' }).database_url).toBe('postgres://file/db');
  });

  it('reports each of seven unknown fields on its own line', () => {
    const text = Array.from({ length: 7 }, (_, i) => `unknown_${i}: ${i}`).join('\n');
    const err = configError(() => parseConfigText('f.yaml', text, PorttiConfigSchema, {}));
    expect(err.issues.map((i) => [i.path, i.line])).toEqual(Array.from({ length: 7 }, (_, i) => [`unknown_${i}`, i + 1]));
  });

  // BUG (src/shared/config-loader.ts parseConfigText, the `if (e.keyword === 'boolean') continue;`
  // loop): TypeBox's Value.Errors stops after Settings.maxErrors = 8 errors. Each unknown field first
  // yields a `boolean` ("schema is false") error, which the loader skips, and the summarising
  // `additionalProperties` error comes after them. With 8 or more unknown fields the summary is cut
  // off, so ConfigError is thrown with an empty issue list and a message that names no field at all:
  // "Configuration file f.yaml is not valid:\n".
  it('still names the unknown fields when there are eight or more of them', () => {
    const text = Array.from({ length: 8 }, (_, i) => `unknown_${i}: ${i}`).join('\n');
    const err = configError(() => parseConfigText('f.yaml', text, PorttiConfigSchema, {}));
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.message).toContain('unknown field "unknown_0"');
  });
});

describe('solid sources', () => {
  const SOLID = `gateways:
  - name: gw
    listen: { port: 8080 }
    public_url: http://localhost:8080
    sources:
      - id: pods
        upstream:
          base_url: https://pods.example/
          auth:
            type: solid-oidc
            issuer: https://pods.example/
            client_id: gw
            client_secret: \${POD_SECRET}
        operations:
          - name: contact
            path: /{identifier}/portti/contact
            identifier_type: solid_pod
            format: turtle
            attributes:
              given_name: http://xmlns.com/foaf/0.1/givenName
`;

  it('a solid-oidc source with turtle operations passes', () => {
    const cfg = loadPorttiConfig(writeConfig(SOLID), { POD_SECRET: 'secret' });
    const source = cfg.gateways[0]!.sources[0]!;
    expect(source.upstream.auth).toEqual({ type: 'solid-oidc', issuer: 'https://pods.example/', client_id: 'gw', client_secret: 'secret' });
    expect(source.operations[0]!.format).toBe('turtle');
  });

  it('a solid-oidc source without its client secret names the field; fields of other types are refused', () => {
    const { err } = loadError(SOLID.replace('            client_secret: ${POD_SECRET}\n', '            token: abc\n'));
    expect(err.issues.map((i) => [i.path, i.reason])).toEqual([
      ['gateways[0].sources[0].upstream.auth.token', 'not a field of type solid-oidc'],
      ['gateways[0].sources[0].upstream.auth.client_secret', 'type solid-oidc needs client_secret'],
    ]);
    expect(issue(err, 'gateways[0].sources[0].upstream.auth.token').line).toBe(13);
  });

  it('an unknown upstream auth type lists the known ones; each type names what it lacks and refuses what is not its own', () => {
    const withAuth = (auth: string) =>
      GATEWAY.replace(
        '          base_url: http://localhost:9000\n',
        `          base_url: http://localhost:9000\n          auth: ${auth}\n`,
      );
    const at = 'gateways[0].sources[0].upstream.auth';
    expect(loadError(withAuth('{ type: basic }')).err.issues).toEqual([
      { path: `${at}.type`, line: 10, column: 25, reason: 'must be one of: none, bearer, header, solid-oidc' },
    ]);
    expect(loadError(withAuth('{ type: bearer }')).err.issues.map((i) => [i.path, i.reason])).toEqual([
      [`${at}.token`, 'type bearer needs token'],
    ]);
    expect(loadError(withAuth('{ type: header, name: x-api-key, token: t }')).err.issues.map((i) => [i.path, i.reason])).toEqual([
      [`${at}.token`, 'not a field of type header'],
      [`${at}.value`, 'type header needs value'],
    ]);
    expect(loadError(withAuth('{ token: t }')).err.issues.map((i) => [i.path, i.reason])).toEqual([[at, 'missing required field type']]);
    expect(
      loadPorttiConfig(writeConfig(withAuth('{ type: header, name: x-api-key, value: k }')), {}).gateways[0]?.sources[0]?.upstream.auth,
    ).toEqual({
      type: 'header',
      name: 'x-api-key',
      value: 'k',
    });
  });

  it('attributes must match the format: predicate IRIs for turtle, JSON pointers otherwise; subject only for turtle', () => {
    const pointer = loadError(SOLID.replace('given_name: http://xmlns.com/foaf/0.1/givenName', 'given_name: /given_name'), {
      POD_SECRET: 's',
    }).err;
    expect(issue(pointer, 'gateways[0].sources[0].operations[0].attributes.given_name').reason).toBe(
      'format turtle maps each attribute to one predicate IRI',
    );
    const json = loadError(SOLID.replace('            format: turtle\n', '            subject: "#me"\n'), { POD_SECRET: 's' }).err;
    expect(json.issues.map((i) => i.reason).sort()).toEqual([
      'a predicate IRI needs format turtle; JSON sources take JSON pointers',
      'subject is only for format turtle',
    ]);
    const unknown = loadError(SOLID.replace('format: turtle', 'format: rdfxml'), { POD_SECRET: 's' }).err;
    expect(issue(unknown, 'gateways[0].sources[0].operations[0].format').reason).toMatch(/json, turtle/);
  });
});
