import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { call, standardConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { startRedisCluster, type ClusterSetup } from '../support/redis-cluster.js';

/**
 * A three-node Redis Cluster (`redis+cluster://`) on loopback, shared by two gateway instances
 * in front of the real oidc-provider: the read cache, rate limits and single-use tokens work
 * across instances whichever node holds each key, and so do Idempotency-Key replays.
 */
const M = { redirect_uris: ['https://app.example/cb'] };
const ONCE = randomBytes(16).toString('hex');

let cluster: ClusterSetup;
let backend: StandardBackend;
let gateways: TestGateway[];
beforeAll(async () => {
  cluster = await startRedisCluster();
  backend = await startStandardBackend();
  const fixture = standardConfig({
    backends: { clustered: backend },
    routes: {
      open: { prefix: '/idp', backend: 'clustered' },
      replay: { prefix: '/replay', backend: 'clustered' },
      once: {
        prefix: '/once',
        backend: 'clustered',
        registration: {
          initial_access_tokens: [{ sha256: createHash('sha256').update(ONCE).digest('hex') }],
          single_use: true,
        },
      },
    },
    redis: cluster.url,
    limits: { rate_limit: { max: 3, window_seconds: 60 }, management_rate_limit: false },
  });
  gateways = [await startGateway(fixture), await startGateway(fixture)];
}, 30_000);
afterAll(async () => {
  for (const gateway of gateways ?? []) await gateway.close();
  await backend?.close();
  await cluster?.close();
});

it('caches reads in the cluster, shared by both instances', async () => {
  const [a, b] = gateways;
  const created = await call('POST', `${a!.url}/idp/register`, { body: M });
  expect(created.status).toBe(201);
  const token = created.body.registration_access_token;
  const uri = created.body.registration_client_uri.replace(a!.url, b!.url);
  expect((await call('GET', uri, { token })).status).toBe(200);
  const redis = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  try {
    await new Promise((resolve) => redis.once('ready', resolve)); // the nodes are known then
    const key = `dcrgw:read:clustered:`;
    const found = await Promise.all(
      redis.nodes('master').map((node) => node.keys(`${key}*:${created.body.client_id}`)),
    );
    expect(found.flat()).toHaveLength(1);
  } finally {
    redis.disconnect();
  }
});

it('counts rate limits and single-use tokens across instances', async () => {
  const [a, b] = gateways;
  // One registration above was counted already; two more fit the limit of 3, the next does not.
  expect((await call('POST', `${b!.url}/idp/register`, { body: M })).status).toBe(201);
  expect((await call('POST', `${a!.url}/idp/register`, { body: M })).status).toBe(201);
  expect((await call('POST', `${b!.url}/idp/register`, { body: M })).status).toBe(429);

  expect((await call('POST', `${a!.url}/once/register`, { body: M, token: ONCE })).status).toBe(
    201,
  );
  const replayed = await call('POST', `${b!.url}/once/register`, { body: M, token: ONCE });
  expect(replayed.status).toBe(401);
  expect(replayed.body.error).toBe('invalid_token');
});

it('replays an Idempotency-Key across instances: one client', async () => {
  const [a, b] = gateways;
  const headers = { 'idempotency-key': randomBytes(8).toString('hex') };
  const before = backend.clientCount();
  const answers = await Promise.all(
    // Three: replays count against the route's rate limit (3) like any request.
    [a!, b!, a!].map((gateway) =>
      call('POST', `${gateway.url}/replay/register`, { body: M, headers }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toStrictEqual([201, 201, 201]);
  expect(new Set(answers.map((answer) => answer.body.client_id)).size).toBe(1);
  expect(backend.clientCount()).toBe(before + 1);
});
