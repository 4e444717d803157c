import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { asBackend } from '../support/fake-vendor.js';
import { randomKey, standardConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { REDIS_URL, redisClient } from '../support/redis.js';

const ISSUER = 'http://idp.test';
/** Its own site id: Redis is shared with every other suite (and run). */
const SITE = `shared${randomBytes(4).toString('hex')}`;
const METADATA = { issuer: ISSUER, token_endpoint: `${ISSUER}/token` };

let fetches = 0;
const idp = createServer((req, res) => {
  if (req.url === '/.well-known/openid-configuration') fetches++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(METADATA));
});
const gateways: TestGateway[] = [];
const redis = redisClient();

beforeAll(async () => {
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  // One RAT key for both: the cache is sealed with a key derived from it.
  const key = randomKey();
  for (let index = 0; index < 2; index++)
    gateways.push(
      await startGateway(
        standardConfig({
          backends: { idp: asBackend(baseUrl) },
          routes: { main: { prefix: '/idp', backend: 'idp' } },
          redis: REDIS_URL,
          key,
          extra: {
            sites: {
              [SITE]: {
                issuer: ISSUER,
                route: 'main',
                discovery: { ttl_seconds: 30, stale_seconds: 60 },
              },
            },
          },
        }),
      ),
    );
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  const keys = await redis.keys(`dcrgw:discovery:${SITE}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  idp.closeAllConnections();
  await new Promise((resolve) => idp.close(resolve));
});

const discover = async (gateway: TestGateway) => {
  const response = await request(`${gateway.url}/.well-known/openid-configuration`, {
    headers: { host: 'idp.test' },
  });
  return response.body.json();
};

it('instances share one sealed copy of the metadata in Redis, within ttl + stale', async () => {
  const expected = { ...METADATA, registration_endpoint: `${ISSUER}/idp/register` };
  expect(await discover(gateways[0]!)).toStrictEqual(expected);
  expect(await discover(gateways[1]!)).toStrictEqual(expected);
  expect(fetches).toBe(1);
  const [key, ...others] = await redis.keys(`dcrgw:discovery:${SITE}:*`);
  expect(others).toStrictEqual([]);
  const ttl = await redis.ttl(key!);
  expect(ttl).toBeGreaterThan(80);
  expect(ttl).toBeLessThanOrEqual(90);
  // Sealed like every other entry: not the document in clear.
  expect(await redis.get(key!)).not.toContain(ISSUER);
});
