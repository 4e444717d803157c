import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startStandardSetup, type StandardSetup } from '../support/gateway.js';

/**
 * Bad input gets the right 4xx with an RFC 7591 / RFC 6749 error body, on create and on update,
 * and never a 5xx: body-shape problems are `invalid_request`, bad members
 * `invalid_client_metadata`, bad redirect URIs `invalid_redirect_uri`. Runs the real gateway in
 * front of a real oidc-provider, so refusals the backend makes are covered too.
 */
let setup: StandardSetup;
let register: string;

interface Client {
  client_id: string;
  registration_client_uri: string;
  registration_access_token: string;
}

const M = { redirect_uris: ['https://app.example/cb'] };

async function create(): Promise<Client> {
  const response = await call('POST', register, { body: M });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

beforeAll(async () => {
  setup = await startStandardSetup();
  register = setup.register;
});

afterAll(() => setup.close());

/** What a case sends: a JSON value, or raw text with a content type (null: no content type). */
type Sent = { json: unknown } | { raw: string | Uint8Array; contentType: string | null };

async function send(method: string, url: string, sent: Sent, token?: string) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array;
  if ('json' in sent) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(sent.json);
  } else {
    if (sent.contentType !== null) headers['content-type'] = sent.contentType;
    body = sent.raw;
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

interface Case {
  readonly name: string;
  /** The body, given the minimal valid body of the request (which names the client on PUT). */
  readonly sent: (base: Record<string, unknown>) => Sent;
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

const NOT_AN_OBJECT = 'the request body must be a JSON object';
const NOT_JSON = 'the request body must be application/json';

const shape = (name: string, sent: Sent, description: string, status = 400): Case => ({
  name,
  sent: () => sent,
  status,
  error: 'invalid_request',
  description,
});
const raw = (text: string | Uint8Array, contentType: string | null = 'application/json'): Sent => ({
  raw: text,
  contentType,
});
const member = (
  name: string,
  extra: Record<string, unknown>,
  error: 'invalid_client_metadata' | 'invalid_redirect_uri',
  description: string,
): Case => ({
  name,
  sent: (base) => ({ json: { ...base, ...extra } }),
  status: 400,
  error,
  description,
});
const metadata = (name: string, extra: Record<string, unknown>, description: string) =>
  member(name, extra, 'invalid_client_metadata', description);
const redirect = (name: string, uris: unknown, description: string) =>
  member(name, { redirect_uris: uris }, 'invalid_redirect_uri', description);

/** Refused the same way on POST {prefix}/register and PUT {prefix}/register/{client_id}. */
const CASES: Case[] = [
  shape('broken JSON', raw('{"redirect_uris": ['), 'the request body is not valid JSON'),
  shape(
    'JSON with a trailing comma',
    raw('{"client_name":"a",}'),
    'the request body is not valid JSON',
  ),
  shape('an empty body labelled application/json', raw(''), NOT_AN_OBJECT),
  shape('null', raw('null'), NOT_AN_OBJECT),
  shape('an array', raw('[{"redirect_uris":["https://a.example/cb"]}]'), NOT_AN_OBJECT),
  shape('an empty array', raw('[]'), NOT_AN_OBJECT),
  shape('a JSON string', raw('"hello"'), NOT_AN_OBJECT),
  shape('a JSON number', raw('42'), NOT_AN_OBJECT),
  shape('true', raw('true'), NOT_AN_OBJECT),
  shape(
    'a form',
    raw('redirect_uris=https://a.example/cb', 'application/x-www-form-urlencoded'),
    NOT_JSON,
  ),
  shape('text/plain', raw('{"redirect_uris":["https://a.example/cb"]}', 'text/plain'), NOT_JSON),
  shape('multipart', raw('--x\r\n\r\n{}\r\n--x--', 'multipart/form-data; boundary=x'), NOT_JSON),
  shape(
    'application/problem+json',
    raw('{"redirect_uris":["https://a.example/cb"]}', 'application/problem+json'),
    NOT_JSON,
  ),
  shape('bytes with no content type', raw(new TextEncoder().encode('{}'), null), NOT_JSON),
  shape(
    'a 1 MB body',
    raw(JSON.stringify({ client_name: 'x'.repeat(1_048_576) })),
    'the request body exceeds 65536 bytes',
    413,
  ),
  metadata(
    'grant_types as a string',
    { grant_types: 'authorization_code' },
    'grant_types must be an array of strings',
  ),
  metadata(
    'an empty string in a list',
    { response_types: [''] },
    'response_types must contain only non-empty strings',
  ),
  metadata('scope as an array', { scope: ['openid'] }, 'scope must be a non-empty string'),
  metadata(
    'require_auth_time as a string',
    { require_auth_time: 'true' },
    'require_auth_time must be a boolean',
  ),
  metadata(
    'negative default_max_age',
    { default_max_age: -1 },
    'default_max_age must be a non-negative integer',
  ),
  metadata(
    'client_name as a number',
    { client_name: 42 },
    'client_name must be a non-empty string',
  ),
  metadata(
    'contacts that are not addresses',
    { contacts: ['ops'] },
    'contacts must contain e-mail addresses',
  ),
  metadata(
    'logo_uri over ftp',
    { logo_uri: 'ftp://x.example/logo.png' },
    'logo_uri must be an https or http URI',
  ),
  metadata(
    'an unknown algorithm',
    { id_token_signed_response_alg: 'XS256' },
    'id_token_signed_response_alg is not a registered JWS algorithm',
  ),
  metadata(
    'unknown application_type',
    { application_type: 'desktop' },
    'application_type must be one of web, native',
  ),
  metadata(
    'password grant',
    { grant_types: ['password'], response_types: [] },
    'grant_types must not contain password (RFC 9700 section 2.4)',
  ),
  metadata(
    'client_credentials for a public client',
    { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
    'grant_types client_credentials needs a token_endpoint_auth_method other than none',
  ),
  metadata(
    'a grant the backend does not support',
    { grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'] },
    'grant_types value urn:ietf:params:oauth:grant-type:device_code is not supported by this identity provider (supported: authorization_code, refresh_token, client_credentials)',
  ),
  metadata(
    'an oct key in jwks',
    { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
    'jwks keys must be RSA, EC or OKP public keys',
  ),
  metadata(
    'a key type named after an Object member',
    { jwks: { keys: [{ kty: 'constructor' }] } },
    'jwks keys must be RSA, EC or OKP public keys',
  ),
  metadata(
    'a private key in jwks',
    { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } },
    'jwks must not contain private key material',
  ),
  metadata(
    'jwks and jwks_uri',
    { jwks: { keys: [] }, jwks_uri: 'https://app.example/jwks' },
    'jwks must not be sent together with jwks_uri',
  ),
  metadata(
    'private_key_jwt without keys',
    { token_endpoint_auth_method: 'private_key_jwt' },
    'token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri',
  ),
  metadata(
    'both proof-of-possession flags',
    { dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: true },
    'dpop_bound_access_tokens must not be true together with tls_client_certificate_bound_access_tokens',
  ),
  redirect(
    'redirect_uris as a string',
    'https://a.example/cb',
    'redirect_uris must be an array of strings',
  ),
  redirect('a relative redirect URI', ['/cb'], 'redirect_uris must contain absolute URIs'),
  redirect(
    'a redirect URI with a space',
    [' https://a.example/cb'],
    'redirect_uris must contain absolute URIs',
  ),
  redirect('a fragment', ['https://a.example/cb#x'], 'redirect_uris must not contain fragments'),
  redirect('a bare #', ['https://a.example/cb#'], 'redirect_uris must not contain fragments'),
  redirect(
    'javascript:',
    ['javascript:alert(1)'],
    'redirect_uris must not use the javascript: scheme',
  ),
  redirect('data:', ['data:text/html,x'], 'redirect_uris must not use the data: scheme'),
  redirect('file:', ['file:///etc/passwd'], 'redirect_uris must not use the file: scheme'),
  redirect(
    'http on a public host',
    ['http://evil.example/cb'],
    'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
  ),
  redirect(
    'a private-use scheme for a web client',
    ['cursor://cb'],
    'redirect_uris of web clients must use https (private-use schemes need application_type native)',
  ),
  redirect(
    'no redirect URIs for the code flow',
    [],
    'redirect_uris are required for the authorization_code and implicit grants',
  ),
  member(
    'claimed https on loopback for a native client (refused by the backend)',
    { application_type: 'native', redirect_uris: ['https://localhost/cb'] },
    'invalid_redirect_uri',
    'the identity provider rejected the redirect URIs',
  ),
  metadata(
    'pairwise across hosts without a sector_identifier_uri (refused by the backend)',
    {
      subject_type: 'pairwise',
      redirect_uris: ['https://app.example/cb', 'https://other.example/cb'],
    },
    'the identity provider rejected the client metadata',
  ),
];

function expectError(response: Awaited<ReturnType<typeof send>>, expected: Case) {
  expect(response.status, response.text).toBeLessThan(500);
  expect(response.status, response.text).toBe(expected.status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  expect(response.headers.get('www-authenticate')).toBeNull();
  expect(JSON.parse(response.text)).toStrictEqual({
    error: expected.error,
    error_description: expected.description,
    request_id: response.headers.get('x-request-id'),
  });
}

const named = (cases: Case[]) => cases.map((c) => [c.name, c] as const);

describe('POST /register', () => {
  it.each(named(CASES))('refuses %s', async (_name, expected) => {
    expectError(await send('POST', register, expected.sent(M)), expected);
  });

  it.each([
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'Application/JSON',
  ])('accepts %s', async (contentType) => {
    const response = await send('POST', register, raw(JSON.stringify(M), contentType));
    expect(response.status, response.text).toBe(201);
    expect(JSON.parse(response.text).redirect_uris).toStrictEqual(M.redirect_uris);
  });
});

/**
 * One client for every case: an update the gateway wrongly accepted would rotate its RAT, so
 * the cases after it would fail with 401 and point at it.
 */
describe('PUT /register/{client_id}', () => {
  let client: Client;
  beforeAll(async () => {
    client = await create();
  });
  const put = (sent: Sent) =>
    send('PUT', client.registration_client_uri, sent, client.registration_access_token);
  const base = () => ({ client_id: client.client_id, ...M });

  it.each(named(CASES))('refuses %s', async (_name, expected) => {
    expectError(await put(expected.sent(base())), expected);
  });

  const rule = (name: string, body: () => unknown, description: string): Case => ({
    name,
    sent: () => ({ json: body() }),
    status: 400,
    error: 'invalid_request',
    description,
  });
  const SAME_CLIENT = 'client_id must be present and equal to the client being updated';
  /** What the gateway issued, sent back: RFC 7592 §2.2 forbids it in an update. */
  const managed: Record<string, () => unknown> = {
    registration_access_token: () => client.registration_access_token,
    registration_client_uri: () => client.registration_client_uri,
    client_secret_expires_at: () => 0,
    client_id_issued_at: () => 1732270000,
  };
  it.each(
    named([
      rule('no client_id', () => M, SAME_CLIENT),
      rule('another client_id', () => ({ ...M, client_id: 'someone-else' }), SAME_CLIENT),
      ...Object.entries(managed).map(([field, value]) =>
        rule(
          field,
          () => ({ ...base(), [field]: value() }),
          `${field} must not be sent in an update (RFC 7592 section 2.2)`,
        ),
      ),
      rule(
        'a client_secret that is not a string',
        () => ({ ...base(), client_secret: 42 }),
        'client_secret must be a string',
      ),
      rule(
        'a client_secret other than the current one',
        () => ({ ...base(), client_secret: 'chosen-by-the-client' }),
        'client_secret does not match the current secret',
      ),
    ]),
  )('refuses %s (RFC 7592 §2.2)', async (_name, expected) => {
    expectError(await put(expected.sent({})), expected);
  });

  it('still accepts the RAT and the update afterwards, with application/json; charset=utf-8', async () => {
    const response = await put(
      raw(JSON.stringify({ ...base(), client_name: 'After' }), 'application/json; charset=utf-8'),
    );
    expect(response.status, response.text).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({
      client_id: client.client_id,
      client_name: 'After',
    });
  });
});

describe('requests that carry no body', () => {
  it.each(['application/json', 'text/plain'])(
    'DELETE with content-type %s and an empty body deletes the client',
    async (contentType) => {
      const client = await create();
      const response = await send(
        'DELETE',
        client.registration_client_uri,
        raw('', contentType),
        client.registration_access_token,
      );
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
    },
  );

  it('GET with content-type application/json reads the client', async () => {
    const client = await create();
    const response = await fetch(client.registration_client_uri, {
      headers: {
        authorization: `Bearer ${client.registration_access_token}`,
        'content-type': 'application/json',
      },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Client).client_id).toBe(client.client_id);
  });
});
