import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  call,
  startStandardSetup,
  type StandardSetup,
  type TestGateway,
} from '../support/gateway.js';
import { RedisRelay } from '../support/redis.js';

/**
 * Redis is a cache, never the only copy: when it goes away at run time the gateway keeps
 * serving every operation (cache bypassed) and `/readyz` reports it; when it comes back the
 * cache is used again. The outage is made with a TCP relay in front of the real Redis.
 */

let setup: StandardSetup;
let gateway: TestGateway;
const relay = new RedisRelay();

beforeAll(async () => {
  await relay.open();
  setup = await startStandardSetup({ redis: `redis://127.0.0.1:${relay.port}` });
  gateway = setup.gateway;
});

afterAll(() => setup.close());

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not reached in 5 s');
}

it('serves create, read, update and delete while Redis is down, and reports it on /readyz', async () => {
  expect((await call('GET', `${gateway.url}/readyz`)).body).toStrictEqual({
    status: 'ready',
    cache: 'ok',
    backends: { std: 'closed' },
  });
  const created = (
    await call('POST', `${gateway.url}/idp/register`, {
      body: { redirect_uris: ['https://app.example/cb'] },
    })
  ).body;
  const uri = created.registration_client_uri;
  expect((await call('GET', uri, { token: created.registration_access_token })).status).toBe(200);

  await relay.cut();

  // Still ready: every request is served. Degraded shows in the body and the metric.
  const ready = await call('GET', `${gateway.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(ready.body).toStrictEqual({
    status: 'degraded',
    cache: 'unreachable',
    backends: { std: 'closed' },
  });
  expect((await call('GET', `${gateway.url}/metrics`)).text).toMatch(/^dcrgw_cache_up 0$/m);

  const another = await call('POST', `${gateway.url}/idp/register`, {
    body: { redirect_uris: ['https://app.example/cb'] },
  });
  expect(another.status).toBe(201);
  const read = await call('GET', uri, { token: created.registration_access_token });
  expect(read.status).toBe(200);
  expect(read.body).toStrictEqual(created);
  const updated = await call('PUT', uri, {
    token: created.registration_access_token,
    body: { client_id: created.client_id, redirect_uris: ['https://app.example/while-down'] },
  });
  expect(updated.status).toBe(200);
  expect(updated.body.redirect_uris).toStrictEqual(['https://app.example/while-down']);

  await relay.open(); // same port: ioredis reconnects by itself
  await eventually(async () => (await call('GET', `${gateway.url}/readyz`)).body.cache === 'ok');
  expect((await call('GET', `${gateway.url}/metrics`)).text).toMatch(/^dcrgw_cache_up 1$/m);
  const afterOutage = await call('GET', uri, { token: updated.body.registration_access_token });
  expect(afterOutage.status).toBe(200);
  expect(afterOutage.body.redirect_uris).toStrictEqual(['https://app.example/while-down']);
  expect(
    (await call('DELETE', uri, { token: updated.body.registration_access_token })).status,
  ).toBe(204);
});
