import type { ServerResponse } from 'node:http';
import { afterEach, expect, it, vi } from 'vitest';
import {
  drip,
  hang,
  json,
  startFakeVendor,
  type FakeVendor,
  type RecordedRequest,
} from '../support/fake-vendor.js';
import { call, expectGatewayError, vendorConfig, type CallResult } from '../support/gateway.js';
import { spawnGateway, type GatewayProcess } from '../support/process.js';

/**
 * A vendor call has one deadline (`backends.X.timeouts.request_ms`) from the moment the gateway
 * decides to call until the body is read: time queued for one of the backend's 64 connections,
 * connecting, waiting for headers and reading a dripping body all count. The gateway runs as its
 * own process, as in production, against a scripted vendor on real ports; the margin covers
 * taking in 200 concurrent requests before their calls start, on a shared 2-core box.
 */
const DEADLINE_MS = 300;
/** Past the deadline: for the gateway to answer, and for callers, who also wait to be taken in. */
const GATEWAY_MARGIN_MS = 700;
const CALLER_MARGIN_MS = 1_500;
const POOL = 64;
const M = { redirect_uris: ['https://app.example/cb'] };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(
  answer: (request: RecordedRequest, response: ServerResponse, baseUrl: string) => void,
): Promise<{ vendor: FakeVendor; gateway: GatewayProcess }> {
  const vendor = await startFakeVendor(answer);
  cleanup.push(() => vendor.close());
  const fixture = vendorConfig(vendor.baseUrl, { timeouts: { request_ms: DEADLINE_MS } });
  const gateway = await spawnGateway(['serve', '--config', fixture.file], fixture.env);
  cleanup.push(() => gateway.stop());
  return { vendor, gateway };
}

/** `responseTime` of every registration in the gateway's access log, ascending. */
function responseTimes(gateway: GatewayProcess): number[] {
  return gateway
    .output()
    .split('\n')
    .filter((line) => line.includes('"url":"/idp/register"'))
    .map((line) => (JSON.parse(line) as { responseTime: number }).responseTime)
    .sort((a, b) => a - b);
}

const summary = (ms: number[]) =>
  `p50 ${Math.round(ms[Math.floor(ms.length / 2)]!)} ms, max ${Math.round(ms.at(-1)!)} ms`;

/** The call's answer and how long it took, in milliseconds. */
async function timed(url: string): Promise<{ response: CallResult; ms: number }> {
  const started = performance.now();
  const response = await call('POST', url, { body: M });
  return { response, ms: performance.now() - started };
}

const expectLate = (response: CallResult) =>
  expectGatewayError(
    response,
    504,
    'temporarily_unavailable',
    'the identity provider did not answer in time',
  );

it('answers 200 concurrent callers of a hanging backend 504 at the deadline, never more than the pool at the vendor, and serves again afterwards', async () => {
  let healthy = false;
  const { vendor, gateway } = await setup((_request, response, baseUrl) => {
    if (!healthy) return hang();
    json(response, 201, {
      client_id: `c${vendor.traffic.arrived}`,
      registration_access_token: 'r',
      registration_client_uri: `${baseUrl}/reg/c`,
    });
  });
  const register = `${gateway.url}/idp/register`;

  const storm = await Promise.all(Array.from({ length: 200 }, () => timed(register)));
  for (const { response } of storm) expectLate(response);
  const latencies = storm.map(({ ms }) => ms).sort((a, b) => a - b);
  await vi.waitFor(() => expect(responseTimes(gateway)).toHaveLength(200)); // logs are async
  const inGateway = responseTimes(gateway);
  console.info(
    `hanging backend, 200 callers, request_ms ${DEADLINE_MS}: callers ${summary(latencies)}, gateway ${summary(inGateway)}; ${vendor.traffic.arrived} requests reached the vendor, at most ${vendor.traffic.peakOpen} at once`,
  );
  expect(inGateway.at(-1)!).toBeLessThan(DEADLINE_MS + GATEWAY_MARGIN_MS);
  expect(latencies.at(-1)!).toBeLessThan(DEADLINE_MS + CALLER_MARGIN_MS);
  // Callers queued past their deadline never reach the vendor; those that got a slot freed by
  // an earlier timeout still had time left and did, but never more than the pool at once.
  expect(vendor.traffic.peakOpen).toBeLessThanOrEqual(POOL);
  expect(vendor.traffic.arrived).toBeLessThan(200);
  await vi.waitFor(() => expect(vendor.traffic.open).toBe(0)); // every hung socket was closed

  // Every slot and socket came back: more callers than the pool holds are all served.
  healthy = true;
  const after = await Promise.all(Array.from({ length: POOL + 16 }, () => timed(register)));
  expect(after.map(({ response }) => response.status)).toStrictEqual(
    Array.from({ length: POOL + 16 }, () => 201),
  );
});

it('answers 504 at the deadline when the vendor drips its body one byte at a time', async () => {
  const { vendor, gateway } = await setup(drip(50));
  const { response, ms } = await timed(`${gateway.url}/idp/register`);
  expectLate(response);
  await vi.waitFor(() => expect(responseTimes(gateway)).toHaveLength(1));
  const [inGateway] = responseTimes(gateway);
  console.info(
    `dripping backend, request_ms ${DEADLINE_MS}: 504 after ${Math.round(ms)} ms (gateway ${Math.round(inGateway!)} ms)`,
  );
  expect(inGateway!).toBeGreaterThanOrEqual(DEADLINE_MS);
  expect(inGateway!).toBeLessThan(DEADLINE_MS + GATEWAY_MARGIN_MS);
  expect(ms).toBeLessThan(DEADLINE_MS + CALLER_MARGIN_MS);
  expect(vendor.traffic.arrived).toBe(1);
  await vi.waitFor(() => expect(vendor.traffic.open).toBe(0));
});
