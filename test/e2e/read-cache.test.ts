import { expect, it } from 'vitest';
import { readKey } from '../../src/cache/index.js';
import { call, startStandardSetup } from '../support/gateway.js';
import { REDIS_URL, redisClient } from '../support/redis.js';

/**
 * RFC 7592 reads are cached in Redis: a second read is answered without the vendor (shown by
 * stopping it), and `read_ttl_seconds: 0` turns the cache off.
 */
async function scenario(readTtlSeconds?: number) {
  const setup = await startStandardSetup({
    backendId: `cache-${readTtlSeconds ?? 'on'}`,
    redis: REDIS_URL,
    ...(readTtlSeconds === undefined ? {} : { readTtlSeconds }),
  });
  const client = (
    await call('POST', setup.register, { body: { redirect_uris: ['https://app.example/cb'] } })
  ).body;
  const read = () =>
    call('GET', client.registration_client_uri, { token: client.registration_access_token });
  expect((await read()).status).toBe(200);
  return { setup, client, read };
}

it('answers a repeated read from the cache, even with the vendor gone', async () => {
  const { setup, client, read } = await scenario();
  const redis = redisClient();
  try {
    const keys = await redis.keys(`dcrgw:read:cache-on:*:${client.client_id}`);
    expect(keys).toHaveLength(1);
    const mappingHash = keys[0]!.split(':')[3]!;
    expect(keys[0]).toBe(readKey('cache-on', mappingHash, client.client_id));
    expect(await redis.ttl(keys[0]!)).toBeGreaterThan(50);

    await setup.backend.close();
    const cached = await read();
    expect(cached.status).toBe(200);
    expect(cached.body).toStrictEqual(client);

    const update = await call('PUT', client.registration_client_uri, {
      token: client.registration_access_token,
      body: { client_id: client.client_id, redirect_uris: ['https://app.example/cb'] },
    });
    expect(update.status).toBe(503);

    // The first read (in scenario) went to the vendor and filled the cache; the second hit it.
    const metrics = (await call('GET', `${setup.gateway.url}/metrics`)).text;
    expect(metrics).toMatch(/^dcrgw_cache_reads_total\{backend="cache-on",result="miss"\} 1$/m);
    expect(metrics).toMatch(/^dcrgw_cache_reads_total\{backend="cache-on",result="hit"\} 1$/m);
  } finally {
    redis.disconnect();
    await setup.gateway.close();
  }
});

it('goes to the vendor on every read with read_ttl_seconds 0', async () => {
  const { setup, client, read } = await scenario(0);
  const redis = redisClient();
  try {
    expect(await redis.keys(`dcrgw:read:cache-0:*:${client.client_id}`)).toStrictEqual([]);
    await setup.backend.close();
    expect((await read()).status).toBe(503);
  } finally {
    redis.disconnect();
    await setup.gateway.close();
  }
});
