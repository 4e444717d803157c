import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import {
  call,
  expectGatewayError,
  standardConfig,
  startGateway,
  type TestGateway,
} from '../support/gateway.js';
import { dumpRedis, redisClient, REDIS_URL } from '../support/redis.js';
import { nowSeconds, startTestIssuer, type TestIssuer } from '../support/token-issuer.js';

/**
 * Single-use initial access tokens: each registers once, whichever of two instances sharing
 * the Redis sees it; Redis holds a digest, never the token; without Redis they are refused.
 */
const M = { redirect_uris: ['https://app.example/cb'] };
const STATIC = [
  `static-${randomBytes(8).toString('hex')}`,
  `static-${randomBytes(8).toString('hex')}`,
];
const ISSUER = 'https://issuer.example';

let backend: StandardBackend;
let issuer: TestIssuer;
let gateways: TestGateway[];

const registration = (jwksUrl: string) => ({
  initial_access_tokens: STATIC.map((token) => ({
    sha256: createHash('sha256').update(token).digest('hex'),
  })),
  initial_access_jwt: {
    issuer: ISSUER,
    audience: 'dcr',
    jwks: { uri: jwksUrl },
    algorithms: ['ES256'],
  },
  single_use: true,
});

function configFor(redis: string | undefined) {
  return standardConfig({
    backends: { std: backend },
    routes: {
      main: {
        prefix: '/idp',
        backend: 'std',
        registration: registration(issuer.jwksUrl),
        outbound_urls: { allow_loopback: true },
      },
    },
    ...(redis === undefined ? {} : { redis }),
  });
}

beforeAll(async () => {
  [backend, issuer] = await Promise.all([startStandardBackend(), startTestIssuer()]);
  const fixture = configFor(REDIS_URL);
  gateways = await Promise.all([startGateway(fixture), startGateway(fixture)]);
});

afterAll(async () => {
  await Promise.all((gateways ?? []).map((gateway) => gateway.close()));
  await Promise.all([backend?.close(), issuer?.close()]);
});

const at = (gateway: TestGateway, token: string) =>
  call('POST', `${gateway.url}/idp/register`, { token, body: M });

function expectReplayRefused(response: Awaited<ReturnType<typeof at>>): void {
  expectGatewayError(response, 401, 'invalid_token', 'the access token is invalid');
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="invalid_token"',
  );
}

describe('a single-use initial access token', () => {
  it('registers once; replayed at the second instance it is refused', async () => {
    const [first, second] = gateways as [TestGateway, TestGateway];
    expect((await at(first, STATIC[0]!)).status).toBe(201);
    expectReplayRefused(await at(second, STATIC[0]!));
    expectReplayRefused(await at(first, STATIC[0]!));
    // Another token is unaffected.
    expect((await at(second, STATIC[1]!)).status).toBe(201);
  });

  it('a JWT is single use by its jti: a new token with the same jti is refused too', async () => {
    const [first, second] = gateways as [TestGateway, TestGateway];
    const jti = randomBytes(8).toString('hex');
    const claims = { iss: ISSUER, aud: 'dcr', sub: 's', jti, exp: nowSeconds() + 300 };
    expect((await at(first, await issuer.sign('ES256', claims))).status).toBe(201);
    const again = await issuer.sign('ES256', { ...claims, iat: nowSeconds() + 1 });
    expectReplayRefused(await at(second, again));
  });

  it('concurrent uses at both instances: exactly one registers', async () => {
    const token = await issuer.sign('ES256', {
      iss: ISSUER,
      aud: 'dcr',
      jti: randomBytes(8).toString('hex'),
      exp: nowSeconds() + 300,
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => at(gateways[index % 2]!, token)),
    );
    expect(results.filter((response) => response.status === 201)).toHaveLength(1);
    expect(results.filter((response) => response.status === 401)).toHaveLength(9);
  });

  it('leaves a digest in Redis, never the token, expiring with it', async () => {
    const redis = redisClient();
    try {
      const dump = (await dumpRedis(redis)).join('\n');
      for (const token of STATIC) expect(dump).not.toContain(token);
      const keys = await redis.keys('dcrgw:iat-used:*');
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('without Redis is refused with 503 (fail closed), the route otherwise working', async () => {
    const alone = await startGateway(configFor(undefined));
    try {
      const response = await at(alone, STATIC[1]!);
      expectGatewayError(
        response,
        503,
        'temporarily_unavailable',
        'single-use tokens cannot be accepted now',
      );
      const wrong = await at(alone, 'not-a-token');
      expect(wrong.status).toBe(401);
    } finally {
      await alone.close();
    }
  });
});
