import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, startStandardSetup, type StandardSetup } from '../support/gateway.js';

/** `/metrics` speaks Prometheus text and counts gateway requests and vendor calls. */
let setup: StandardSetup;
beforeAll(async () => {
  setup = await startStandardSetup();
});
afterAll(() => setup.close());

it('counts requests by route pattern and vendor calls by mapping call', async () => {
  const created = await call('POST', setup.register, {
    body: { redirect_uris: ['https://app.example/cb'] },
  });
  expect(created.status).toBe(201);
  await call('GET', created.body.registration_client_uri, { token: 'garbage' });
  const metrics = await call('GET', `${setup.gateway.url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(metrics.text).toMatch(
    /^dcrgw_http_request_duration_seconds_count\{route="\/idp\/register",method="POST",status="201"\} 1$/m,
  );
  expect(metrics.text).toMatch(
    /^dcrgw_http_request_duration_seconds_count\{route="\/idp\/register\/:clientId",method="GET",status="401"\} 1$/m,
  );
  expect(metrics.text).toMatch(
    /^dcrgw_backend_request_duration_seconds_count\{backend="std",call="register",status="201"\} 1$/m,
  );
  expect(metrics.text).toMatch(/^process_resident_memory_bytes \d+/m);
  expect(metrics.text).not.toContain(created.body.client_id); // no per-client label cardinality
});
