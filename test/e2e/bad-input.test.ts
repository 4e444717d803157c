import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startStandardSetup, type StandardSetup } from '../support/gateway.js';

/**
 * Bad input gets the right 4xx with an RFC 7591 / RFC 6749 error body, on create and on update,
 * and never a 5xx: body-shape problems are `invalid_request`, bad members
 * `invalid_client_metadata`, bad redirect URIs `invalid_redirect_uri`.
 */
let setup: StandardSetup;
let register: string;
let client: {
  client_id: string;
  registration_client_uri: string;
  registration_access_token: string;
};

beforeAll(async () => {
  setup = await startStandardSetup();
  register = setup.register;
  client = (await call('POST', register, { body: { redirect_uris: ['https://app.example/cb'] } }))
    .body;
});

afterAll(() => setup.close());

type Sent = { raw?: string; body?: unknown; contentType?: string };
interface Case {
  readonly name: string;
  readonly sent: (base: Record<string, unknown>) => Sent;
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

const shape = (name: string, sent: Sent, description: string): Case => ({
  name,
  sent: () => sent,
  status: 400,
  error: 'invalid_request',
  description,
});
const member = (
  name: string,
  extra: Record<string, unknown>,
  error: string,
  description: string,
): Case => ({
  name,
  sent: (base) => ({ body: { ...base, ...extra } }),
  status: 400,
  error,
  description,
});

const CASES: Case[] = [
  shape('broken JSON', { raw: '{"redirect_uris": [' }, 'the request body is not valid JSON'),
  shape('empty body', { raw: '' }, 'the request body is not valid JSON'),
  shape('null', { raw: 'null' }, 'the request body must be a JSON object'),
  shape(
    'an array',
    { raw: '[{"redirect_uris":["https://a.example/cb"]}]' },
    'the request body must be a JSON object',
  ),
  shape('a string', { raw: '"hello"' }, 'the request body must be a JSON object'),
  shape(
    'a form',
    { raw: 'redirect_uris=https://a.example/cb', contentType: 'application/x-www-form-urlencoded' },
    'the request body must be application/json',
  ),
  shape(
    'text/plain',
    { raw: '{}', contentType: 'text/plain' },
    'the request body must be application/json',
  ),
  {
    name: 'a 1 MB body',
    sent: () => ({ raw: JSON.stringify({ client_name: 'x'.repeat(1_048_576) }) }),
    status: 413,
    error: 'invalid_request',
    description: 'the request body exceeds 65536 bytes',
  },
  member(
    'grant_types as a string',
    { grant_types: 'authorization_code' },
    'invalid_client_metadata',
    'grant_types must be an array of strings',
  ),
  member(
    'an empty string in a list',
    { response_types: [''] },
    'invalid_client_metadata',
    'response_types must contain only non-empty strings',
  ),
  member(
    'require_auth_time as a string',
    { require_auth_time: 'true' },
    'invalid_client_metadata',
    'require_auth_time must be a boolean',
  ),
  member(
    'negative default_max_age',
    { default_max_age: -1 },
    'invalid_client_metadata',
    'default_max_age must be a non-negative integer',
  ),
  member(
    'client_name as a number',
    { client_name: 42 },
    'invalid_client_metadata',
    'client_name must be a non-empty string',
  ),
  member(
    'logo_uri over ftp',
    { logo_uri: 'ftp://x.example/logo.png' },
    'invalid_client_metadata',
    'logo_uri must be an https or http URI',
  ),
  member(
    'unknown application_type',
    { application_type: 'desktop' },
    'invalid_client_metadata',
    'application_type must be one of web, native',
  ),
  member(
    'password grant',
    { grant_types: ['password'], response_types: [] },
    'invalid_client_metadata',
    'grant_types must not contain password (RFC 9700 section 2.4)',
  ),
  member(
    'a grant the backend does not support',
    { grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'] },
    'invalid_client_metadata',
    'grant_types value urn:ietf:params:oauth:grant-type:device_code is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
  ),
  member(
    'jwks with a private key',
    { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
    'invalid_client_metadata',
    'jwks keys must be RSA, EC or OKP public keys',
  ),
  member(
    'redirect_uris as a string',
    { redirect_uris: 'https://a.example/cb' },
    'invalid_redirect_uri',
    'redirect_uris must be an array of strings',
  ),
  member(
    'a relative redirect URI',
    { redirect_uris: ['/cb'] },
    'invalid_redirect_uri',
    'redirect_uris must contain absolute URIs',
  ),
  member(
    'a fragment',
    { redirect_uris: ['https://a.example/cb#x'] },
    'invalid_redirect_uri',
    'redirect_uris must not contain fragments',
  ),
  member(
    'a bare #',
    { redirect_uris: ['https://a.example/cb#'] },
    'invalid_redirect_uri',
    'redirect_uris must not contain fragments',
  ),
  member(
    'javascript:',
    { redirect_uris: ['javascript:alert(1)'] },
    'invalid_redirect_uri',
    'redirect_uris must not use the javascript: scheme',
  ),
  member(
    'http on a public host',
    { redirect_uris: ['http://evil.example/cb'] },
    'invalid_redirect_uri',
    'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
  ),
  member(
    'a private-use scheme for a web client',
    { redirect_uris: ['cursor://cb'] },
    'invalid_redirect_uri',
    'redirect_uris of web clients must use https (private-use schemes need application_type native)',
  ),
  member(
    'no redirect URIs for the code flow',
    { redirect_uris: [] },
    'invalid_redirect_uri',
    'redirect_uris are required for the authorization_code and implicit grants',
  ),
];

async function send(method: string, url: string, sent: Sent, token?: string) {
  return call(method, url, { ...sent, ...(token === undefined ? {} : { token }) });
}

function expectError(response: Awaited<ReturnType<typeof call>>, expected: Case) {
  expect(response.status, response.text).toBe(expected.status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('www-authenticate')).toBeNull();
  expect(response.body).toStrictEqual({
    error: expected.error,
    error_description: expected.description,
    request_id: response.headers.get('x-request-id'),
  });
}

describe('POST /register', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, expected) => {
    expectError(
      await send('POST', register, expected.sent({ redirect_uris: ['https://app.example/cb'] })),
      expected,
    );
  });

  it('accepts application/json; charset=utf-8', async () => {
    const response = await call('POST', register, {
      body: { redirect_uris: ['https://app.example/cb'] },
      contentType: 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(201);
  });
});

describe('PUT /register/{client_id}', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, expected) => {
    const base = { client_id: client.client_id, redirect_uris: ['https://app.example/cb'] };
    const response = await send(
      'PUT',
      client.registration_client_uri,
      expected.sent(base),
      client.registration_access_token,
    );
    expectError(response, expected);
  });
});
