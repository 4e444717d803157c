import { afterEach, expect, it, vi } from 'vitest';
import { TOKEN_COOLDOWN_MS } from '../../src/backends/admin-auth.js';
import { createBackendClient, type BackendClient } from '../../src/backends/index.js';
import { hang, json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';

/**
 * The backend client against a scripted vendor on a real port, with a client-credentials admin
 * token: the shared token request runs under its own deadline, callers waiting for it give up
 * at theirs, and neither a hanging token endpoint nor a hanging vendor keeps anything for good.
 * Outcomes and counts are asserted, not durations.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function clientFor(vendor: FakeVendor, requestTimeoutMs = 200): Promise<BackendClient> {
  const calls: { call: string; status: number }[] = [];
  const client = createBackendClient({
    id: 'fake',
    baseUrl: new URL(`${vendor.baseUrl}/api`),
    adminScheme: {
      kind: 'client_credentials',
      token_path: '/token',
      client_auth: 'client_secret_basic',
    },
    adminCredentials: { clientId: 'gw', clientSecret: 's' },
    connectTimeoutMs: 1_000,
    requestTimeoutMs,
    maxResponseBytes: 10_000,
    observe: (_backend, call, status) => calls.push({ call, status }),
  });
  cleanup.push(() => client.close());
  return client;
}

const BASIC = `Basic ${Buffer.from('gw:s').toString('base64')}`;
const ADD = { call: 'add', method: 'POST', path: '/clients', auth: 'admin', body: {} } as const;

it('times out every caller waiting for a hanging token request, which was sent once, then fetches anew', async () => {
  let tokenHangs = true;
  const vendor = await startFakeVendor((request, response) => {
    if (request.url === '/api/token') {
      if (tokenHangs) return hang();
      return json(response, 200, { access_token: 'AT', expires_in: 3600 });
    }
    json(response, 201, { client_id: 'c1' });
  });
  cleanup.push(() => vendor.close());
  const client = await clientFor(vendor);

  const waiting = await Promise.allSettled([client.send(ADD), client.send(ADD)]);
  for (const result of waiting) {
    expect(result).toMatchObject({
      status: 'rejected',
      reason: { code: 'backend_timeout', status: 504 },
    });
  }
  expect(vendor.traffic.arrived).toBe(1); // one shared token request, no registration
  // Its own deadline ended the shared request too, closing its connection.
  await vi.waitFor(() => expect(vendor.traffic.open).toBe(0));

  tokenHangs = false;
  expect(await client.send(ADD)).toStrictEqual({ status: 201, body: { client_id: 'c1' } });
  expect(vendor.requests.map(({ url, authorization }) => ({ url, authorization }))).toStrictEqual([
    { url: '/api/token', authorization: BASIC }, // the one that hung
    { url: '/api/token', authorization: BASIC },
    { url: '/api/clients', authorization: 'Bearer AT' },
  ]);
});

it('says in its private detail where the time went, and frees the pool for the next call', async () => {
  let vendorHangs = true;
  const vendor = await startFakeVendor((request, response) => {
    if (request.url === '/api/token') return json(response, 200, { access_token: 'AT' });
    if (vendorHangs) return hang();
    json(response, 201, { client_id: 'c2' });
  });
  cleanup.push(() => vendor.close());
  const client = await clientFor(vendor);
  await expect(client.send(ADD)).rejects.toMatchObject({
    code: 'backend_timeout',
    detail: 'backend fake call add (vendor exchange): no complete answer within 200 ms',
  });
  vendorHangs = false;
  expect(await client.send(ADD)).toStrictEqual({ status: 201, body: { client_id: 'c2' } });
});

it('retries once with a fresh admin token when the vendor refuses the cached one', async () => {
  let issued = 0;
  let accepted = 'Bearer AT1';
  const vendor = await startFakeVendor((request, response) => {
    if (request.url === '/api/token')
      return json(response, 200, { access_token: `AT${++issued}`, expires_in: 3600 });
    if (request.authorization !== accepted) return json(response, 401, { error: 'invalid_token' });
    json(response, 201, { client_id: 'c3' });
  });
  cleanup.push(() => vendor.close());
  const client = await clientFor(vendor, 2_000);
  expect(await client.send(ADD)).toStrictEqual({ status: 201, body: { client_id: 'c3' } });

  await new Promise((resolve) => setTimeout(resolve, TOKEN_COOLDOWN_MS)); // AT1 is no longer new
  accepted = 'Bearer AT2'; // the vendor revoked AT1
  const results = await Promise.all(Array.from({ length: 10 }, () => client.send(ADD)));
  expect(results.every((result) => result.status === 201)).toBe(true);
  expect(issued).toBe(2); // one renewal for all ten

  accepted = 'nothing'; // the credential itself lost its rights: AT2 refused, no new token yet
  expect(await client.send(ADD)).toStrictEqual({ status: 401, body: { error: 'invalid_token' } });
  expect(issued).toBe(2);
});
