import type { ServerResponse } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { json, startFakeVendor, type RecordedRequest } from '../support/fake-vendor.js';
import {
  call,
  expectGatewayError,
  startGatewayFor,
  type CallResult,
  type TestGateway,
} from '../support/gateway.js';

/**
 * Retries and the circuit breaker on real ports, in front of a scripted vendor: idempotent calls
 * are tried again after a 503 or a dropped connection, a create never is; a backend that keeps
 * failing opens its breaker (fast 503 with Retry-After, state in /metrics and /readyz), and one
 * probe closes it again once the backend answers.
 */
const M = { redirect_uris: ['https://app.example/cb'] };

type Script = (request: RecordedRequest, response: ServerResponse, baseUrl: string) => boolean;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A vendor that answers as a minimal RFC 7591 server unless `script` answered first. */
async function setup(backendSection: Record<string, unknown>) {
  let script: Script = () => false;
  const vendor = await startFakeVendor((request, response, baseUrl) => {
    if (script(request, response, baseUrl)) return;
    json(response, request.method === 'POST' ? 201 : 200, {
      client_id: 'c1',
      registration_access_token: 'vendor-rat',
      registration_client_uri: `${baseUrl}/reg/c1`,
      redirect_uris: M.redirect_uris,
    });
  });
  cleanup.push(() => vendor.close());
  const gateway = await startGatewayFor(vendor.baseUrl, backendSection);
  cleanup.push(() => gateway.close());
  return { vendor, gateway, set: (next: Script) => (script = next) };
}

/** The gateway's 503 for an IdP it cannot reach (Retry-After 5: not the breaker's). */
const expectUnavailable = (response: CallResult) =>
  expectGatewayError(
    response,
    503,
    'temporarily_unavailable',
    'the identity provider is unavailable',
  );

const metric = async (gateway: TestGateway, line: string) => {
  const text = (await call('GET', `${gateway.url}/metrics`)).text;
  return new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];
};

it('tries a read again after a 503 and after a dropped connection, never a create', async () => {
  const { vendor, gateway, set } = await setup({
    retries: { max: 2, base_delay_ms: 5 },
    circuit_breaker: false,
  });
  const created = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(created.status).toBe(201);
  const { registration_client_uri: uri, registration_access_token: rat } = created.body;

  let failures = 2;
  set((request, response) => {
    if (request.method !== 'GET' || failures === 0) return false;
    failures--;
    if (failures === 1) json(response, 503, { error: 'busy' });
    else response.socket!.destroy(); // the connection drops before any answer
    return true;
  });
  const before = vendor.requests.length;
  const read = await call('GET', uri, { token: rat });
  expect(read.status).toBe(200);
  expect(read.body.client_id).toBe(created.body.client_id);
  expect(vendor.requests.slice(before).map((r) => r.method)).toStrictEqual(['GET', 'GET', 'GET']);
  expect(await metric(gateway, 'dcrgw_backend_retries_total{backend="fake",call="read"}')).toBe(
    '2',
  );

  set((request, response) => {
    if (request.method !== 'POST') return false;
    json(response, 503, { error: 'busy' });
    return true;
  });
  const posts = vendor.requests.filter((r) => r.method === 'POST').length;
  const refused = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expectUnavailable(refused);
  expect(vendor.requests.filter((r) => r.method === 'POST').length).toBe(posts + 1);
});

it('opens the breaker after consecutive failures, fails fast while open, closes on a good probe', async () => {
  const { vendor, gateway, set } = await setup({
    retries: { max: 0 },
    circuit_breaker: { failure_threshold: 3, open_seconds: 1 },
  });
  let down = true;
  set((_request, response) => {
    if (!down) return false;
    json(response, 500, { error: 'internal' });
    return true;
  });
  for (let index = 0; index < 3; index++) {
    const failed = await call('POST', `${gateway.url}/idp/register`, { body: M });
    expectUnavailable(failed);
  }
  const arrived = vendor.traffic.arrived;
  const fast = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(fast.status).toBe(503);
  expect(fast.body).toStrictEqual({
    error: 'temporarily_unavailable',
    error_description: 'the identity provider is unavailable',
    request_id: fast.headers.get('x-request-id'),
  });
  expect(fast.headers.get('retry-after')).toBe('1'); // the time the breaker stays open
  expect(vendor.traffic.arrived).toBe(arrived); // the vendor never saw it
  expect(await metric(gateway, 'dcrgw_backend_circuit_state{backend="fake"}')).toBe('1');
  expect((await call('GET', `${gateway.url}/readyz`)).body).toStrictEqual({
    status: 'degraded',
    cache: 'ok',
    backends: { fake: 'open' },
  });
  expect(gateway.logs.some((line) => line.includes('"msg":"circuit breaker open"'))).toBe(true);

  down = false;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const probe = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(probe.status).toBe(201);
  expect(await metric(gateway, 'dcrgw_backend_circuit_state{backend="fake"}')).toBe('0');
  expect((await call('GET', `${gateway.url}/readyz`)).body).toMatchObject({
    status: 'ready',
    backends: { fake: 'closed' },
  });
});

it('keeps at most max_connections calls open at the backend; the others wait their turn', async () => {
  const { vendor, gateway, set } = await setup({ max_connections: 2, circuit_breaker: false });
  set((request, response, baseUrl) => {
    if (request.method !== 'POST') return false;
    setTimeout(
      () =>
        json(response, 201, {
          client_id: `c${vendor.traffic.arrived}`,
          registration_access_token: 'vendor-rat',
          registration_client_uri: `${baseUrl}/reg/c`,
        }),
      150,
    );
    return true;
  });
  const answers = await Promise.all(
    Array.from({ length: 6 }, () => call('POST', `${gateway.url}/idp/register`, { body: M })),
  );
  expect(answers.map((answer) => answer.status)).toStrictEqual([201, 201, 201, 201, 201, 201]);
  expect(vendor.traffic.peakOpen).toBe(2);
  expect(vendor.traffic.connections).toBe(2);
});

it('answers a create whose answer is cut mid-body with 503, and serves again afterwards', async () => {
  const { gateway, set } = await setup({ retries: { max: 2, base_delay_ms: 5 } });
  let cut = true;
  set((request, response) => {
    if (request.method !== 'POST' || !cut) return false;
    cut = false;
    response.writeHead(201, { 'content-type': 'application/json', 'content-length': '200' });
    response.write('{"client_id":"c1","registration_');
    setTimeout(() => response.socket!.destroy(), 20);
    return true;
  });
  const failed = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expectUnavailable(failed);
  expect((await call('POST', `${gateway.url}/idp/register`, { body: M })).status).toBe(201);
});
