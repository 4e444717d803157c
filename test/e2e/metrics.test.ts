import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  startStandardSetup,
  type StandardSetup,
  type TestGateway,
} from '../support/gateway.js';

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

it('counts registration requests by route, operation, status class and error code', async () => {
  const before = (await call('GET', `${setup.gateway.url}/metrics`)).text;
  const count = (text: string, labels: string) =>
    Number(
      new RegExp(`^dcrgw_registration_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(
        text,
      )?.[1] ?? 0,
    );
  const created = await call('POST', setup.register, {
    body: { redirect_uris: ['https://app.example/cb'] },
  });
  await call('POST', setup.register, { body: { redirect_uris: ['https://app.example/cb#f'] } });
  await call('GET', created.body.registration_client_uri, { token: 'garbage' });
  await call('DELETE', created.body.registration_client_uri, {
    token: created.body.registration_access_token,
  });
  const after = (await call('GET', `${setup.gateway.url}/metrics`)).text;
  const delta = (labels: string) => count(after, labels) - count(before, labels);
  expect(delta('route="main",operation="register",status_class="2xx",error=""')).toBe(1);
  expect(
    delta('route="main",operation="register",status_class="4xx",error="invalid_redirect_uri"'),
  ).toBe(1);
  expect(delta('route="main",operation="read",status_class="4xx",error="invalid_token"')).toBe(1);
  expect(delta('route="main",operation="delete",status_class="2xx",error=""')).toBe(1);
});

describe('/metrics on a listener of its own, behind a bearer token', () => {
  const METRICS_TOKEN = 'metrics-token-4f9a1c';
  let gateway: TestGateway;
  let metricsSetup: StandardSetup;
  beforeAll(async () => {
    metricsSetup = await startStandardSetup({
      extra: { metrics: { port: 0, token: { env: 'METRICS_TOKEN' } } },
      env: { METRICS_TOKEN },
    });
    gateway = metricsSetup.gateway;
  });
  afterAll(() => metricsSetup?.close());

  it('is not on the main listener', async () => {
    expect(gateway.metricsUrl).not.toBe(gateway.url);
    const main = await call('GET', `${gateway.url}/metrics`, { token: METRICS_TOKEN });
    expect([main.status, main.body.error]).toStrictEqual([404, 'not_found']);
  });

  it('answers only the exact token; anything else gets 401 in the gateway format', async () => {
    const near = fc.oneof(
      fc.constantFrom(METRICS_TOKEN.slice(0, -1), `${METRICS_TOKEN}x`, METRICS_TOKEN.toUpperCase()),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(near, { nil: undefined }), async (token) => {
        fc.pre(token !== METRICS_TOKEN);
        const headers: Record<string, string> =
          token === undefined ? {} : { authorization: `Bearer ${token}` };
        const response = await fetch(`${gateway.metricsUrl}/metrics`, { headers });
        expect(response.status).toBe(401);
        // Fetch trims the header value; what is left is a bearer token or no credential at all.
        const bare = token === undefined || !/^\S+$/.test(token.trim());
        expect(await response.json()).toStrictEqual({
          error: 'invalid_token',
          error_description: bare ? 'a bearer token is required' : 'the access token is invalid',
          request_id: response.headers.get('x-request-id'),
        });
        expect(response.headers.get('www-authenticate')).toBe(
          bare ? 'Bearer realm="dcr-gateway"' : 'Bearer realm="dcr-gateway", error="invalid_token"',
        );
      }),
      { numRuns: 60 },
    );
    const granted = await call('GET', `${gateway.metricsUrl}/metrics`, { token: METRICS_TOKEN });
    expect(granted.status).toBe(200);
    expect(granted.text).toMatch(/^dcrgw_cache_up 1$/m);
    expect(gateway.logs.join('\n')).not.toContain(METRICS_TOKEN);
  });
});
