import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGateway } from '../../src/assemble.js';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import { FileError } from '../../src/lib/yaml-source.js';
import { randomKey } from '../support/gateway.js';
import { createTestPki } from '../support/certificates.js';

const KEY = randomKey();
const ENV = { RAT_KEY: KEY, IAT: 'initial-token' };
const STANDARD_MAPPING = readFileSync(join(BUNDLED_MAPPINGS, 'rfc7591.yaml'), 'utf8');

/** Line numbers in the expectations below are lines of this file. */
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
server: { public_url: https://dcr.example/ }
`;
const NO_ADMIN = VALID.replace('    admin: { token: { env: IAT } }\n', '');

/** Writes `text` as `gateway.yaml` into a new directory, with `extra` files beside it. */
function write(text: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-config-'));
  for (const [name, content] of Object.entries(extra)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

/** The loader's problems, one per line, with the config file as FILE and its folder as DIR. */
function problems(
  text: string,
  env: Record<string, string> = ENV,
  extra: Record<string, string> = {},
): string[] {
  const file = write(text, extra);
  try {
    loadGateway(file, env);
  } catch (error) {
    if (error instanceof FileError)
      return error.message
        .split('\n')
        .map((line) => line.replaceAll(file, 'FILE').replaceAll(dirname(file), 'DIR'));
    throw error;
  }
  throw new Error('expected the config to be refused');
}

/** The standard mapping, authenticating to the backend as `adminAuth` says. */
function mappingWithAdminAuth(adminAuth: string): string {
  const changed = STANDARD_MAPPING.replace(
    /admin_auth:\n {2}kind: bearer\n {2}optional: true[^\n]*/,
    `admin_auth: ${adminAuth}`,
  );
  expect(changed).not.toBe(STANDARD_MAPPING);
  return changed;
}

describe('loading a gateway config', () => {
  it('loads a valid config with defaults, secrets from the environment and the bundled mapping', () => {
    const { config, backends } = loadGateway(write(VALID), ENV);
    expect(config.server).toStrictEqual({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'https://dcr.example',
      trustedHosts: undefined,
      bodyLimitBytes: 65_536,
      trustProxy: false,
      logLevel: 'info',
      auditLog: 'stdout',
      timeouts: { headersMs: 10_000, bodyMs: 10_000, requestMs: 20_000, keepAliveMs: 72_000 },
      maxConnections: 4096,
      shutdownGraceMs: 10_000,
    });
    expect(config.metrics).toStrictEqual({ listener: undefined, token: undefined });
    expect(config.cache).toStrictEqual({
      redisUrl: undefined,
      readTtlSeconds: 60,
      commandTimeoutMs: 500,
    });
    expect(config.tokens).toStrictEqual({
      keys: [{ kid: 'k1', key: Buffer.from(KEY, 'base64url') }],
      ttlSeconds: undefined,
    });
    const [backend] = backends;
    expect(backend!.mapping.id).toBe('rfc7591');
    expect(backend!.section.baseUrl.href).toBe('https://idp.example/base');
    expect(backend!.params).toStrictEqual({ registration_path: '/register' });
    expect(backend!.section.admin.token).toBe('initial-token');
    expect(config.routes).toStrictEqual([
      {
        id: 'apps',
        prefix: '/apps',
        backend: 'idp',
        access: {},
        registration: 'substitute',
        dryRun: false,
        softwareStatements: 'ignore',
        outboundUrls: {
          allowLoopback: false,
          allowPrivate: false,
          denyHosts: [],
          resolveTimeoutMs: 1000,
          unresolvable: 'refuse',
        },
        limits: {
          register: { max: 10, windowSeconds: 60 },
          manage: { max: 60, windowSeconds: 60 },
        },
        idempotency: {
          ttlSeconds: 86_400,
          leaseSeconds: 60,
          waitSeconds: 10,
          duplicateWindowSeconds: undefined,
        },
      },
    ]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it("resolves a route's outbound_urls as written", () => {
    const text = VALID.replace(
      'registration: { open: true }',
      [
        'registration: { open: true }',
        '    outbound_urls:',
        '      allow_loopback: true',
        '      allow_private: true',
        "      allow_hosts: { jwks_uri: ['*.keys.example'], '*': [app.example] }",
        '      deny_hosts: [evil.example]',
        '      resolve_timeout_ms: 250',
        '      unresolvable: accept',
      ].join('\n'),
    );
    expect(loadGateway(write(text), ENV).config.routes[0]!.outboundUrls).toStrictEqual({
      allowLoopback: true,
      allowPrivate: true,
      allowHosts: { jwks_uri: ['*.keys.example'], '*': ['app.example'] },
      denyHosts: ['evil.example'],
      resolveTimeoutMs: 250,
      unresolvable: 'accept',
    });
  });

  it('sends audit lines to stdout by default, or where server.audit_log says', () => {
    const withAudit = (value: string) =>
      VALID.replace('server: { public_url', `server: { audit_log: ${value}, public_url`);
    const auditOf = (value: string) =>
      loadGateway(write(withAudit(value)), ENV).config.server.auditLog;
    expect(auditOf('stderr')).toBe('stderr');
    expect(auditOf('off')).toBe('off');
    expect(auditOf('{ file: /var/log/dcr-gateway/audit.log }')).toStrictEqual({
      file: '/var/log/dcr-gateway/audit.log',
    });
    expect(problems(withAudit('syslog'))[0]).toContain('server.audit_log');
  });

  it('reads file secrets relative to the config file, not the working directory', () => {
    const text = VALID.replace('{ env: IAT }', '{ file: secrets/iat.txt }').replace(
      '{ env: RAT_KEY }',
      '{ file: ./rat.key }',
    );
    const { config } = loadGateway(
      write(text, { 'secrets/iat.txt': 'from-a-file\n', 'rat.key': `${KEY}\r\n` }),
      {},
    );
    expect(config.backends[0]!.admin.token).toBe('from-a-file');
    expect(config.tokens.keys[0]!.key).toStrictEqual(Buffer.from(KEY, 'base64url'));
  });

  it('hashes initial access tokens from secrets and takes them as sha256 too', () => {
    const digest = createHash('sha256').update('second').digest();
    const text = VALID.replace(
      'registration: { open: true }',
      `registration: { initial_access_tokens: [{ env: IAT }, { sha256: ${digest.toString('hex')} }] }`,
    );
    expect(loadGateway(write(text), ENV).config.routes[0]!.access).toStrictEqual({
      staticTokens: [createHash('sha256').update('initial-token').digest(), digest],
    });
  });

  it('lets HOST, PORT and REDIS_URL override the file; empty counts as unset', () => {
    const file = write(
      VALID.replace('backends:', 'cache: { redis_url: { env: R } }\nbackends:').replace(
        'server: {',
        'server: { host: ::1, port: 7000,',
      ),
    );
    const env = { ...ENV, R: 'redis://file:6379' };
    const overridden = loadGateway(file, {
      ...env,
      HOST: '0.0.0.0',
      PORT: '9000',
      REDIS_URL: 'redis://env:6379',
    }).config;
    expect([
      overridden.server.host,
      overridden.server.port,
      overridden.cache.redisUrl,
    ]).toStrictEqual(['0.0.0.0', 9000, 'redis://env:6379']);
    const empty = loadGateway(file, { ...env, HOST: '', PORT: '', REDIS_URL: '' }).config;
    expect([empty.server.host, empty.server.port, empty.cache.redisUrl]).toStrictEqual([
      '::1',
      7000,
      'redis://file:6379',
    ]);
    expect(loadGateway(file, { ...env, PORT: '0' }).config.server.port).toBe(0);
  });

  it('rate limits: open-route defaults, none with initial access tokens, as written, false', () => {
    const limitsOf = (text: string) => loadGateway(write(text), ENV).config.routes[0]!.limits;
    const withIat = VALID.replace(
      'registration: { open: true }',
      'registration: { initial_access_tokens: [{ env: IAT }] }',
    );
    expect(limitsOf(withIat)).toStrictEqual({});
    const route = (settings: string) =>
      VALID.replace('registration: { open: true }', `registration: { open: true }\n${settings}`);
    expect(
      limitsOf(
        route(
          '    rate_limit: { max: 3, window_seconds: 5 }\n    management_rate_limit: false\n    quota: { max_clients: 2, window_seconds: 3600 }',
        ),
      ),
    ).toStrictEqual({
      register: { max: 3, windowSeconds: 5 },
      quota: { max: 2, windowSeconds: 3600 },
    });
    expect(
      limitsOf(
        withIat.replace('server:', '    rate_limit: { max: 1, window_seconds: 1 }\nserver:'),
      ),
    ).toStrictEqual({ register: { max: 1, windowSeconds: 1 } });
  });

  it('idempotency: on by default, as written, or off with false', () => {
    const idempotencyOf = (settings: string) =>
      loadGateway(
        write(
          VALID.replace(
            'registration: { open: true }',
            `registration: { open: true }\n${settings}`,
          ),
        ),
        ENV,
      ).config.routes[0]!.idempotency;
    expect(
      idempotencyOf(
        '    idempotency: { ttl_seconds: 3600, lease_seconds: 30, wait_seconds: 30, duplicate_window_seconds: 20 }',
      ),
    ).toStrictEqual({
      ttlSeconds: 3600,
      leaseSeconds: 30,
      waitSeconds: 30,
      duplicateWindowSeconds: 20,
    });
    expect(idempotencyOf('    idempotency: false')).toBeUndefined();
  });

  it('trusted proxies: false or addresses and CIDR blocks', () => {
    const server = (trust: string) =>
      VALID.replace('server: {', `server: {\n  trust_proxy: ${trust},`);
    const trustOf = (trust: string) =>
      loadGateway(write(server(trust)), ENV).config.server.trustProxy;
    expect(trustOf('false')).toBe(false);
    expect(trustOf('[10.0.0.1, 10.1.0.0/16, "::1", "fd00::/8"]')).toStrictEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
    ]);
  });

  it.each(['eighty', ' 80', '1e3', '0x50', '-1', '65536', '8080.0'])('refuses PORT=%j', (port) => {
    expect(() => loadGateway(write(VALID), { ...ENV, PORT: port })).toThrow(
      new FileError(`PORT: expected an integer from 0 to 65535, got "${port}"`),
    );
  });
});

describe('refusing a gateway config: file, line, column, path and expectation', () => {
  it('an inline secret', () => {
    expect(problems(VALID.replace('{ token: { env: IAT } }', '{ token: s3cret }'))).toStrictEqual([
      'FILE:8:21: backends.idp.admin.token: expected { env: NAME } or { file: PATH } (secrets are never written inline)',
    ]);
  });

  it('schema problems, all at once', () => {
    const text = VALID.replace('prefix: /apps', 'prefix: apps/')
      .replace('https://idp.example/base', 'ftp://idp.example')
      .concat('extra: true\n');
    expect(problems(text)).toStrictEqual([
      'FILE:7:15: backends.idp.base_url: an absolute http(s) URL',
      'FILE:11:13: routes.apps.prefix: a path such as /idp or /tenants/a (no trailing slash)',
      'FILE:15:1: (top level): Unrecognized key: "extra"',
    ]);
  });

  it('trust_proxy: true (anyone could choose their address), bad addresses, an empty list', () => {
    const server = (trust: string) =>
      VALID.replace('server: {', `server: {\n  trust_proxy: ${trust},`);
    const refusal =
      'expected false or a list of trusted proxy addresses or CIDR blocks (true is refused: it would trust X-Forwarded-For from anyone)';
    expect(problems(server('true'))).toStrictEqual([`FILE:15:16: server.trust_proxy: ${refusal}`]);
    const address = 'expected an IP address or a CIDR block such as 10.0.0.0/8';
    expect(
      problems(
        server('[10.0.0.1, proxy.example, 10.0.0.0/33, "fe80::1%eth0", "::/129", 1.2.3.4/8/1]'),
      ),
    ).toStrictEqual([
      `FILE:15:27: server.trust_proxy.1: ${address}`,
      `FILE:15:42: server.trust_proxy.2: ${address}`,
      `FILE:15:55: server.trust_proxy.3: ${address}`,
      `FILE:15:71: server.trust_proxy.4: ${address}`,
      `FILE:15:81: server.trust_proxy.5: ${address}`,
    ]);
    expect(problems(server('[]'))).toStrictEqual([
      'FILE:15:16: server.trust_proxy: Too small: expected array to have >=1 items',
    ]);
  });

  it('rate limits: positive integers, or false', () => {
    const text = VALID.replace(
      'registration: { open: true }',
      'registration: { open: true }\n    rate_limit: { max: 0, window_seconds: 60 }\n    management_rate_limit: true\n    quota: { max_clients: 1 }',
    );
    expect(problems(text)).toStrictEqual([
      'FILE:14:24: routes.apps.rate_limit.max: Too small: expected number to be >0',
      'FILE:15:28: routes.apps.management_rate_limit: expected { max, window_seconds } or false',
      'FILE:16:12: routes.apps.quota.window_seconds: Invalid input: expected number, received undefined',
    ]);
  });

  it('idempotency: a ttl of at most 7 days, a wait within the lease, no other members', () => {
    const route = (settings: string) =>
      VALID.replace('registration: { open: true }', `registration: { open: true }\n${settings}`);
    expect(problems(route('    idempotency: { ttl_seconds: 604801 }'))).toStrictEqual([
      'FILE:14:33: routes.apps.idempotency.ttl_seconds: Too big: expected number to be <=604800',
    ]);
    expect(problems(route('    idempotency: { lease_seconds: 5, wait_seconds: 6 }'))).toStrictEqual(
      [
        'FILE:14:52: routes.apps.idempotency.wait_seconds: must not exceed lease_seconds (a lease that ran out is claimed again)',
      ],
    );
    expect(problems(route('    idempotency: true'))).toStrictEqual([
      'FILE:14:18: routes.apps.idempotency: expected { ttl_seconds, lease_seconds, wait_seconds, duplicate_window_seconds } or false',
    ]);
  });

  it('server timeouts: headers_ms within request_ms, and positive integers', () => {
    const server = (timeouts: string) =>
      VALID.replace('server: {', `server: {\n  timeouts: ${timeouts},`);
    expect(problems(server('{ headers_ms: 5000, request_ms: 4000 }'))).toStrictEqual([
      'FILE:15:27: server.timeouts.headers_ms: must not exceed request_ms (the whole request includes its headers)',
    ]);
    expect(problems(server('{ body_ms: 0, keep_alive_ms: 1.5 }'))).toStrictEqual([
      'FILE:15:24: server.timeouts.body_ms: Too small: expected number to be >0',
      'FILE:15:42: server.timeouts.keep_alive_ms: Invalid input: expected int, received number',
    ]);
    const { config } = loadGateway(write(server('{ headers_ms: 1000, body_ms: 2000 }')), ENV);
    expect(config.server.timeouts).toStrictEqual({
      headersMs: 1000,
      bodyMs: 2000,
      requestMs: 20_000,
      keepAliveMs: 72_000,
    });
  });

  it('neither public_url nor trusted_hosts, or both; a trusted host that is not a Host value', () => {
    const server = (section: string) =>
      VALID.replace('server: { public_url: https://dcr.example/ }', section);
    expect(problems(server(''))).toStrictEqual([
      'FILE:1:1: server: set public_url (how callers reach the gateway) or trusted_hosts (the Host values it answers to): URIs are never built from an unchecked Host header',
    ]);
    expect(
      problems(server('server: { public_url: https://dcr.example, trusted_hosts: [dcr.example] }')),
    ).toStrictEqual([
      'FILE:14:59: server.trusted_hosts: unused beside public_url, which every URI is built from; set one of the two',
    ]);
    expect(problems(server("server: { trusted_hosts: ['evil.example/#', 'a:b'] }"))).toStrictEqual([
      'FILE:14:27: server.trusted_hosts.0: a host as callers send it in Host: name, IPv4 or [IPv6], optionally :port or :* (any port)',
      'FILE:14:45: server.trusted_hosts.1: a host as callers send it in Host: name, IPv4 or [IPv6], optionally :port or :* (any port)',
    ]);
    const { config } = loadGateway(
      write(server("server: { trusted_hosts: [DCR.example, 'dcr.example:8443', '[::1]:*'] }")),
      ENV,
    );
    expect([config.server.publicUrl, config.server.trustedHosts]).toStrictEqual([
      undefined,
      ['dcr.example', 'dcr.example:8443', '[::1]:*'],
    ]);
  });

  it('names, secrets and the environment, all at once', () => {
    const text = VALID.replace('backend: idp', 'backend: nowhere')
      .replace('{ env: IAT }', '{ env: UNSET }')
      .replace('mapping: rfc7591', 'mapping: rfc7591\n    parameters: { setupId: x }')
      .replace(
        '{ kid: k1, secret: { env: RAT_KEY } }',
        '{ kid: k1, secret: { file: missing.key } }',
      );
    expect(problems(text, { ...ENV, PORT: 'eighty' })).toStrictEqual([
      'FILE:9:21: backends.idp.admin.token: environment variable UNSET is not set',
      'FILE:13:14: routes.apps.backend: no backend named nowhere',
      'FILE:3:26: registration_tokens.keys.0.secret: secret file missing.key cannot be read (ENOENT)',
      'PORT: expected an integer from 0 to 65535, got "eighty"',
      'FILE:7:28: backends.idp.parameters.setupId: mapping rfc7591 has no parameter setupId (it has: registration_path)',
    ]);
  });

  it('sites: the issuer split into origin and path, defaults, hosts in lower case', () => {
    const text = `${VALID}sites:
  front:
    issuer: https://IdP.example/realms/a
    route: apps
  other:
    issuer: https://login.example
    hosts: [Login.example, 'login.example:*']
    route: apps
    upstream: http://portal.internal:8080/
    preserve_host: true
    idp_registration: { paths: [/reg], action: refuse }
    discovery: { ttl_seconds: 10, stale_seconds: 0, timeout_ms: 100 }
    cors: { allowed_origins: ['*', 'https://app.example/x'] }
`;
    expect(loadGateway(write(text), ENV).config.sites).toStrictEqual([
      {
        id: 'front',
        issuer: 'https://IdP.example/realms/a',
        origin: 'https://idp.example',
        issuerPath: '/realms/a',
        hosts: ['idp.example'],
        route: 'apps',
        upstream: undefined,
        preserveHost: false,
        idpRegistration: { paths: [], action: 'take_over' },
        discovery: { ttlSeconds: 300, staleSeconds: 3600, timeoutMs: 5000 },
        corsOrigins: [],
      },
      {
        id: 'other',
        issuer: 'https://login.example',
        origin: 'https://login.example',
        issuerPath: '',
        hosts: ['login.example', 'login.example:*'],
        route: 'apps',
        upstream: 'http://portal.internal:8080',
        preserveHost: true,
        idpRegistration: { paths: ['/reg'], action: 'refuse' },
        discovery: { ttlSeconds: 10, staleSeconds: 0, timeoutMs: 100 },
        corsOrigins: ['*', 'https://app.example'],
      },
    ]);
  });

  it('sites: an issuer with a query, a host that is no Host value, a path with a trailing slash', () => {
    const text = `${VALID}sites:
  a:
    issuer: https://idp.example/?tenant=1
    hosts: ['idp.example/x']
    route: apps
    idp_registration: { paths: [/reg/] }
    upstream: http://portal.internal/login
`;
    expect(problems(text)).toStrictEqual([
      'FILE:17:13: sites.a.issuer: an issuer has no query or fragment (RFC 8414 section 2)',
      'FILE:18:13: sites.a.hosts.0: a Host value: name, IPv4 or [IPv6], optionally :port or :* (any port)',
      'FILE:21:15: sites.a.upstream: an origin: scheme, host and port only',
      'FILE:20:33: sites.a.idp_registration.paths.0: a path such as /reg (no trailing slash)',
    ]);
  });

  it('sites: an unknown route, a host served by two sites', () => {
    const text = `${VALID}sites:
  a:
    issuer: https://idp.example
    route: nowhere
  b:
    issuer: https://idp.example
    route: apps
`;
    expect(problems(text)).toStrictEqual([
      'FILE:18:12: sites.a.route: no route named nowhere',
      'FILE:20:5: sites.b.hosts.0: idp.example is served by site a',
    ]);
  });

  it('initial access JWT and introspection settings resolved; key set files read at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcrgw-jwks-'));
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }] }),
    );
    const text = VALID.replace(
      'registration: { open: true }',
      `registration:
      initial_access_jwt:
        issuer: https://issuer.example
        audience: dcr
        jwks: { file: ${join(dir, 'keys.json')} }
        algorithms: [EdDSA]
      introspection:
        endpoint: https://as.example/introspect
        client_id: gw
        client_secret: { env: IAT }
      single_use: true`,
    );
    expect(loadGateway(write(text), ENV).config.routes[0]!.access).toStrictEqual({
      jwt: {
        issuer: 'https://issuer.example',
        audience: ['dcr'],
        algorithms: ['EdDSA'],
        clockSkewSeconds: 60,
        keys: { kind: 'inline', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }] } },
      },
      introspection: {
        endpoint: 'https://as.example/introspect',
        clientId: 'gw',
        clientSecret: 'initial-token',
        maxCacheSeconds: 60,
        timeoutMs: 2000,
        clockSkewSeconds: 60,
      },
      singleUse: true,
    });
  });

  it('refuses HMAC or none for a JWKS, open with a token mode, single use on an open route', () => {
    const route = (registration: string) =>
      VALID.replace('registration: { open: true }', registration);
    const jwt = (algorithms: string) =>
      `{ issuer: i, audience: a, jwks: { uri: 'https://i.example/jwks' }, algorithms: ${algorithms} }`;
    for (const algorithms of ['[HS256]', '[none]', '[]'])
      expect(
        problems(route(`registration: { initial_access_jwt: ${jwt(algorithms)} }`)).join('\n'),
      ).toContain('initial_access_jwt.algorithms');
    expect(
      problems(route(`registration: { open: true, initial_access_jwt: ${jwt('[ES256]')} }`))[0],
    ).toContain('expected open: true or an initial access token mode');
    expect(problems(route('registration: { open: true, single_use: true }'))[0]).toContain(
      'single_use applies to initial access tokens',
    );
    expect(
      problems(
        route(
          `registration: { initial_access_jwt: ${jwt('[ES256]')}, single_use: true, required_scope: x }`,
        ),
      )[0],
    ).toContain('required_scope');
  });

  it('refuses field scopes on an open route, for a member that is not a name, or not a scope', () => {
    const route = (registration: string) =>
      VALID.replace('registration: { open: true }', registration);
    expect(
      problems(route('registration: { open: true, field_scopes: { logo_uri: branding } }'))[0],
    ).toContain('field_scopes are granted by initial access tokens');
    const tokens = "initial_access_tokens: [{ sha256: '" + 'a'.repeat(64) + "' }]";
    expect(
      problems(
        route(`registration: { ${tokens}, field_scopes: { 'logo_uri#fr': branding } }`),
      ).join('\n'),
    ).toContain('field_scopes.logo_uri#fr: Invalid key in record');
    expect(
      problems(route(`registration: { ${tokens}, field_scopes: { logo_uri: 'two scopes' } }`))[0],
    ).toContain('one scope token');
  });

  it('software statement publishers, decryption key and signed requests resolved', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' };
    const text = VALID.replace(
      'registration: { open: true }',
      `registration:
      open: true
      software_statement:
        publishers:
          - { issuer: https://pub.example, jwks: { uri: 'https://pub.example/jwks' }, algorithms: [ES256, PS256], required_claims: [software_id] }
          - { issuer: https://hmac.example, secret: { env: IAT }, algorithms: [HS256], clock_skew_seconds: 5 }
        required: true
        decryption_key: { env: STATEMENT_KEY }
      signed_requests: { algorithms: [PS256, ES256], max_age_seconds: 120 }`,
    );
    const env = { ...ENV, STATEMENT_KEY: JSON.stringify(jwk) };
    expect(loadGateway(write(text), env).config.routes[0]!.access).toStrictEqual({
      softwareStatement: {
        publishers: [
          {
            issuer: 'https://pub.example',
            key: { kind: 'keys', keys: { kind: 'uri', uri: 'https://pub.example/jwks' } },
            algorithms: ['ES256', 'PS256'],
            requiredClaims: ['software_id'],
            clockSkewSeconds: 60,
          },
          {
            issuer: 'https://hmac.example',
            key: { kind: 'secret', secret: Buffer.from('initial-token') },
            algorithms: ['HS256'],
            requiredClaims: [],
            clockSkewSeconds: 5,
          },
        ],
        required: true,
        decryptionKey: jwk,
      },
      signedRequests: {
        required: false,
        algorithms: ['PS256', 'ES256'],
        maxAgeSeconds: 120,
        clockSkewSeconds: 60,
      },
    });
  });

  it('refuses statement publishers that mix keys and algorithms, and signed requests without them', () => {
    const route = (registration: string) =>
      VALID.replace(
        'registration: { open: true }',
        `registration: { open: true, ${registration} }`,
      );
    const publisher = (members: string) =>
      `software_statement: { publishers: [{ issuer: https://pub.example, ${members} }] }`;
    const jwks = "jwks: { uri: 'https://pub.example/jwks' }";
    const cases: Array<[string, string]> = [
      [
        publisher(`${jwks}, algorithms: [HS256]`),
        'routes.apps.registration.software_statement.publishers.0.algorithms: HS256/384/512 go with a secret, asymmetric algorithms with jwks; not mixed',
      ],
      [
        publisher('secret: { env: IAT }, algorithms: [RS256]'),
        'routes.apps.registration.software_statement.publishers.0.algorithms: HS256/384/512 go with a secret, asymmetric algorithms with jwks; not mixed',
      ],
      [
        publisher(`${jwks}, secret: { env: IAT }, algorithms: [ES256]`),
        'routes.apps.registration.software_statement.publishers.0: expected jwks or secret, not both',
      ],
      [
        publisher('algorithms: [ES256]'),
        'routes.apps.registration.software_statement.publishers.0: expected jwks or secret, not both',
      ],
      [
        publisher(`${jwks}, algorithms: [none]`),
        'routes.apps.registration.software_statement.publishers.0.algorithms.0',
      ],
      [
        'signed_requests: { algorithms: [ES256] }',
        "routes.apps.registration.signed_requests: signed_requests need software_statement publishers (the key is the statement's)",
      ],
      [
        `${publisher(`${jwks}, algorithms: [ES256]`)}, signed_requests: { algorithms: [HS256] }`,
        'routes.apps.registration.signed_requests.algorithms.0',
      ],
      [
        `software_statement: { publishers: [{ issuer: a, ${jwks}, algorithms: [ES256] }, { issuer: a, ${jwks}, algorithms: [ES256] }] }`,
        'routes.apps.registration.software_statement.publishers: each issuer once',
      ],
    ];
    for (const [registration, problem] of cases)
      expect(problems(route(registration)).join('\n'), registration).toContain(problem);
  });

  it('refuses a decryption key that is not a private JWK, naming its path', () => {
    const text = VALID.replace(
      'registration: { open: true }',
      `registration: { open: true, software_statement: { publishers: [{ issuer: i, secret: { env: IAT }, algorithms: [HS256] }], decryption_key: { env: STATEMENT_KEY } } }`,
    );
    for (const key of ['not json', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })])
      expect(problems(text, { ...ENV, STATEMENT_KEY: key })).toStrictEqual([
        'FILE:13:143: routes.apps.registration.software_statement.decryption_key: expected a private JWK as JSON (kty RSA, EC or OKP, with d)',
      ]);
  });

  it('an environment variable set to the empty string', () => {
    expect(problems(VALID, { ...ENV, IAT: '' })).toStrictEqual([
      'FILE:8:21: backends.idp.admin.token: environment variable IAT is not set',
    ]);
  });

  it('a key that is not 32 bytes, and a kid used twice', () => {
    const text = VALID.replace(
      '    - { kid: k1, secret: { env: RAT_KEY } }\n',
      '    - { kid: k1, secret: { env: RAT_KEY } }\n    - { kid: k1, secret: { env: SHORT } }\n',
    );
    expect(problems(text, { ...ENV, SHORT: 'c2hvcnQ' })).toStrictEqual([
      'FILE:4:14: registration_tokens.keys.1.kid: k1 is used by another key',
      'FILE:4:26: registration_tokens.keys.1.secret: expected base64url of exactly 32 bytes (e.g. openssl rand -base64 32)',
    ]);
  });

  it.each([
    ['bearer', '{ kind: bearer }', ['token']],
    ['basic', '{ kind: basic }', ['username', 'password']],
    [
      'client_credentials',
      '{ kind: client_credentials, token_path: /token }',
      ['client_id', 'client_secret'],
    ],
  ])('a missing admin credential for %s', (kind, adminAuth, fields) => {
    const text = NO_ADMIN.replace('mapping: rfc7591', 'mapping: ./m.yaml');
    expect(problems(text, ENV, { 'm.yaml': mappingWithAdminAuth(adminAuth) })).toStrictEqual(
      fields.map(
        (field) =>
          `FILE:6:5: backends.idp.admin: mapping rfc7591 authenticates with ${kind}: admin.${field} is required`,
      ),
    );
  });

  it('a mapping file that cannot be read, or is invalid, with the mapping’s own location', () => {
    expect(problems(VALID.replace('mapping: rfc7591', 'mapping: ./nope.yaml'))).toStrictEqual([
      'FILE:6:14: backends.idp.mapping: mapping ./nope.yaml is invalid:',
      'DIR/nope.yaml: cannot be read (ENOENT)',
    ]);
    const invalid = STANDARD_MAPPING.replace('format_version: 1', 'format_version: 2');
    expect(
      problems(VALID.replace('mapping: rfc7591', 'mapping: maps/v2.yaml'), ENV, {
        'maps/v2.yaml': invalid,
      }),
    ).toStrictEqual([
      'FILE:6:14: backends.idp.mapping: mapping maps/v2.yaml is invalid:',
      'DIR/maps/v2.yaml:2:17: format_version: Invalid input: expected 1',
    ]);
  });

  it.each([
    [
      'an unknown mapping id',
      VALID.replace('mapping: rfc7591', 'mapping: keycloak'),
      [
        'FILE:6:14: backends.idp.mapping: mapping keycloak is invalid:',
        `${join(BUNDLED_MAPPINGS, 'keycloak.yaml')}: cannot be read (ENOENT)`,
      ],
    ],
    [
      'a mapping that is neither an id nor a .yaml path',
      VALID.replace('mapping: rfc7591', 'mapping: ../etc/passwd'),
      ['FILE:6:14: backends.idp.mapping: expected a bundled mapping id or a path ending in .yaml'],
    ],
    [
      'an unknown mapping parameter',
      VALID.replace('mapping: rfc7591', 'mapping: rfc7591\n    parameters: { realm: x }'),
      [
        'FILE:7:26: backends.idp.parameters.realm: mapping rfc7591 has no parameter realm (it has: registration_path)',
      ],
    ],
    [
      'capabilities beyond the mapping',
      VALID.replace(
        'mapping: rfc7591',
        'mapping: rfc7591\n    capabilities: { grant_types: [password, authorization_code, ciba] }',
      ),
      [
        'FILE:7:34: backends.idp.capabilities.grant_types: mapping rfc7591 does not support password, ciba',
      ],
    ],
    [
      'a route naming an unknown backend',
      VALID.replace('backend: idp', 'backend: idq'),
      ['FILE:12:14: routes.apps.backend: no backend named idq'],
    ],
    [
      'an outbound host pattern that is no host',
      VALID.replace(
        'registration: { open: true }',
        "registration: { open: true }\n    outbound_urls: { deny_hosts: [a.example, '[::1'] }",
      ),
      [
        'FILE:14:46: routes.apps.outbound_urls.deny_hosts.1: "[::1" is not a host name, an IP address or *.domain',
      ],
    ],
    [
      'an outbound allowlist for a member the IdP does not fetch',
      VALID.replace(
        'registration: { open: true }',
        'registration: { open: true }\n    outbound_urls: { allow_hosts: { redirect_uris: [a.example] } }',
      ),
      [
        'FILE:14:52: routes.apps.outbound_urls.allow_hosts.redirect_uris: expected * or a member the IdP may fetch: client_uri, logo_uri, tos_uri, policy_uri, jwks_uri, sector_identifier_uri, initiate_login_uri, request_uris, backchannel_logout_uri',
      ],
    ],
    [
      'a duplicate prefix',
      VALID.replace(
        'routes:',
        'routes:\n  other: { prefix: /apps, backend: idp, registration: { open: true } }',
      ),
      ['FILE:12:13: routes.apps.prefix: /apps is used by another route'],
    ],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toStrictEqual(expected);
  });

  it('a missing required mapping parameter', () => {
    const mapping = STANDARD_MAPPING.replace(
      'parameters:\n',
      'parameters:\n  realm:\n    description: the realm clients live in\n    required: true\n',
    );
    expect(
      problems(VALID.replace('mapping: rfc7591', 'mapping: ./m.yaml'), ENV, { 'm.yaml': mapping }),
    ).toStrictEqual([
      'FILE:6:5: backends.idp.parameters: mapping rfc7591 needs parameter realm: the realm clients live in',
    ]);
  });
});

describe('mutual TLS settings', () => {
  const pki = createTestPki();
  const files = {
    'tls/server.pem': pki.server.cert,
    'tls/server.key': pki.server.key,
    'tls/clients.pem': pki.ca.cert,
    'not-pem.txt': 'hello',
  };
  const TLS = `  tls:
    certificate: tls/server.pem
    key: { file: tls/server.key }
    client_ca: tls/clients.pem
    request_client_certificate: true
`;
  const HEADER = `  client_certificate_header:
    name: x-client-cert
    trusted_proxies: [10.0.0.0/8, "::1"]
`;
  const withServer = (lines: string, registration = '{ open: true }') =>
    VALID.replace('server: { public_url: https://dcr.example/ }\n', '')
      .replace('registration: { open: true }', `registration: ${registration}`)
      .concat(`server:\n  public_url: https://dcr.example/\n${lines}`);
  const load = (text: string) => loadGateway(write(text, files), ENV).config;

  it('reads the TLS files relative to the config; checks certificates wherever they can arrive', () => {
    const config = load(withServer(TLS));
    expect(config.server.tls).toStrictEqual({
      certificate: pki.server.cert,
      // As every file secret: without its final line break.
      key: pki.server.key.replace(/\n$/, ''),
      clientCa: pki.ca.cert,
      requestClientCertificate: true,
    });
    expect(config.server.clientCertificateHeader).toBeUndefined();
    expect(config.routes[0]!.access).toStrictEqual({ clientCertificate: { required: false } });
  });

  it('resolves the header source, and a route that requires a certificate', () => {
    const config = load(
      withServer(HEADER, '{ open: true, client_certificate: { required: true } }'),
    );
    expect(config.server.tls).toBeUndefined();
    expect(config.server.clientCertificateHeader).toStrictEqual({
      name: 'x-client-cert',
      trustedProxies: ['10.0.0.0/8', '::1'],
      clientCa: undefined,
    });
    expect(config.routes[0]!.access).toStrictEqual({ clientCertificate: { required: true } });
  });

  it('leaves routes unchanged where no certificate can arrive', () => {
    const config = load(
      withServer(
        TLS.replace('request_client_certificate: true', 'request_client_certificate: false'),
      ),
    );
    expect(config.routes[0]!.access).toStrictEqual({});
  });

  it('refuses a required certificate no source can deliver', () => {
    expect(
      problems(
        withServer('', '{ open: true, client_certificate: { required: true } }'),
        ENV,
        files,
      ),
    ).toStrictEqual([
      'FILE:13:65: routes.apps.registration.client_certificate.required: no certificate can arrive: set server.tls.request_client_certificate or server.client_certificate_header',
    ]);
  });

  it('refuses unreadable or non-PEM files and a key that is none, never quoting the key', () => {
    const text = withServer(
      TLS.replace('tls/server.pem', 'missing.pem')
        .replace('tls/server.key', 'tls/clients.pem')
        .replace('tls/clients.pem\n', 'not-pem.txt\n'),
    );
    expect(problems(text, ENV, files)).toStrictEqual([
      'FILE:18:10: server.tls.key: is not a PEM private key',
      'FILE:17:18: server.tls.certificate: missing.pem cannot be read (ENOENT)',
      'FILE:19:16: server.tls.client_ca: not-pem.txt holds no PEM certificates, or one that does not parse',
    ]);
  });

  it('refuses a header name that is not lower case, bad proxy addresses, unknown members', () => {
    const text = withServer(
      HEADER.replace('x-client-cert', 'X-Client-Cert')
        .replace('"::1"', 'proxy.example')
        .concat('    verify: true\n'),
    );
    expect(problems(text, ENV, files)).toStrictEqual([
      'FILE:17:11: server.client_certificate_header.name: a lower-case header name such as x-client-cert',
      'FILE:18:35: server.client_certificate_header.trusted_proxies.1: expected an IP address or a CIDR block such as 10.0.0.0/8',
      'FILE:19:5: server.client_certificate_header: Unrecognized key: "verify"',
    ]);
  });
});
