import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';
import { call, startGatewayFor, type TestGateway } from '../support/gateway.js';

/**
 * W3C Trace Context on real ports: the caller's `traceparent` reaches the vendor with the same
 * trace id and the gateway's own span id, and its trace id is on every log line of the request;
 * without one (or with a malformed one) the gateway starts a trace of its own.
 */
const M = { redirect_uris: ['https://app.example/cb'] };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

let vendor: FakeVendor;
let gateway: TestGateway;
beforeAll(async () => {
  vendor = await startFakeVendor((_request, response, baseUrl) =>
    json(response, 201, {
      client_id: 'c1',
      registration_access_token: 'vendor-rat',
      registration_client_uri: `${baseUrl}/reg/c1`,
    }),
  );
  gateway = await startGatewayFor(vendor.baseUrl);
});
afterAll(async () => {
  await gateway?.close();
  await vendor?.close();
});

/** Registers with `headers` and returns the traceparent the vendor saw and the request's log lines. */
async function register(headers: Record<string, string>) {
  const before = vendor.requests.length;
  const response = await call('POST', `${gateway.url}/idp/register`, { body: M, headers });
  expect(response.status).toBe(201);
  const seen = vendor.requests.slice(before).map((request) => request.traceparent);
  expect(seen).toHaveLength(1);
  const id = response.headers.get('x-request-id');
  const lines = gateway.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.reqId === id);
  expect(lines.length).toBeGreaterThan(0);
  return { traceparent: seen[0]!, lines };
}

it("propagates the caller's trace to the vendor and writes it on every log line", async () => {
  const { traceparent, lines } = await register({
    traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
  });
  expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  expect(traceparent).not.toContain(PARENT_ID); // the gateway's own span
  for (const line of lines) expect(line.trace_id).toBe(TRACE_ID);
});

it('starts a trace of its own without a valid traceparent, never passing a bad one on', async () => {
  const header = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      `ff-${TRACE_ID}-${PARENT_ID}-01`,
      `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`,
    ),
  );
  await fc.assert(
    fc.asyncProperty(header, async (value) => {
      const { traceparent, lines } = await register(
        value === undefined ? {} : { traceparent: value },
      );
      const match = /^00-([0-9a-f]{32})-[0-9a-f]{16}-00$/.exec(traceparent);
      expect(match).not.toBeNull();
      expect(match![1]).not.toBe(TRACE_ID);
      for (const line of lines) expect(line.trace_id).toBe(match![1]);
    }),
    { numRuns: 30 },
  );
});
