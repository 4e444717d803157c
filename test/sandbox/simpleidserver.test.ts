import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/gateway.js';
import {
  startSimpleIdServer,
  type SimpleIdServer,
} from '../../src/sandbox/simpleidserver/server.js';

/**
 * The strict SimpleIdServer simulator on a real port: for every rule it takes from the contract
 * (`shared/vendors/simpleidserver.md`, cited as §N), a request that breaks the rule and the
 * vendor's exact answer, and the shape of what it accepts.
 */

let sid: SimpleIdServer;
let admin: string;

type Answer = Awaited<ReturnType<typeof call>>;

/** `call` below the realm's base URL; `json` is the body. */
const send = (
  method: string,
  path: string,
  options: { token?: string; json?: unknown; raw?: string; type?: string } = {},
): Promise<Answer> =>
  call(method, `${sid.baseUrl}${path}`, {
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.json === undefined ? {} : { body: options.json }),
    ...(options.raw === undefined ? {} : { raw: options.raw }),
    ...(options.type === undefined ? {} : { contentType: options.type }),
  });

async function tokenFor(form: Record<string, string>, basic?: string): Promise<Answer> {
  const response = await fetch(`${sid.baseUrl}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic === undefined ? {} : { authorization: `Basic ${basic}` }),
    },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

const credentials = () => ({
  grant_type: 'client_credentials',
  client_id: sid.admin.clientId,
  client_secret: sid.admin.clientSecret,
  scope: 'register',
});

async function adminToken(scope = 'register'): Promise<string> {
  const answer = await tokenFor({ ...credentials(), scope });
  expect(answer.status).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

const WEB = { redirect_uris: ['https://app.example/cb'] };

async function create(body: unknown = WEB): Promise<Record<string, unknown>> {
  const answer = await send('POST', '/register', { token: admin, json: body });
  expect(answer.status, answer.text).toBe(201);
  return answer.body as Record<string, unknown>;
}

const error = (status: number, code: string, description: string) => ({
  status,
  body: { error: code, error_description: description },
});
const metadataError = (description: string) => error(400, 'invalid_client_metadata', description);
const redirectError = (description: string) => error(400, 'invalid_redirect_uri', description);
const SERVER_ERROR = { status: 500, body: { error: 'server_error' } };

beforeAll(async () => {
  sid = await startSimpleIdServer({ scopes: ['profile', 'openid', 'offline_access'] });
  admin = await adminToken();
});
afterAll(() => sid.close());

describe('§1 paths and methods', () => {
  it.each([
    ['GET', '/token', 405],
    ['GET', '/register', 405],
    ['PATCH', '/register/x', 405],
    ['POST', '/register/x', 405],
    ['POST', '/registration', 404],
    ['GET', '/register/x/y', 404],
  ])('%s %s answers %i with no body', async (method, path, status) => {
    const answer = await send(method, path);
    expect([answer.status, answer.text]).toStrictEqual([status, '']);
  });

  it('serves the realm only: /register without the realm prefix is no path', async () => {
    const response = await fetch(`${new URL(sid.baseUrl).origin}/register`, { method: 'POST' });
    expect(response.status).toBe(404);
  });
});

describe('§1 token endpoint', () => {
  it('issues a bearer token with scope register, by post or basic', async () => {
    const post = await tokenFor(credentials());
    expect(post.status).toBe(200);
    expect(post.body).toStrictEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'register',
    });
    const basic = Buffer.from(`${sid.admin.clientId}:${sid.admin.clientSecret}`).toString('base64');
    const viaBasic = await tokenFor({ grant_type: 'client_credentials', scope: 'register' }, basic);
    expect(viaBasic.status).toBe(200);
  });

  it.each([
    [
      'a wrong secret',
      { client_secret: 'wrong' },
      error(401, 'invalid_client', 'bad client credential'),
    ],
    [
      'an unknown client',
      { client_id: 'other' },
      error(401, 'invalid_client', 'bad client credential'),
    ],
    [
      'another grant',
      { grant_type: 'password' },
      error(400, 'unsupported_grant_type', 'grant type is not supported'),
    ],
    [
      'a scope the client may not have',
      { scope: 'register openid' },
      error(400, 'invalid_scope', 'scopes are not supported'),
    ],
  ])('refuses %s', async (_name, change, expected) => {
    const answer = await tokenFor({ ...credentials(), ...change });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(expected);
  });

  it('takes a form only', async () => {
    const answer = await send('POST', '/token', { json: credentials() });
    expect([answer.status, answer.text]).toStrictEqual([415, '']);
  });
});

describe('§1, §2 the create token: every failure is a 400', () => {
  it.each<[string, () => Promise<string | undefined>, ReturnType<typeof error>]>([
    ['no bearer', async () => undefined, error(400, 'access_denied', 'missing token')],
    [
      'a token it did not issue',
      async () => 'eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InJlZ2lzdGVyIn0.c2lnbmF0dXJl',
      error(400, 'invalid_request', 'the access token is not valid'),
    ],
    [
      'garbage',
      async () => 'not-a-jwt',
      error(400, 'invalid_request', 'the access token is not valid'),
    ],
    [
      'a token without the register scope',
      () => adminToken(''),
      error(400, 'request_denied', "you're not authorized to access to the permissions endpoint"),
    ],
  ])('refuses %s', async (_name, token, expected) => {
    const bearer = await token();
    const answer = await send('POST', '/register', {
      json: WEB,
      ...(bearer === undefined ? {} : { token: bearer }),
    });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(expected);
  });

  it('refuses a token it no longer holds (4.0.8 token store), as after a restart', async () => {
    const token = await adminToken();
    sid.revokeAdminTokens();
    const answer = await send('POST', '/register', { token, json: WEB });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(
      error(400, 'invalid_request', 'the access token is not valid'),
    );
    admin = await adminToken();
  });

  it('refuses a token that expired', async () => {
    const short = await startSimpleIdServer({ tokenLifetimeSeconds: 1 });
    try {
      const answer = await fetch(`${short.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: short.admin.clientId,
          client_secret: short.admin.clientSecret,
          scope: 'register',
        }),
      });
      const { access_token: token } = (await answer.json()) as { access_token: string };
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const refused = await fetch(`${short.baseUrl}/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(WEB),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toStrictEqual({
        error: 'invalid_request',
        error_description: 'the access token is not valid',
      });
    } finally {
      await short.close();
    }
  });

  it('binds the body before the token is looked at: a parser crash is a 500 even without one', async () => {
    const answer = await send('POST', '/register', { json: { contacts: ['a@b.example'] } });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(SERVER_ERROR);
  });
});

describe('§3 the 4.0.x parser', () => {
  it.each([
    ['contacts (an unbound array)', { contacts: ['ops@app.example'] }],
    ['request_uris', { request_uris: ['https://app.example/r'] }],
    ['jwks (an object)', { jwks: { keys: [] } }],
    [
      'tls_client_certificate_bound_access_tokens (an unbound boolean)',
      { tls_client_certificate_bound_access_tokens: false },
    ],
    ['client_secret_expires_at (an unbound number)', { client_secret_expires_at: 0 }],
    ['a mistyped boolean', { require_auth_time: 'true' }],
    ['a mistyped number', { default_max_age: '60' }],
    ['a mistyped list', { grant_types: 'authorization_code' }],
    ['a list of non-strings', { redirect_uris: [1] }],
    ['a null', { client_name: null }],
  ])('crashes on %s: 500', async (_name, extra) => {
    const answer = await send('POST', '/register', { token: admin, json: { ...WEB, ...extra } });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(SERVER_ERROR);
  });

  it.each([
    ['an array body', '[]'],
    ['a string body', '"x"'],
  ])('crashes on %s: 500', async (_name, raw) => {
    const answer = await send('POST', '/register', { token: admin, raw });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(SERVER_ERROR);
  });

  it('takes JSON only', async () => {
    const answer = await send('POST', '/register', {
      token: admin,
      raw: 'a=b',
      type: 'text/plain',
    });
    expect([answer.status, answer.text]).toStrictEqual([415, '']);
  });

  it('drops unknown strings silently and keeps the five translatable names, tagged or not', async () => {
    const body = await create({
      ...WEB,
      software_id: 'billing',
      client_id: 'mine',
      client_secret: 'mine',
      tls_client_auth_subject_dn: 'CN=x',
      client_name: 'Billing',
      'client_name#fr': 'Facturation',
      'tos_uri#de': 'https://app.example/agb',
    });
    expect(body.client_id).not.toBe('mine');
    expect(body.client_secret).not.toBe('mine');
    expect(body).not.toHaveProperty('software_id');
    expect(body).not.toHaveProperty('tls_client_auth_subject_dn');
    expect(body).toMatchObject({
      client_name: 'Billing',
      'client_name#fr': 'Facturation',
      'tos_uri#de': 'https://app.example/agb',
    });
  });
});

describe('§3 validation, with its messages', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof error>]>([
    [
      'application_type',
      { application_type: 'desktop' },
      metadataError('application type is invalid'),
    ],
    [
      'a relative sector_identifier_uri',
      { sector_identifier_uri: '/s' },
      metadataError('sector_identifier_uri is not a valid URI'),
    ],
    [
      'an http sector_identifier_uri',
      { sector_identifier_uri: 'http://app.example/s' },
      metadataError("sector_identifier_uri doesn't contain https scheme"),
    ],
    [
      'a relative initiate_login_uri',
      { initiate_login_uri: 'login' },
      metadataError('initiate_login_uri is not a valid URI'),
    ],
    [
      'an http initiate_login_uri',
      { initiate_login_uri: 'http://app.example/l' },
      metadataError("initiate_login_uri doesn't contain https scheme"),
    ],
    ['subject_type', { subject_type: 'secret' }, metadataError('subject_type is invalid')],
    [
      'a signing alg',
      { id_token_signed_response_alg: 'PS256' },
      metadataError('id_token_signed_response_alg is not supported'),
    ],
    [
      'an HS signing alg',
      { userinfo_signed_response_alg: 'HS256' },
      metadataError('userinfo_signed_response_alg is not supported'),
    ],
    [
      'a JWE alg',
      { id_token_encrypted_response_alg: 'ECDH-ES' },
      metadataError('id_token_encrypted_response_alg is not supported'),
    ],
    [
      'a JWE enc',
      { request_object_encryption_alg: 'RSA-OAEP', request_object_encryption_enc: 'A128GCM' },
      metadataError('request_object_encryption_enc is not supported'),
    ],
    [
      'an enc without its alg',
      { id_token_encrypted_response_enc: 'A128CBC-HS256' },
      metadataError('missing parameter id_token_encrypted_response_alg'),
    ],
    [
      'a grant type',
      { grant_types: ['authorization_code', 'urn:x'] },
      metadataError('grant types urn:x are not supported'),
    ],
    [
      'none (pkce is its public method)',
      { token_endpoint_auth_method: 'none' },
      metadataError('unknown authentication method : none'),
    ],
    [
      'a combined response type',
      { response_types: ['code id_token'] },
      metadataError('response types code id_token are not supported'),
    ],
    [
      'a response type of no grant it has',
      { grant_types: ['authorization_code'], response_types: ['token'] },
      metadataError('response types token are not supported'),
    ],
    [
      'a grant without its response type',
      { grant_types: ['authorization_code', 'implicit'], response_types: ['code'] },
      metadataError('valid response type must be passed for the grant type implicit'),
    ],
    [
      'no redirect URIs for the code flow',
      { redirect_uris: [] },
      metadataError('missing parameter redirect_uris'),
    ],
    [
      'a relative redirect URI',
      { redirect_uris: ['/cb'] },
      redirectError('redirect_uri /cb is not correct'),
    ],
    [
      'a fragment',
      { redirect_uris: ['https://app.example/cb#x'] },
      redirectError('the redirect_uri cannot contains fragment'),
    ],
    [
      'http for a web client',
      { redirect_uris: ['http://127.0.0.1:4000/cb'] },
      redirectError('redirect_uri does not contain https scheme'),
    ],
    [
      'localhost for a web client',
      { redirect_uris: ['https://localhost/cb'] },
      redirectError('redirect_uri must not contain localhost'),
    ],
    ['a relative jwks_uri', { jwks_uri: 'keys' }, metadataError('jwks_uri is not a valid URI')],
    ['a relative logo_uri', { logo_uri: 'logo.png' }, metadataError('logo_uri is not a valid URI')],
  ])('refuses %s', async (_name, extra, expected) => {
    const answer = await send('POST', '/register', { token: admin, json: { ...WEB, ...extra } });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(expected);
  });

  it('lets native clients use http and localhost, and looks at no redirect URI without a redirect grant', async () => {
    await create({
      application_type: 'native',
      redirect_uris: ['http://localhost:3000/cb', 'cursor://cb'],
    });
    await create({
      grant_types: ['client_credentials'],
      redirect_uris: ['http://x.example/#frag'],
    });
    await create({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'pkce' });
  });
});

describe('§3 defaults and §4 the answer', () => {
  it('answers the full SimpleIdServer client for the seed request, scope filtered in realm order', async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = await create({
      grant_types: ['client_credentials'],
      scope: 'openid profile unknown',
      redirect_uris: ['https://tmp.com'],
    });
    const id = body.client_id as string;
    expect(body).toStrictEqual({
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_secret: expect.stringMatching(/^[0-9a-f-]{36}$/),
      registration_access_token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      grant_types: ['client_credentials'],
      redirect_uris: ['https://tmp.com'],
      token_endpoint_auth_method: 'client_secret_post',
      response_types: ['code'],
      contacts: [],
      update_datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      create_datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      client_id_issued_at: expect.any(Number),
      token_expiration_time_seconds: 1800,
      refresh_token_expiration_time_seconds: 1800,
      scope: 'profile openid',
      jwks: { keys: [] },
      token_signed_response_alg: 'RS256',
      token_encrypted_response_alg: 'RSA1_5',
      token_encrypted_response_enc: 'A128CBC-HS256',
      post_logout_redirect_uris: [],
      preferred_token_profile: 'Bearer',
      subject_type: 'public',
      id_token_signed_response_alg: 'RS256',
      backchannel_user_code_parameter: false,
      frontchannel_logout_session_required: false,
      backchannel_logout_session_required: false,
      tls_client_certificate_bound_access_token: false,
      application_type: 'web',
      require_auth_time: false,
      authorization_signed_response_alg: 'RS256',
      authorization_data_types: [],
      is_consent_disabled: false,
      default_acr_values: [],
      registration_client_uri: `${new URL(sid.baseUrl).origin}/${id}`,
    });
    expect(body.client_id_issued_at as number).toBeGreaterThanOrEqual(before);
    expect(body).not.toHaveProperty('client_secret_expires_at');
  });

  it('fills the enc of an alg sent alone, and answers optionals only when set', async () => {
    const body = await create({
      ...WEB,
      id_token_encrypted_response_alg: 'RSA-OAEP',
      default_max_age: 60,
      dpop_bound_access_tokens: true,
    });
    expect(body).toMatchObject({
      id_token_encrypted_response_alg: 'RSA-OAEP',
      id_token_encrypted_response_enc: 'A128CBC-HS256',
      default_max_age: 60,
      dpop_bound_access_tokens: true,
    });
    expect(body).not.toHaveProperty('userinfo_encrypted_response_alg');
    expect(body).not.toHaveProperty('jwks_uri');
  });

  it('answers client_secret_expires_at as an ISO date when the host sets a secret lifetime', async () => {
    const expiring = await startSimpleIdServer({ clientSecretLifetimeSeconds: 3600 });
    try {
      const token = await fetch(`${expiring.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: expiring.admin.clientId,
          client_secret: expiring.admin.clientSecret,
        }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const created = await fetch(`${expiring.baseUrl}/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(WEB),
      });
      const body = (await created.json()) as Record<string, unknown>;
      expect(body.client_secret_expires_at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      expect(
        Date.parse(body.client_secret_expires_at as string) -
          Date.parse(body.create_datetime as string),
      ).toBe(3_600_000);
    } finally {
      await expiring.close();
    }
  });
});

describe('§1, §2 management with the RAT', () => {
  it('no header 401, unknown client 404 before the token is compared, another token 401, all empty', async () => {
    const client = await create();
    const path = `/register/${client.client_id as string}`;
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const none = await send(method, path);
      expect([method, none.status, none.text]).toStrictEqual([method, 401, '']);
      const unknown = await send(method, '/register/unknown', { token: 'anything' });
      expect([method, unknown.status, unknown.text]).toStrictEqual([method, 404, '']);
      const body = method === 'PUT' ? { json: WEB } : {};
      const wrong = await send(method, path, { token: 'not-the-rat', ...body });
      expect([method, wrong.status, wrong.text]).toStrictEqual([method, 401, '']);
      const adminTokenThere = await send(method, path, { token: admin, ...body });
      expect([method, adminTokenThere.status]).toStrictEqual([method, 401]);
    }
  });

  it('GET and PUT answer the secret and the same RAT; PUT resets what it omits; DELETE 204 then 404', async () => {
    const client = await create({
      ...WEB,
      client_name: 'Before',
      require_auth_time: true,
      scope: 'openid',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const path = `/register/${client.client_id as string}`;
    const rat = client.registration_access_token as string;
    const read = await send('GET', path, { token: rat });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(read.body).toStrictEqual(client);

    const updated = await send('PUT', path, {
      token: rat,
      json: { redirect_uris: ['https://app.example/new'] },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({
      client_id: client.client_id,
      client_secret: client.client_secret,
      registration_access_token: rat,
      redirect_uris: ['https://app.example/new'],
      token_endpoint_auth_method: 'client_secret_post',
      require_auth_time: false,
      scope: '',
      client_id_issued_at: client.client_id_issued_at,
    });
    expect(updated.body).not.toHaveProperty('client_name');
    expect((await send('GET', path, { token: rat })).body).toStrictEqual(updated.body);

    const refused = await send('PUT', path, {
      token: rat,
      json: { redirect_uris: ['http://x.example/cb'] },
    });
    expect({ status: refused.status, body: refused.body }).toStrictEqual(
      redirectError('redirect_uri does not contain https scheme'),
    );
    const crashed = await send('PUT', path, { token: rat, json: { contacts: [] } });
    expect({ status: crashed.status, body: crashed.body }).toStrictEqual(SERVER_ERROR);

    const count = sid.clientCount();
    const deleted = await send('DELETE', path, { token: rat });
    expect([deleted.status, deleted.text]).toStrictEqual([204, '']);
    expect(sid.clientCount()).toBe(count - 1);
    expect((await send('GET', path, { token: rat })).status).toBe(404);
  });
});
