import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { call, startStandardSetup, type StandardSetup } from '../support/gateway.js';
import { startSentinelSetup, type SentinelSetup } from '../support/redis-sentinel.js';

/**
 * A Sentinel-managed Redis (`redis+sentinel://`), primary and replica on loopback, with a
 * failover in the middle: registrations, cached reads and shared rate limits keep working, and
 * what the gateway writes after the failover lands on the new primary.
 */
let sentinel: SentinelSetup;
let setup: StandardSetup;
beforeAll(async () => {
  sentinel = await startSentinelSetup();
  setup = await startStandardSetup({ backendId: 'sentinel', redis: sentinel.url });
}, 30_000);
afterAll(async () => {
  await setup?.close();
  await sentinel?.close();
});

const M = { redirect_uris: ['https://app.example/cb'] };

async function registerAndRead() {
  const created = await call('POST', setup.register, { body: M });
  expect(created.status).toBe(201);
  const token = created.body.registration_access_token;
  for (let read = 0; read < 2; read++)
    expect((await call('GET', created.body.registration_client_uri, { token })).status).toBe(200);
  return created.body.client_id as string;
}

async function cachedOnPrimary(clientId: string): Promise<boolean> {
  const primary = new Redis({ host: '127.0.0.1', port: await sentinel.primaryPort() });
  try {
    return (await primary.keys(`dcrgw:read:sentinel:*:${clientId}`)).length === 1;
  } finally {
    primary.disconnect();
  }
}

it('serves through a failover of the primary, caching on whichever is primary', async () => {
  const before = await registerAndRead();
  expect(await cachedOnPrimary(before)).toBe(true);

  await sentinel.failover();
  // The gateway follows the Sentinel to the new primary; until it has, the cache is bypassed
  // and requests are still served.
  let after = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    after = await registerAndRead();
    if (await cachedOnPrimary(after)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await cachedOnPrimary(after)).toBe(true);
  expect((await call('GET', `${setup.gateway.url}/readyz`)).body).toMatchObject({
    status: 'ready',
    cache: 'ok',
  });
}, 30_000);
