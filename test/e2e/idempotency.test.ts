import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { jwtDecrypt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { asBackend, json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';
import {
  call,
  expectGatewayError,
  standardConfig,
  startGateway,
  type CallResult,
  type TestGateway,
} from '../support/gateway.js';
import { dribble } from '../support/raw-http.js';
import { dumpRedis, keysOf, redisClient, REDIS_URL, RedisRelay } from '../support/redis.js';

/**
 * Idempotency-Key on registration, end to end: a real oidc-provider behind two gateway
 * instances on the real Redis. Repeats get the first 201 (from either instance), exactly one
 * vendor client is created, the stored answer is sealed, failures release the key.
 */
const WINDOW_SECONDS = 2;
let backend: StandardBackend;
let gateways: [TestGateway, TestGateway];
let ratKey: Uint8Array;

beforeAll(async () => {
  backend = await startStandardBackend();
  const fixture = standardConfig({
    backends: { std: backend },
    routes: {
      main: { prefix: '/idp', backend: 'std' },
      repeats: {
        prefix: '/window',
        backend: 'std',
        section: { idempotency: { duplicate_window_seconds: WINDOW_SECONDS } },
      },
    },
    redis: REDIS_URL,
  });
  ratKey = Buffer.from(fixture.env.DCRGW_RAT_KEY!, 'base64url');
  gateways = [await startGateway(fixture), await startGateway(fixture)];
});

afterAll(async () => {
  await Promise.all((gateways ?? []).map((gateway) => gateway.close()));
  await backend?.close();
});

const newKey = () => `key-${randomBytes(12).toString('base64url')}`;
const metadata = (name = 'Idempotent') => ({
  redirect_uris: ['https://app.example/cb'],
  client_name: name,
});

const post = (gateway: TestGateway, body: unknown, key?: string, prefix = '/idp') =>
  call('POST', `${gateway.url}${prefix}/register`, {
    body,
    ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
  });

function expectReplayOf(replay: CallResult, first: CallResult): void {
  expect(replay.status).toBe(201);
  expect(replay.body).toStrictEqual(first.body);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.headers.get('cache-control')).toBe('no-store');
}

describe('a request with an Idempotency-Key', () => {
  it('repeated with the same body gets the same client and secret; the IdP has one client', async () => {
    const [first, second] = gateways;
    const key = newKey();
    const before = backend.clientCount();
    const created = await post(first, metadata(), key);
    expect(created.status).toBe(201);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
    expect(created.body.client_secret).toEqual(expect.any(String));
    expectReplayOf(await post(first, metadata(), key), created);
    expectReplayOf(await post(second, metadata(), key), created);
    // Member order does not make another request.
    const reordered = { client_name: 'Idempotent', redirect_uris: ['https://app.example/cb'] };
    expectReplayOf(await post(second, reordered, key), created);
    expect(backend.clientCount()).toBe(before + 1);
    // The audit line of a replay names the client it answered with.
    await sleep(50);
    const audit = JSON.parse(second.audit.at(-1)!) as { operation: string; client_id: string };
    expect(audit).toMatchObject({ operation: 'register', client_id: created.body.client_id });
  });

  it('repeated with another body is refused with 422, the first client untouched', async () => {
    const key = newKey();
    const created = await post(gateways[0], metadata('First'), key);
    expect(created.status).toBe(201);
    const before = backend.clientCount();
    const reused = await post(gateways[1], metadata('Second'), key);
    expectGatewayError(
      reused,
      422,
      'invalid_request',
      'the Idempotency-Key was used with another request body',
    );
    expect(backend.clientCount()).toBe(before);
    expectReplayOf(await post(gateways[1], metadata('First'), key), created);
  });

  it("is the caller's own: the same key from another caller is another request", async () => {
    // On an open route the caller is its address; both requests come from 127.0.0.1 here, so
    // another route stands in for another scope: keys are per route too.
    const key = newKey();
    const atIdp = await post(gateways[0], metadata(), key);
    const atWindow = await post(gateways[0], metadata(), key, '/window');
    expect(atWindow.status).toBe(201);
    expect(atWindow.body.client_id).not.toBe(atIdp.body.client_id);
  });

  it('sent 20 times at once over two instances creates one client, all answers the same 201', async () => {
    const key = newKey();
    const before = backend.clientCount();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => post(gateways[index % 2]!, metadata('Burst'), key)),
    );
    expect(backend.clientCount()).toBe(before + 1);
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(answer.body).toStrictEqual(answers[0]!.body);
    }
    const replayed = answers.filter((answer) => answer.headers.get('idempotent-replayed'));
    expect(replayed).toHaveLength(19);
  });

  it('whose first attempt failed runs again: the failure released the key', async () => {
    const key = newKey();
    const refused = await post(gateways[0], { redirect_uris: ['http://app.example/cb'] }, key);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_redirect_uri');
    // Another body under the same key: not refused as reuse, since nothing is held any more.
    const created = await post(gateways[1], metadata(), key);
    expect(created.status).toBe(201);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
  });

  it('leaves its answer in Redis sealed: no client secret, RAT or vendor RAT in clear', async () => {
    const key = newKey();
    const created = await post(gateways[0], metadata('Sealed'), key);
    expect(created.status).toBe(201);
    const { payload } = await jwtDecrypt(created.body.registration_access_token, ratKey);
    const vendorRat = (payload as { st: { registration_access_token: string } }).st
      .registration_access_token;
    const redis = redisClient();
    try {
      const keys = await keysOf(redis, 'dcrgw:idempotency:main:*');
      expect(keys.length).toBeGreaterThan(0);
      for (const name of keys) {
        expect(name).not.toContain(key);
        const ttl = await redis.ttl(name);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(86_400);
      }
      const dump = (await dumpRedis(redis)).join('\n');
      for (const secret of [
        created.body.client_secret,
        created.body.registration_access_token,
        vendorRat,
        key,
      ])
        expect(dump).not.toContain(secret);
    } finally {
      redis.disconnect();
    }
  });
});

describe('an Idempotency-Key header that is not 1 to 255 visible ASCII characters', () => {
  /** Raw, so the value reaches the gateway as written (fetch would trim or refuse some). */
  const rawPost = async (gateway: TestGateway, value: string) => {
    const body = JSON.stringify(metadata());
    const { host } = new URL(gateway.url);
    return dribble(
      gateway.url,
      [
        Buffer.from(
          `POST /idp/register HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
            `Idempotency-Key:${value}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `Connection: close\r\n\r\n${body}`,
          'latin1',
        ).toString('latin1'),
      ],
      0,
    );
  };
  const visible = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
  const invalid = fc.oneof(
    fc.constant(''),
    fc.string({ unit: visible, minLength: 256, maxLength: 400 }),
    fc
      .tuple(
        // Not first: HTTP strips whitespace around a field value (RFC 9110 §5.5), so " k" is k.
        fc.string({ unit: visible, minLength: 1, maxLength: 20 }),
        fc.constantFrom(' ', '\t', '\x01', '\x1f', '\x7f', '\xe9', '\xff'),
        fc.string({ unit: visible, minLength: 1, maxLength: 20 }),
      )
      .map(([before, bad, after]) => `${before}${bad}${after}`),
  );

  it('is refused with 400 invalid_request, and no client is created', async () => {
    const before = backend.clientCount();
    await fc.assert(
      fc.asyncProperty(invalid, async (value) => {
        const response = await rawPost(gateways[0], value);
        expect(response?.status).toBe(400);
        expect((response?.body as { error: string }).error).toBe('invalid_request');
      }),
      { numRuns: 40 },
    );
    expect(backend.clientCount()).toBe(before);
  });

  it('of exactly 255 visible characters is accepted', async () => {
    const created = await post(gateways[0], metadata(), 'k'.repeat(254) + '~');
    expect(created.status).toBe(201);
  });

  it('sent twice is refused (two values are not one key)', async () => {
    const response = await call('POST', `${gateways[0].url}/idp/register`, {
      body: metadata(),
      headers: { 'idempotency-key': 'a' },
      fetch: (url, init) =>
        fetch(url, {
          ...init,
          headers: [...Object.entries(init!.headers!), ['idempotency-key', 'b']],
        }),
    });
    expectGatewayError(
      response,
      400,
      'invalid_request',
      'Idempotency-Key must be one value of 1 to 255 visible ASCII characters',
    );
  });
});

describe('the duplicate window (no key, opt-in per route)', () => {
  it('answers the same registration twice with one client', async () => {
    const before = backend.clientCount();
    const first = await post(gateways[0], metadata('Window A'), undefined, '/window');
    expect(first.status).toBe(201);
    expectReplayOf(await post(gateways[1], metadata('Window A'), undefined, '/window'), first);
    expect(backend.clientCount()).toBe(before + 1);
  });

  it('answers 20 identical registrations at once over two instances with one client', async () => {
    const before = backend.clientCount();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        post(gateways[index % 2]!, metadata('Window burst'), undefined, '/window'),
      ),
    );
    expect(backend.clientCount()).toBe(before + 1);
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(answer.body).toStrictEqual(answers[0]!.body);
    }
  });

  it('registers different metadata as two clients', async () => {
    const before = backend.clientCount();
    const first = await post(gateways[0], metadata('Window B'), undefined, '/window');
    const other = await post(gateways[0], metadata('Window C'), undefined, '/window');
    expect([first.status, other.status]).toStrictEqual([201, 201]);
    expect(other.body.client_id).not.toBe(first.body.client_id);
    expect(backend.clientCount()).toBe(before + 2);
  });

  it('registers the same metadata again once the window has passed', async () => {
    const first = await post(gateways[0], metadata('Window D'), undefined, '/window');
    await sleep(WINDOW_SECONDS * 1000 + 200);
    const again = await post(gateways[0], metadata('Window D'), undefined, '/window');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.client_id).not.toBe(first.body.client_id);
  });

  it('is off by default: two identical registrations without a key make two clients', async () => {
    const first = await post(gateways[0], metadata('No window'));
    const again = await post(gateways[0], metadata('No window'));
    expect(again.body.client_id).not.toBe(first.body.client_id);
  });
});

describe('with a vendor that fails or is slow', () => {
  let vendor: FakeVendor;
  let gateway: TestGateway;
  let delayMs = 0;

  beforeAll(async () => {
    vendor = await startFakeVendor((_request, response) => {
      setTimeout(() => json(response, 503, { error: 'down' }), delayMs);
    });
    gateway = await startGateway(
      standardConfig({
        backends: { fake: asBackend(vendor.baseUrl) },
        routes: {
          main: { prefix: '/idp', backend: 'fake', section: { idempotency: { wait_seconds: 0 } } },
        },
        redis: REDIS_URL,
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await vendor?.close();
  });

  it('a failed attempt releases the key: the retry reaches the vendor again', async () => {
    delayMs = 0;
    const key = newKey();
    const before = vendor.requests.length;
    for (let attempt = 0; attempt < 2; attempt++) {
      const failed = await post(gateway, metadata(), key);
      expect(failed.status).toBe(503);
    }
    expect(vendor.requests.length - before).toBeGreaterThanOrEqual(2);
  });

  it('a repeat while the first still runs gets 409 with Retry-After (wait_seconds: 0)', async () => {
    delayMs = 1_000;
    const key = newKey();
    const first = post(gateway, metadata(), key);
    await sleep(300);
    const repeat = await post(gateway, metadata(), key);
    expect(repeat.status).toBe(409);
    expect(repeat.headers.get('retry-after')).toBe('1');
    expect(repeat.body).toStrictEqual({
      error: 'temporarily_unavailable',
      error_description:
        'a request with this Idempotency-Key is still being processed; retry later',
      request_id: repeat.headers.get('x-request-id'),
    });
    expect((await first).status).toBe(503);
  });
});

describe('without Redis (in-memory records)', () => {
  let alone: TestGateway;

  beforeAll(async () => {
    alone = await startGateway(
      standardConfig({
        backends: { std: backend },
        routes: { main: { prefix: '/idp', backend: 'std' } },
      }),
    );
  });

  afterAll(async () => {
    await alone?.close();
  });

  it('replays within the instance: same key, one client', async () => {
    const key = newKey();
    const before = backend.clientCount();
    const answers = await Promise.all([1, 2, 3].map(() => post(alone, metadata('Memory'), key)));
    for (const answer of answers) expect(answer.body).toStrictEqual(answers[0]!.body);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed'))).toHaveLength(2);
    expect(backend.clientCount()).toBe(before + 1);
  });
});

describe('when Redis is away', () => {
  let relay: RedisRelay;
  let gateway: TestGateway;

  beforeAll(async () => {
    relay = new RedisRelay();
    await relay.open();
    gateway = await startGateway(
      standardConfig({
        backends: { std: backend },
        routes: { main: { prefix: '/idp', backend: 'std' } },
        redis: relay.url,
      }),
    );
    await relay.cut();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('a request with a key is refused with 503 (fail closed); one without still registers', async () => {
    const refused = await post(gateway, metadata(), newKey());
    expectGatewayError(
      refused,
      503,
      'temporarily_unavailable',
      'an Idempotency-Key cannot be honoured now',
    );
    expect((await post(gateway, metadata())).status).toBe(201);
  });
});
