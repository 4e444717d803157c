import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { buildApp } from '../../src/app.js';
import { loadGateway, type Gateway } from '../../src/assemble.js';
import { createAuditLogger, createLogger } from '../../src/http/index.js';
import type { HostLookup } from '../../src/lib/outbound-url.js';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { asBackend } from './fake-vendor.js';

export interface TestGateway {
  readonly url: string;
  /** Where `/metrics` is served: `url`, or the metrics listener's own address. */
  readonly metricsUrl: string;
  readonly app: FastifyInstance;
  /** Every log line the gateway wrote, raw. */
  readonly logs: string[];
  /** Every audit line, raw (the audit logger is a separate one). */
  readonly audit: string[];
  close(): Promise<void>;
}

/** A gateway config file and the environment its secrets come from. */
export interface ConfigFixture {
  readonly file: string;
  readonly env: Record<string, string>;
}

export const randomKey = (): string => randomBytes(32).toString('base64url');

/** A public address no test connects to (the gateway only looks names up; the IdP never does here). */
export const PUBLIC_ADDRESS = '93.184.215.14';

/**
 * The resolver test gateways use, so that no test sends a DNS query: names under `.invalid`
 * do not resolve, names under `.internal.test` resolve to loopback, every other name to a
 * public address.
 */
export const testLookup: HostLookup = async (host) => {
  if (host.endsWith('.invalid'))
    throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
  return host.endsWith('.internal.test') ? ['127.0.0.1'] : [PUBLIC_ADDRESS];
};

/** A route's limit settings as written in the config file (`rate_limit`, ...). */
export type RouteLimitSettings = Record<string, unknown>;

/**
 * What test routes get unless a test asks for limits: none, so suites that make many requests
 * from one address are not refused with 429. Only the rate-limit tests turn them on.
 */
export const NO_LIMITS: RouteLimitSettings = Object.freeze({
  rate_limit: false,
  management_rate_limit: false,
});

/**
 * Backend sections of test configs: suites that make backends fail on purpose count each vendor
 * call and expect each failure's own answer, so no retries and no breaker unless a test turns
 * them on (test/e2e/resilience.test.ts).
 */
export const NO_RESILIENCE = Object.freeze({ retries: { max: 0 }, circuit_breaker: false });

/** What a config needs of a standard backend: where it is and what it registers. */
export type StandardBackendAddress = Pick<
  StandardBackend,
  'baseUrl' | 'initialAccessToken' | 'capabilities'
>;

/**
 * Writes a config whose backends are real standard servers, one route each, with the RAT key
 * and initial access tokens in environment variables, as in production.
 */
export function standardConfig(options: {
  backends: Record<string, StandardBackendAddress>;
  routes: Record<
    string,
    {
      prefix: string;
      backend: string;
      registration?: unknown;
      outbound_urls?: unknown;
      /** Merged into this route's section, e.g. `{ idempotency: {...} }`. */
      section?: Record<string, unknown>;
    }
  >;
  redis?: string;
  key?: string;
  ttlSeconds?: number;
  readTtlSeconds?: number;
  /** Merged into every backend section, e.g. `{ timeouts: { request_ms: 300 } }`. */
  backendSection?: Record<string, unknown>;
  /** Merged into every route section; default `NO_LIMITS`. */
  limits?: RouteLimitSettings;
  extra?: Record<string, unknown>;
}): ConfigFixture {
  const env: Record<string, string> = { DCRGW_RAT_KEY: options.key ?? randomKey() };
  const backends = Object.fromEntries(
    Object.entries(options.backends).map(([id, backend]) => {
      const variable = `IAT_${id.toUpperCase().replace(/-/g, '_')}`;
      env[variable] = backend.initialAccessToken;
      return [
        id,
        {
          mapping: 'rfc7591',
          base_url: backend.baseUrl,
          parameters: { registration_path: '/reg' },
          admin: { token: { env: variable } },
          capabilities: backend.capabilities,
          ...NO_RESILIENCE,
          ...options.backendSection,
        },
      ];
    }),
  );
  const routes = Object.fromEntries(
    Object.entries(options.routes).map(([id, route]) => [
      id,
      {
        prefix: route.prefix,
        backend: route.backend,
        registration: route.registration ?? { open: true },
        ...(route.outbound_urls === undefined ? {} : { outbound_urls: route.outbound_urls }),
        ...(options.limits ?? NO_LIMITS),
        ...route.section,
      },
    ]),
  );
  const config = {
    server: TEST_SERVER,
    cache: {
      ...(options.redis ? { redis_url: { env: 'TEST_REDIS_URL' } } : {}),
      ...(options.readTtlSeconds === undefined ? {} : { read_ttl_seconds: options.readTtlSeconds }),
    },
    registration_tokens: {
      keys: [{ kid: 'k1', secret: { env: 'DCRGW_RAT_KEY' } }],
      ...(options.ttlSeconds ? { ttl_seconds: options.ttlSeconds } : {}),
    },
    backends,
    routes,
    ...options.extra,
  };
  if (options.redis) env.TEST_REDIS_URL = options.redis;
  return { file: writeConfigFile(config), env };
}

/**
 * The server section of test configs: they listen on a port the system picks, on loopback,
 * so the Host values are known up to the port.
 */
export const TEST_SERVER = { log_level: 'debug', trusted_hosts: ['127.0.0.1:*'] };

/** Writes a gateway config as `gateway.yaml` into `dir` (a new one by default). */
export function writeConfigFile(
  config: unknown,
  dir: string = mkdtempSync(join(tmpdir(), 'dcrgw-')),
): string {
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** `dcrgw_compensations_total` of `backend` with `outcome`, as the gateway's /metrics says. */
export async function compensationCount(
  gateway: TestGateway,
  backend: string,
  outcome: 'removed' | 'failed',
): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const prefix = `dcrgw_compensations_total{backend="${backend}",outcome="${outcome}"}`;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Builds the app from a config file, captures its logs, listens on a real port. */
export function startGateway(
  fixture: ConfigFixture,
  /** What checks readiness: one trusting the gateway's certificate when it speaks HTTPS. */
  readyFetch: typeof fetch = fetch,
): Promise<TestGateway> {
  return listenGateway(loadGateway(fixture.file, fixture.env), testLookup, readyFetch);
}

/**
 * Builds the app from an assembled gateway, captures its logs at debug level, listens on a
 * loopback port chosen by the system and resolves once `/readyz` reports the cache up: a
 * Redis-backed gateway bypasses its cache until the connection is up.
 */
export async function listenGateway(
  gateway: Gateway,
  lookup: HostLookup = testLookup,
  readyFetch: typeof fetch = fetch,
): Promise<TestGateway> {
  const [logs, sink] = lineSink();
  const [audit, auditSink] = lineSink();
  const app = await buildApp(gateway, {
    logger: createLogger('debug', sink),
    auditLogger: createAuditLogger('stdout', auditSink),
    lookup,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let metricsUrl = url;
  try {
    if (app.metricsApp) metricsUrl = await app.metricsApp.listen({ host: '127.0.0.1', port: 0 });
    await untilReady(url, readyFetch);
  } catch (error) {
    await app.close();
    throw error;
  }
  return { url, metricsUrl, app, logs, audit, close: () => app.close() };
}

/** Lines written to a stream, as they come. */
function lineSink(): [string[], Writable] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return [lines, sink];
}

async function untilReady(url: string, readyFetch: typeof fetch): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ready = await readyFetch(`${url}/readyz`);
    if (ready.ok && ((await ready.json()) as { cache?: string }).cache === 'ok') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not become ready`);
}

/**
 * A config routing open registration at `/idp` to the vendor at `baseUrl`; `backendSection` is
 * merged into the backend's config (e.g. its timeouts).
 */
export function vendorConfig(
  baseUrl: string,
  backendSection?: Record<string, unknown>,
): ConfigFixture {
  return standardConfig({
    backends: { fake: asBackend(baseUrl) },
    routes: { main: { prefix: '/idp', backend: 'fake' } },
    ...(backendSection === undefined ? {} : { backendSection }),
  });
}

/** A gateway in this process with the config of `vendorConfig`. */
export function startGatewayFor(
  baseUrl: string,
  backendSection?: Record<string, unknown>,
): Promise<TestGateway> {
  return startGateway(vendorConfig(baseUrl, backendSection));
}

export type CallResult = Awaited<ReturnType<typeof call>>;

/**
 * The response is exactly the gateway's error: status, JSON body with the request id, no-store,
 * and `Retry-After` on 503/504 only.
 */
export function expectGatewayError(
  response: CallResult,
  status: number,
  error: string,
  description: string,
): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('retry-after')).toBe(status === 503 || status === 504 ? '5' : null);
  expect(response.body).toStrictEqual({
    error,
    error_description: description,
    request_id: response.headers.get('x-request-id'),
  });
}

/** fetch with a JSON body and the usual headers. */
export async function call(
  method: string,
  url: string,
  options: {
    token?: string;
    body?: unknown;
    raw?: string;
    contentType?: string;
    headers?: Record<string, string>;
    /** Another fetch, e.g. one presenting a client certificate. */
    fetch?: typeof fetch;
  } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read wire JSON freely
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await (options.fetch ?? fetch)(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export interface StandardSetup {
  readonly backend: StandardBackend;
  readonly gateway: TestGateway;
  /** `{gateway}/idp/register`. */
  readonly register: string;
  /** The fixture the gateway was built from (its env holds the RAT key). */
  readonly fixture: ConfigFixture;
  close(): Promise<void>;
}

/**
 * The usual end-to-end setup: a real oidc-provider and a gateway routing `/idp` to it, open
 * registration unless told otherwise.
 */
export async function startStandardSetup(
  options: {
    backendId?: string;
    redis?: string;
    registration?: unknown;
    ttlSeconds?: number;
    readTtlSeconds?: number;
    /** The route's limit settings; default `NO_LIMITS`. */
    limits?: RouteLimitSettings;
    /** Route id (part of the rate-limit keys in Redis); default `main`. */
    routeId?: string;
    env?: Record<string, string>;
    /** Top-level config sections, e.g. `{ metrics: {...} }` (replacing any of the same name). */
    extra?: Record<string, unknown>;
    /** The route's `outbound_urls` section. */
    outboundUrls?: unknown;
    /** Checks readiness: one trusting the gateway's certificate when it speaks HTTPS. */
    readyFetch?: typeof fetch;
  } = {},
): Promise<StandardSetup> {
  const backend = await startStandardBackend();
  const backendId = options.backendId ?? 'std';
  const configured = standardConfig({
    backends: { [backendId]: backend },
    routes: {
      [options.routeId ?? 'main']: {
        prefix: '/idp',
        backend: backendId,
        registration: options.registration,
        outbound_urls: options.outboundUrls,
      },
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    ...(options.readTtlSeconds === undefined ? {} : { readTtlSeconds: options.readTtlSeconds }),
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  });
  const fixture = { ...configured, env: { ...configured.env, ...options.env } };
  const gateway = await startGateway(fixture, options.readyFetch);
  return {
    backend,
    gateway,
    register: `${gateway.url}/idp/register`,
    fixture,
    close: async () => {
      await gateway.close();
      await backend.close();
    },
  };
}
