import fc from 'fast-check';
import { jwtDecrypt } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StandardBackend } from '../../src/sandbox/standard-backend.js';
import {
  call,
  startStandardSetup,
  type StandardSetup,
  type TestGateway,
} from '../support/gateway.js';
import { dumpRedis, REDIS_URL, redisClient } from '../support/redis.js';

/**
 * After a full create/read/update/delete cycle, no client secret, gateway RAT, vendor RAT,
 * initial access token or Authorization value is anywhere in Redis or in the gateway's logs
 * (captured at debug level) in clear text.
 */
let setup: StandardSetup;
let backend: StandardBackend;
let gateway: TestGateway;
let redis: ReturnType<typeof redisClient>;
let key: Uint8Array;

beforeAll(async () => {
  setup = await startStandardSetup({ backendId: 'secrets-scan', redis: REDIS_URL });
  ({ backend, gateway } = setup);
  key = Buffer.from(setup.fixture.env.DCRGW_RAT_KEY!, 'base64url');
  redis = redisClient();
});

afterAll(async () => {
  redis.disconnect();
  await setup.close();
});

async function vendorRat(gatewayRat: string): Promise<string> {
  const { payload } = await jwtDecrypt(gatewayRat, key);
  return (payload as { st: { registration_access_token: string } }).st.registration_access_token;
}

it('keeps every secret out of Redis and the logs', async () => {
  const secrets = new Set<string>([backend.initialAccessToken]);
  const remember = async (body: { client_secret: string; registration_access_token: string }) => {
    secrets.add(body.client_secret);
    secrets.add(body.registration_access_token);
    secrets.add(await vendorRat(body.registration_access_token));
  };

  const created = await call('POST', `${gateway.url}/idp/register`, {
    body: { redirect_uris: ['https://app.example/cb'], client_name: 'Scan me' },
  });
  expect(created.status).toBe(201);
  await remember(created.body);
  const { client_id, client_secret, registration_client_uri: uri } = created.body;
  let rat: string = created.body.registration_access_token;

  // Tokens where clients should not put them: the query string, and a form body.
  for (const [method, url] of [
    ['GET', `${uri}?access_token=${encodeURIComponent(rat)}`],
    ['GET', `${uri}?x=1&registration_access_token=${rat}&client_secret=${client_secret}`],
  ] as const) {
    const refused = await call(method, url);
    expect(refused.status).toBe(401);
  }
  const form = await call('PUT', uri, {
    raw: `access_token=${rat}&client_secret=${client_secret}`,
    contentType: 'application/x-www-form-urlencoded',
  });
  expect(form.status).toBe(400);

  const read = await call('GET', uri, { token: rat });
  expect(read.status).toBe(200);
  const cacheKeys = await redis.keys(`dcrgw:read:secrets-scan:*:${client_id}`);
  expect(cacheKeys).toHaveLength(1); // the scan below looks at a real cached client

  const cachedRead = await call('GET', uri, { token: rat });
  expect(cachedRead.body).toStrictEqual(read.body);

  const updated = await call('PUT', uri, {
    token: rat,
    body: { client_id, client_secret, redirect_uris: ['https://app.example/cb2'] },
  });
  expect(updated.status).toBe(200);
  await remember(updated.body);
  rat = updated.body.registration_access_token;
  expect((await call('GET', uri, { token: rat })).status).toBe(200);

  const deleted = await call('DELETE', uri, { token: rat });
  expect(deleted.status).toBe(204);

  const stored = (await dumpRedis(redis)).join('\n');
  const logs = gateway.logs.join('\n');
  expect(logs).toContain('"statusCode":204'); // the capture really holds the request log
  expect(secrets.size).toBe(6);
  for (const secret of secrets) {
    expect(stored.includes(secret), 'a secret is in Redis').toBe(false);
    expect(logs.includes(secret), 'a secret is in the logs').toBe(false);
  }
  // "a bearer token is required" is logged; a bearer followed by a token never is.
  expect(logs).not.toMatch(/bearer [\w.~+/-]{16,}/i);
});

it('keeps a token out of the logs and Redis wherever a client puts it', async () => {
  const created = await call('POST', `${gateway.url}/idp/register`, {
    body: { redirect_uris: ['https://app.example/cb'], client_name: 'Misplaced tokens' },
  });
  expect(created.status).toBe(201);
  const {
    client_secret,
    registration_access_token: rat,
    registration_client_uri: uri,
  } = created.body as {
    client_secret: string;
    registration_access_token: string;
    registration_client_uri: string;
  };
  const secrets = [rat, client_secret, await vendorRat(rat), backend.initialAccessToken];
  const before = gateway.logs.length;

  const name = fc.oneof(
    fc.constantFrom('access_token', 'token', 'registration_access_token', 'client_secret', 'code'),
    fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
  );
  const target = fc.constantFrom(
    uri,
    `${gateway.url}/idp/register`,
    `${gateway.url}/idp/nowhere`,
    `${gateway.url}/healthz`,
    `${gateway.url}/metrics`,
    `${gateway.url}/%zz`,
  );
  /** One misplaced secret: in the query (under a name, or as the whole query), a form or JSON body, a header. */
  const placement = fc.record({
    secret: fc.constantFrom(...secrets),
    where: fc.constantFrom('query', 'bare-query', 'form', 'json', 'header', 'scheme', 'cookie'),
    name,
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
    target,
    encode: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(placement, async ({ secret, where, name, method, target, encode }) => {
      const value = encode ? encodeURIComponent(secret) : secret;
      const headers: Record<string, string> = {};
      let url = target;
      let body: string | undefined;
      if (where === 'query') url += `?${name}=${value}`;
      if (where === 'bare-query') url += `?${value}`;
      if (where === 'form') {
        body = `${name}=${value}`;
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      if (where === 'json') {
        body = JSON.stringify({ [name]: secret, redirect_uris: ['https://app.example/cb'] });
        headers['content-type'] = 'application/json';
      }
      if (where === 'header') headers[`x-${name}`] = secret;
      if (where === 'scheme') headers.authorization = `${name} ${secret}`;
      if (where === 'cookie') headers.cookie = `${name}=${value}`;
      const response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined && method !== 'GET' ? { body } : {}),
      });
      await response.arrayBuffer();
      expect(response.status).toBeLessThan(500);
    }),
    { numRuns: 150 },
  );

  const logs = gateway.logs.slice(before).join('\n');
  const stored = (await dumpRedis(redis)).join('\n');
  expect(logs).toContain('"msg":"request completed"');
  for (const secret of [...secrets, ...secrets.map(encodeURIComponent)]) {
    expect(logs.includes(secret), 'a secret is in the logs').toBe(false);
    expect(stored.includes(secret), 'a secret is in Redis').toBe(false);
  }
  expect((await call('DELETE', uri, { token: rat })).status).toBe(204);
});
