import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { startSandbox } from '../../src/sandbox/default-config.js';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import {
  call,
  listenGateway,
  standardConfig,
  startGateway,
  type RouteLimitSettings,
  type TestGateway,
} from '../support/gateway.js';
import { REDIS_URL, RedisRelay, redisClient } from '../support/redis.js';

/**
 * Rate limits and quotas on real ports, with the real oidc-provider behind the gateway and the
 * counters in the real Redis, shared by every instance on it. Each test has a route id of its
 * own, so its counters (`dcrgw:limit:{route}:...`) are its own, whatever else runs on Redis.
 */
const REGISTRATION = { redirect_uris: ['https://app.example/cb'] };
const RATE_LIMITED = {
  error: 'temporarily_unavailable',
  error_description: 'too many requests; retry later',
};
const QUOTA_EXCEEDED = {
  error: 'temporarily_unavailable',
  error_description: 'too many clients registered; retry later',
};

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const uniqueRoute = () => `rl${randomBytes(6).toString('hex')}`;

let backend: StandardBackend;
const cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  backend = await startStandardBackend();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => backend.close());

/** `count` gateways on one config: one route `/idp` with `limits`, counters in `redis`. */
async function gateways(
  count: number,
  limits: RouteLimitSettings,
  options: { routeId?: string; redis?: string; registration?: unknown } = {},
): Promise<TestGateway[]> {
  const fixture = standardConfig({
    backends: { std: backend },
    routes: {
      [options.routeId ?? uniqueRoute()]: {
        prefix: '/idp',
        backend: 'std',
        registration: options.registration,
      },
    },
    redis: options.redis ?? REDIS_URL,
    limits,
  });
  const started: TestGateway[] = [];
  for (let index = 0; index < count; index++) {
    const gateway = await startGateway(fixture);
    cleanup.push(() => gateway.close());
    started.push(gateway);
  }
  return started;
}

const register = (gateway: TestGateway, body: unknown = REGISTRATION, token?: string) =>
  call('POST', `${gateway.url}/idp/register`, { body, ...(token === undefined ? {} : { token }) });

/** A 429 exactly: status, Retry-After within the window, no-store, the body with its request id. */
function expectRefused(
  response: Awaited<ReturnType<typeof call>>,
  body: object,
  windowSeconds: number,
) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.body).toStrictEqual({
    ...body,
    request_id: response.headers.get('x-request-id'),
  });
}

describe('rate limits shared through Redis', () => {
  it('counts a burst across two instances: the second answers 429 with Retry-After', async () => {
    const routeId = uniqueRoute();
    const [first, second] = await gateways(
      2,
      { rate_limit: { max: 4, window_seconds: 60 } },
      { routeId },
    );
    const answers = await Promise.all(Array.from({ length: 4 }, () => register(first!)));
    expect(answers.map((answer) => answer.status)).toStrictEqual([201, 201, 201, 201]);
    const refused = await register(second!);
    expectRefused(refused, RATE_LIMITED, 60);
    // Refusing costs the IdP nothing: a burst of 20 more is refused by both instances.
    const before = backend.clientCount();
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, index) => register(index % 2 ? first! : second!)),
    );
    expect(new Set(burst.map((answer) => answer.status))).toStrictEqual(new Set([429]));
    expect(backend.clientCount()).toBe(before);

    const redis = redisClient();
    cleanup.push(async () => void redis.disconnect());
    expect(await redis.get(`dcrgw:limit:${routeId}:register:127.0.0.1`)).toBe('25');
    const ttl = await redis.pttl(`dcrgw:limit:${routeId}:register:127.0.0.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('limits RFC 7592 calls per caller, on their own counter', async () => {
    const [first, second] = await gateways(2, {
      rate_limit: { max: 1, window_seconds: 60 },
      management_rate_limit: { max: 3, window_seconds: 30 },
    });
    const created = (await register(first!)).body;
    const uri = (gateway: TestGateway) =>
      created.registration_client_uri.replace(first!.url, gateway.url);
    const token = created.registration_access_token;
    expect((await call('GET', uri(first!), { token })).status).toBe(200);
    expect((await call('GET', uri(second!), { token })).status).toBe(200);
    // A refused token counts too: the limit is on the caller, not on the client.
    expect((await call('GET', uri(second!), { token: 'wrong' })).status).toBe(401);
    expectRefused(await call('GET', uri(first!), { token }), RATE_LIMITED, 30);
    expectRefused(await call('DELETE', uri(second!), { token }), RATE_LIMITED, 30);
    expectRefused(await register(second!), RATE_LIMITED, 60);
  });

  it('counts an admitted caller by its principal, and a refused one by its address', async () => {
    const routeId = uniqueRoute();
    const [alice, bob] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const [gateway] = await gateways(
      1,
      { rate_limit: { max: 2, window_seconds: 60 } },
      {
        routeId,
        registration: {
          initial_access_tokens: [alice, bob].map((token) => ({ sha256: sha256Hex(token) })),
        },
      },
    );
    // One address, two token holders: each has a limit of its own.
    for (const token of [alice, alice, bob, bob])
      expect((await register(gateway!, REGISTRATION, token)).status).toBe(201);
    expectRefused(await register(gateway!, REGISTRATION, alice), RATE_LIMITED, 60);
    // Guessing tokens counts against the address, and stops at the limit.
    expect((await register(gateway!, REGISTRATION, 'guess-1')).status).toBe(401);
    expect((await register(gateway!, REGISTRATION)).status).toBe(401);
    expectRefused(await register(gateway!, REGISTRATION, 'guess-2'), RATE_LIMITED, 60);

    const redis = redisClient();
    cleanup.push(async () => void redis.disconnect());
    const counter = (caller: string) => redis.get(`dcrgw:limit:${routeId}:register:${caller}`);
    expect(await counter(`iat:${sha256Hex(alice).slice(0, 16)}`)).toBe('3');
    expect(await counter(`iat:${sha256Hex(bob).slice(0, 16)}`)).toBe('2');
    expect(await counter('127.0.0.1')).toBe('3');
  });

  it('has 10 registrations per minute on an open route by default', async () => {
    const [gateway] = await gateways(1, {});
    for (let index = 0; index < 10; index++) expect((await register(gateway!)).status).toBe(201);
    expectRefused(await register(gateway!), RATE_LIMITED, 60);
  });
});

describe('the quota of clients per caller', () => {
  it('refuses the create after max_clients, counting only clients created', async () => {
    const [first, second] = await gateways(2, {
      rate_limit: false,
      quota: { max_clients: 3, window_seconds: 3600 },
    });
    const before = backend.clientCount();
    // Refused registrations use none of the quota.
    const invalid = await register(first!, { redirect_uris: ['http://app.example/cb'] });
    expect(invalid.status).toBe(400);
    const created = [await register(first!), await register(second!), await register(first!)];
    expect(created.map((answer) => answer.status)).toStrictEqual([201, 201, 201]);
    expectRefused(await register(second!), QUOTA_EXCEEDED, 3600);
    expectRefused(await register(first!), QUOTA_EXCEEDED, 3600);
    expect(backend.clientCount()).toBe(before + 3);
  });
});

describe('a limiter without its Redis', () => {
  const outage = async (harm: (relay: RedisRelay) => Promise<void> | void) => {
    const relay = new RedisRelay();
    await relay.open();
    cleanup.push(() => relay.cut().catch(() => undefined));
    const routeId = uniqueRoute();
    const [gateway] = await gateways(
      1,
      { rate_limit: { max: 2, window_seconds: 60 }, quota: { max_clients: 2, window_seconds: 60 } },
      { routeId, redis: relay.url },
    );
    await harm(relay);
    const started = Date.now();
    const answers = [];
    for (let index = 0; index < 5; index++) answers.push(await register(gateway!));
    return { gateway: gateway!, routeId, answers, seconds: (Date.now() - started) / 1000 };
  };

  const expectLetThrough = async (result: Awaited<ReturnType<typeof outage>>) => {
    const { gateway, routeId, answers } = result;
    expect(answers.map((answer) => answer.status)).toStrictEqual([201, 201, 201, 201, 201]);
    const metrics = (await call('GET', `${gateway.url}/metrics`)).text;
    // Per request: the register limit, the quota check and the quota count.
    for (const limit of ['register', 'quota'])
      expect(metrics).toMatch(
        new RegExp(
          `^dcrgw_rate_limit_errors_total\\{route="${routeId}",limit="${limit}"\\} ${limit === 'register' ? 5 : 10}$`,
          'm',
        ),
      );
    const warnings = gateway.logs
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter(
        (line) => line.msg === 'rate limit store unreachable; requests let through unlimited',
      );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
  };

  it('lets requests through when Redis is gone, counting each and warning once', async () => {
    const result = await outage((relay) => relay.cut());
    await expectLetThrough(result);
  });

  it('lets requests through when Redis hangs, each within the command timeout', async () => {
    const result = await outage((relay) => relay.freeze());
    await expectLetThrough(result);
    // Three Redis commands per create, each bounded by command_timeout_ms (500 ms), plus the
    // create itself: far below what a hang would take.
    expect(result.seconds).toBeLessThan(5 * (3 * 0.5 + 1));
  });
});

describe('the sandbox', () => {
  it('has no limits: local tools may hammer it', async () => {
    const { config, backends } = await startSandbox({ PORT: '0' });
    cleanup.push(async () => void (await Promise.all(backends.map((each) => each.close()))));
    const gateway = await listenGateway(assemble(config));
    cleanup.push(() => gateway.close());
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        call('POST', `${gateway.url}/sandbox/standard/register`, { body: REGISTRATION }),
      ),
    );
    expect(new Set(answers.map((answer) => answer.status))).toStrictEqual(new Set([201]));
    expect(backends[0]!.clientCount()).toBe(40);
  });
});
