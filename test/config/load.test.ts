import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MAPPINGS, loadConfigFile } from '../../src/config/load.js';
import { FileError } from '../../src/config/yaml-source.js';
import { randomKey } from '../support/gateway.js';

const KEY = randomKey();
const ENV = { RAT_KEY: KEY, IAT: 'initial-token' };

const VALID = `registration_tokens:
  keys:
    - { kid: k1, secret: { env: RAT_KEY } }
backends:
  idp:
    mapping: rfc7591
    base_url: https://idp.example/base
    admin: { token: { env: IAT } }
routes:
  apps:
    prefix: /apps
    backend: idp
    registration: { open: true }
`;

function write(text: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-config-'));
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

function problems(text: string, env: Record<string, string> = ENV): string[] {
  const file = write(text);
  try {
    loadConfigFile(file, env);
  } catch (error) {
    if (error instanceof FileError)
      return error.message.split('\n').map((line) => line.replace(file, 'FILE'));
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('loadConfigFile', () => {
  it('loads a valid config with defaults, secrets from the environment and the bundled mapping', () => {
    const config = loadConfigFile(write(VALID), ENV);
    expect(config.server).toStrictEqual({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: undefined,
      bodyLimitBytes: 65_536,
      trustProxy: false,
      logLevel: 'info',
    });
    expect(config.cache).toStrictEqual({
      redisUrl: undefined,
      readTtlSeconds: 60,
      commandTimeoutMs: 500,
    });
    expect(config.tokens.keys).toStrictEqual([{ kid: 'k1', key: Buffer.from(KEY, 'base64url') }]);
    const [backend] = config.backends;
    expect(backend!.mapping.id).toBe('rfc7591');
    expect(backend!.params).toStrictEqual({ registration_path: '/register' });
    expect(backend!.admin.token).toBe('initial-token');
    expect(config.routes).toStrictEqual([
      { id: 'apps', prefix: '/apps', backend: 'idp', access: { kind: 'open' } },
    ]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads file secrets relative to the config file, and lets HOST, PORT and REDIS_URL override', () => {
    const text = VALID.replace('{ env: IAT }', '{ file: iat.txt }');
    const config = loadConfigFile(write(text, { 'iat.txt': 'from-a-file\n' }), {
      ...ENV,
      HOST: '0.0.0.0',
      PORT: '9000',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config.backends[0]!.admin.token).toBe('from-a-file');
    expect([config.server.host, config.server.port, config.cache.redisUrl]).toStrictEqual([
      '0.0.0.0',
      9000,
      'redis://cache:6379',
    ]);
    expect(() => loadConfigFile(write(VALID), { ...ENV, PORT: 'eighty' })).toThrow(
      new FileError('PORT: expected an integer from 0 to 65535, got "eighty"'),
    );
  });

  it('refuses inline secrets, naming file, line, path and expectation', () => {
    expect(problems(VALID.replace('{ token: { env: IAT } }', '{ token: s3cret }'))).toStrictEqual([
      'FILE:8:21: backends.idp.admin.token: expected { env: NAME } or { file: PATH } (secrets are never written inline)',
    ]);
  });

  it('reports every problem at once', () => {
    const text = VALID.replace('backend: idp', 'backend: nowhere')
      .replace('{ env: IAT }', '{ env: UNSET }')
      .replace('mapping: rfc7591', 'mapping: rfc7591\n    parameters: { setupId: x }')
      .replace(
        '{ kid: k1, secret: { env: RAT_KEY } }',
        '{ kid: k1, secret: { file: missing.key } }',
      );
    expect(problems(text)).toStrictEqual([
      'FILE:7:28: backends.idp.parameters.setupId: mapping rfc7591 has no parameter setupId (it has: registration_path)',
      'FILE:9:21: backends.idp.admin.token: environment variable UNSET is not set',
      'FILE:13:14: routes.apps.backend: no backend named nowhere',
      'FILE:3:26: registration_tokens.keys.0.secret: secret file missing.key cannot be read (ENOENT)',
    ]);
  });

  it('checks the admin credentials against what the mapping authenticates with', () => {
    const standard = readFileSync(join(BUNDLED_MAPPINGS, 'rfc7591.yaml'), 'utf8');
    const basic = standard.replace(
      /admin_auth:\n {2}kind: bearer\n {2}optional: true[^\n]*/,
      'admin_auth: { kind: basic }',
    );
    expect(basic).not.toBe(standard);
    const file = write(VALID.replace('mapping: rfc7591', 'mapping: ./basic.yaml'), {
      'basic.yaml': basic,
    });
    expect(() => loadConfigFile(file, ENV)).toThrow(
      new FileError(
        [
          `${file}:8:12: backends.idp.admin: mapping rfc7591 authenticates with basic: admin.username is required`,
          `${file}:8:12: backends.idp.admin: mapping rfc7591 authenticates with basic: admin.password is required`,
        ].join('\n'),
      ),
    );
  });

  it.each([
    [
      'a short key',
      VALID,
      { ...ENV, RAT_KEY: 'c2hvcnQ' },
      /registration_tokens\.keys\.0\.secret: expected base64url of exactly 32 bytes/,
    ],
    [
      'a missing admin credential',
      VALID.replace('    admin: { token: { env: IAT } }\n', '').replace('rfc7591', './basic.yaml'),
      ENV,
      /backends\.idp\.mapping: mapping \.\/basic\.yaml is invalid/,
    ],
    [
      'capabilities beyond the mapping',
      VALID.replace(
        'mapping: rfc7591',
        'mapping: rfc7591\n    capabilities: { grant_types: [password] }',
      ),
      ENV,
      /backends\.idp\.capabilities\.grant_types: mapping rfc7591 does not support password/,
    ],
    [
      'an unknown mapping id',
      VALID.replace('mapping: rfc7591', 'mapping: keycloak'),
      ENV,
      /backends\.idp\.mapping: mapping keycloak is invalid:\n.*keycloak\.yaml: cannot be read \(ENOENT\)/,
    ],
    [
      'a mapping name that is neither id nor file',
      VALID.replace('mapping: rfc7591', 'mapping: ../etc/passwd'),
      ENV,
      /backends\.idp\.mapping: expected a bundled mapping id or a path ending in \.yaml/,
    ],
    [
      'a bad prefix',
      VALID.replace('prefix: /apps', 'prefix: apps/'),
      ENV,
      /routes\.apps\.prefix: a path such as \/idp or \/tenants\/a \(no trailing slash\)/,
    ],
    [
      'a duplicate prefix',
      VALID.replace(
        'routes:',
        'routes:\n  other: { prefix: /apps, backend: idp, registration: { open: true } }',
      ),
      ENV,
      /routes\.apps\.prefix: \/apps is used by another route/,
    ],
    [
      'a non-http base URL',
      VALID.replace('https://idp.example/base', 'ftp://idp.example'),
      ENV,
      /backends\.idp\.base_url: an absolute http\(s\) URL/,
    ],
  ])('refuses %s', (_name, text, env, message) => {
    expect(problems(text, env).join('\n')).toMatch(message);
  });
});
