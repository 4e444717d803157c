import { afterEach, expect, it } from 'vitest';
import { hang, json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';
import { call, expectGatewayError, startGatewayFor, type TestGateway } from '../support/gateway.js';

/**
 * Vendor faults become 502/503/504 with a generic description and a request id (never the
 * vendor's body), and a create that fails after the vendor created something is compensated.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function gatewayFor(
  baseUrl: string,
  backendSection?: Record<string, unknown>,
): Promise<TestGateway> {
  const gateway = await startGatewayFor(baseUrl, backendSection);
  cleanup.push(() => gateway.close());
  return gateway;
}

async function vendor(answer: Parameters<typeof startFakeVendor>[0]): Promise<FakeVendor> {
  const fake = await startFakeVendor(answer);
  cleanup.push(() => fake.close());
  return fake;
}

const M = { redirect_uris: ['https://app.example/cb'] };

it('deletes the client again when the vendor created it but answered something unusable', async () => {
  const fake = await vendor((request, response, baseUrl) => {
    if (request.method === 'POST') {
      json(response, 201, {
        client_id: 'bad\u0001id',
        client_secret: 'vendor-secret-xyz',
        registration_access_token: 'vendor-rat',
        registration_client_uri: `${baseUrl}/reg/bad`,
      });
    } else response.writeHead(204).end();
  });
  const gateway = await gatewayFor(fake.baseUrl);
  const response = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expectGatewayError(
    response,
    502,
    'server_error',
    'the identity provider sent an unusable response',
  );
  expect(response.text).not.toContain('vendor-secret-xyz');
  expect(
    fake.requests.map(({ method, url, authorization }) => ({ method, url, authorization })),
  ).toStrictEqual([
    { method: 'POST', url: '/reg', authorization: 'Bearer iat-for-fake' },
    { method: 'DELETE', url: '/reg/bad', authorization: 'Bearer vendor-rat' },
  ]);
});

it('logs a compensation that failed, so the operator can remove the orphan', async () => {
  const fake = await vendor((request, response, baseUrl) => {
    if (request.method === 'POST') {
      json(response, 201, {
        client_id: '',
        registration_access_token: 'r',
        registration_client_uri: `${baseUrl}/reg/x`,
      });
    } else json(response, 500, { error: 'boom' });
  });
  const gateway = await gatewayFor(fake.baseUrl);
  const response = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(response.status).toBe(502);
  expect(
    gateway.logs.some((line) => line.includes('could not delete a partially created client')),
  ).toBe(true);
});

it('does not follow a vendor URI off the backend origin', async () => {
  const fake = await vendor((_request, response) =>
    json(response, 201, {
      client_id: 'c1',
      registration_access_token: 'r',
      registration_client_uri: 'http://127.0.0.2:9/elsewhere',
    }),
  );
  const gateway = await gatewayFor(fake.baseUrl);
  const created = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(created.status).toBe(201);
  const read = await call('GET', created.body.registration_client_uri, {
    token: created.body.registration_access_token,
  });
  expectGatewayError(read, 502, 'server_error', 'the identity provider sent an unusable response');
  expect(fake.requests).toHaveLength(1);
});

it('maps an unreachable backend to 503 and a slow one to 504', async () => {
  const closed = await vendor(() => undefined);
  await closed.close();
  const down = await gatewayFor(closed.baseUrl);
  const unavailable = await call('POST', `${down.url}/idp/register`, { body: M });
  expectGatewayError(
    unavailable,
    503,
    'temporarily_unavailable',
    'the identity provider is unavailable',
  );

  const slow = await vendor(hang);
  const waiting = await gatewayFor(slow.baseUrl, { timeouts: { request_ms: 300 } });
  const late = await call('POST', `${waiting.url}/idp/register`, { body: M });
  expectGatewayError(
    late,
    504,
    'temporarily_unavailable',
    'the identity provider did not answer in time',
  );
});

it('maps vendor errors by the mapping rules, never echoing the vendor body', async () => {
  const fake = await vendor((_request, response) =>
    json(response, 400, {
      error: 'invalid_redirect_uri',
      error_description: 'SECRET INTERNAL DETAIL',
    }),
  );
  const gateway = await gatewayFor(fake.baseUrl);
  const response = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expectGatewayError(
    response,
    400,
    'invalid_redirect_uri',
    'the identity provider rejected the redirect URIs',
  );
  expect(gateway.logs.join('\n')).not.toContain('SECRET INTERNAL DETAIL');
});

it('refuses a vendor answer over max_response_bytes', async () => {
  const fake = await vendor((_request, response) =>
    json(response, 201, { client_id: 'c1', padding: 'x'.repeat(5_000) }),
  );
  const gateway = await gatewayFor(fake.baseUrl, { max_response_bytes: 1_000 });
  const response = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expectGatewayError(
    response,
    502,
    'server_error',
    'the identity provider sent an unusable response',
  );
});
