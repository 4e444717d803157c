import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  call,
  startStandardSetup,
  type StandardSetup,
  type TestGateway,
} from '../support/gateway.js';
import { sendRaw } from '../support/raw-http.js';

/** A route that is not open admits registrations with a static initial access token only. */
let setup: StandardSetup;
let gateway: TestGateway;
const fromEnv = 'iat-from-the-environment';
const fromHash = 'iat-known-only-by-its-hash';

beforeAll(async () => {
  setup = await startStandardSetup({
    registration: {
      initial_access_tokens: [
        { env: 'ROUTE_IAT' },
        { sha256: createHash('sha256').update(fromHash).digest('hex') },
      ],
    },
    env: { ROUTE_IAT: fromEnv },
  });
  gateway = setup.gateway;
});

afterAll(() => setup.close());

const M = { redirect_uris: ['https://app.example/cb'] };

it('registers with either configured token, logging which by its digest, not the token', async () => {
  for (const token of [fromEnv, fromHash]) {
    const response = await call('POST', `${gateway.url}/idp/register`, { token, body: M });
    expect(response.status).toBe(201);
    const line = gateway.logs
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.reqId === response.headers.get('x-request-id') && entry.statusCode);
    const id = createHash('sha256').update(token).digest('hex').slice(0, 16);
    expect(line).toMatchObject({
      msg: 'request completed',
      principal: `iat:${id}`,
    });
  }
  expect(gateway.logs.join('\n')).not.toContain(fromHash);
});

it('answers a missing token with a bare challenge and a wrong one with invalid_token', async () => {
  const missing = await call('POST', `${gateway.url}/idp/register`, { body: M });
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="dcr-gateway"');
  expect(missing.headers.get('cache-control')).toBe('no-store');
  expect(missing.body).toStrictEqual({
    error: 'invalid_token',
    error_description: 'a bearer token is required',
    request_id: missing.headers.get('x-request-id'),
  });
  const wrong = await call('POST', `${gateway.url}/idp/register`, {
    token: `${fromEnv}x`,
    body: M,
  });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="invalid_token"',
  );
  expect(wrong.body).toStrictEqual({
    error: 'invalid_token',
    error_description: 'the access token is invalid',
    request_id: wrong.headers.get('x-request-id'),
  });
  expect(gateway.logs.join('\n')).not.toContain(fromEnv);
});

it('refuses two Authorization headers, whichever comes first, in the gateway error shape', async () => {
  const body = JSON.stringify(M);
  for (const [first, second] of [
    [`Bearer ${fromEnv}`, 'Bearer wrong'],
    ['Bearer wrong', `Bearer ${fromEnv}`],
  ]) {
    // Raw header lines: an HTTP client library would join the two values into one header.
    const answer = await sendRaw(
      gateway.url,
      `POST /idp/register HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
        `Authorization: ${first}\r\nAuthorization: ${second}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(answer?.status).toBe(400);
    expect(answer?.headers['cache-control']).toBe('no-store');
    expect(answer?.body).toStrictEqual({
      error: 'invalid_request',
      error_description: 'the request has more than one Authorization header',
      request_id: answer?.headers['x-request-id'],
    });
  }
});
