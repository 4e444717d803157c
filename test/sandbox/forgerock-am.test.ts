import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_REALM_SETTINGS,
  startForgeRockAm,
  type ForgeRockAm,
} from '../../src/sandbox/forgerock-am/index.js';

/**
 * The ForgeRock AM simulator on a real port, rule by rule (contract
 * `shared/vendors/forgerock-am.md`): each request below breaks one rule and gets AM's status and
 * OAuth2 error JSON; the lifecycle shows the response quirks the mapping has to undo.
 */
const SERVICE = { clientId: 'registration-service', clientSecret: 'forgerock' };
const ALPHA = '/realms/root/realms/alpha';
const OPEN = '/realms/root/realms/open';
const realm = { ...SANDBOX_REALM_SETTINGS, open: false };

let am: ForgeRockAm;
beforeAll(async () => {
  am = await startForgeRockAm({
    realms: { '/realms/root': realm, [ALPHA]: realm, [OPEN]: { ...realm, open: true } },
    service: { ...SERVICE, scopes: ['dynamic_client_registration', 'openid'] },
  });
});
afterAll(() => am.close());

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read wire JSON freely
  body: any;
}

async function request(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    raw?: string;
    type?: string | null;
    basic?: string;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.basic !== undefined) headers.authorization = `Basic ${options.basic}`;
  const body =
    options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && options.type !== null)
    headers['content-type'] = options.type ?? 'application/json';
  const response = await fetch(`${am.baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

async function token(realmPath = ALPHA, scope = 'dynamic_client_registration'): Promise<string> {
  const response = await request('POST', `${realmPath}/access_token`, {
    raw: `grant_type=client_credentials&scope=${scope}`,
    type: 'application/x-www-form-urlencoded',
    basic: basic(SERVICE.clientId, SERVICE.clientSecret),
  });
  expect(response.status).toBe(200);
  return response.body.access_token;
}

const M = { redirect_uris: ['https://app.example/cb'] };

async function register(body: unknown = M): Promise<Answer> {
  return request('POST', `${ALPHA}/register`, { token: await token(), body });
}

const oauthError = (status: number, error: string) => ({
  status,
  body: { error, error_description: expect.any(String) },
});

describe('tokens (contract section 1)', () => {
  it('issues a realm token to the registration service client', async () => {
    const response = await request('POST', `${ALPHA}/access_token`, {
      raw: 'grant_type=client_credentials&scope=dynamic_client_registration',
      type: 'application/x-www-form-urlencoded',
      basic: basic(SERVICE.clientId, SERVICE.clientSecret),
    });
    expect(response).toMatchObject({
      status: 200,
      body: {
        access_token: expect.any(String),
        scope: 'dynamic_client_registration',
        token_type: 'Bearer',
        expires_in: 3599,
      },
    });
  });

  it.each([
    [
      'a wrong client secret',
      'grant_type=client_credentials',
      basic('registration-service', 'x'),
      401,
      'invalid_client',
    ],
    ['no client authentication', 'grant_type=client_credentials', undefined, 401, 'invalid_client'],
    [
      'another grant',
      'grant_type=password',
      basic(SERVICE.clientId, SERVICE.clientSecret),
      400,
      'unsupported_grant_type',
    ],
    [
      'a scope the client may not ask for',
      'grant_type=client_credentials&scope=admin',
      basic(SERVICE.clientId, SERVICE.clientSecret),
      400,
      'invalid_scope',
    ],
  ])('refuses %s', async (_name, raw, auth, status, error) => {
    const response = await request('POST', `${ALPHA}/access_token`, {
      raw,
      type: 'application/x-www-form-urlencoded',
      ...(auth === undefined ? {} : { basic: auth }),
    });
    expect(response).toMatchObject(oauthError(status, error));
  });
});

describe('registration: paths, methods and the registration token (sections 1, 2, 5)', () => {
  it('answers an unknown realm or path with 404', async () => {
    for (const path of ['/realms/root/realms/nope/register', `${ALPHA}/registry`, '/register'])
      expect((await request('POST', path, { body: M })).status, path).toBe(404);
  });

  it('refuses a registration without a token, or with a token of another realm, with 401', async () => {
    const none = await request('POST', `${ALPHA}/register`, { body: M });
    expect(none).toMatchObject(oauthError(401, 'invalid_token'));
    expect(none.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const foreign = await request('POST', `${ALPHA}/register`, {
      token: await token('/realms/root'),
      body: M,
    });
    expect(foreign).toMatchObject(oauthError(401, 'invalid_token'));
    expect((await request('POST', `${ALPHA}/register`, { token: 'garbage', body: M })).status).toBe(
      401,
    );
  });

  it('registers without a token only in an open realm', async () => {
    expect((await request('POST', `${OPEN}/register`, { body: M })).status).toBe(201);
  });

  it('gates logo_uri, client_uri and policy_uri behind the registration scope', async () => {
    for (const member of ['logo_uri', 'client_uri', 'policy_uri']) {
      const body = { ...M, [member]: 'https://app.example/x' };
      const weak = await request('POST', `${ALPHA}/register`, {
        token: await token(ALPHA, 'openid'),
        body,
      });
      expect(weak, member).toMatchObject(oauthError(400, 'access_denied'));
      const open = await request('POST', `${OPEN}/register`, { body });
      expect(open, member).toMatchObject(oauthError(400, 'access_denied'));
      expect((await register(body)).status, member).toBe(201);
    }
  });

  it('refuses a body that is not a JSON object, or not labelled JSON, on register', async () => {
    const bearer = await token();
    const cases = [
      { raw: 'not json' },
      { raw: '[]' },
      { raw: JSON.stringify(M), type: 'text/plain' },
      { raw: JSON.stringify(M), type: null },
    ];
    for (const sent of cases)
      expect(
        await request('POST', `${ALPHA}/register`, { token: bearer, ...sent }),
        JSON.stringify(sent),
      ).toMatchObject(oauthError(400, 'invalid_request'));
  });

  it('refuses client_id on register and its absence on management, and other methods', async () => {
    const bearer = await token();
    expect(
      await request('POST', `${ALPHA}/register?client_id=x`, { token: bearer, body: M }),
    ).toMatchObject(oauthError(400, 'invalid_request'));
    for (const method of ['GET', 'PUT', 'DELETE'])
      expect(
        await request(method, `${ALPHA}/register`, {
          token: bearer,
          ...(method === 'PUT' ? { body: M } : {}),
        }),
        method,
      ).toMatchObject(oauthError(400, 'invalid_request'));
    expect((await request('PATCH', `${ALPHA}/register?client_id=x`, { body: M })).status).toBe(405);
  });
});

/** Each breaks one rule of the request schema (sections 3, 5) and what AM answers. */
const REFUSED: [string, Record<string, unknown>, string][] = [
  [
    'a list member that is a string',
    { redirect_uris: 'https://app.example/cb' },
    'invalid_client_metadata',
  ],
  ['a boolean member as a string', { require_auth_time: 'true' }, 'invalid_client_metadata'],
  ['a number member as a string', { default_max_age: '60' }, 'invalid_client_metadata'],
  ['jwks that is not an object', { jwks: [] }, 'invalid_client_metadata'],
  [
    'an unknown token_endpoint_auth_method',
    { token_endpoint_auth_method: 'magic' },
    'invalid_client_metadata',
  ],
  ['an unknown client_type', { client_type: 'public' }, 'invalid_client_metadata'],
  ['an unknown subject_type', { subject_type: 'secret' }, 'invalid_client_metadata'],
  ['an unknown application_type', { application_type: 'desktop' }, 'invalid_client_metadata'],
  [
    'an unsupported signing algorithm',
    { id_token_signed_response_alg: 'EdDSA' },
    'invalid_client_metadata',
  ],
  [
    'an unsupported key-wrap algorithm',
    { id_token_encrypted_response_alg: 'ECDH-ES' },
    'invalid_client_metadata',
  ],
  [
    'an underscore enc spelling in a request',
    { id_token_encrypted_response_enc: 'A128CBC_HS256' },
    'invalid_client_metadata',
  ],
  [
    'none without client_type Public',
    { token_endpoint_auth_method: 'none' },
    'invalid_client_metadata',
  ],
  ['a Public client with a secret method', { client_type: 'Public' }, 'invalid_client_metadata'],
  [
    'a Public client with an HMAC algorithm',
    {
      client_type: 'Public',
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'HS256',
    },
    'invalid_client_metadata',
  ],
  [
    'both jwks and jwks_uri',
    { jwks: { keys: [] }, jwks_uri: 'https://app.example/jwks' },
    'invalid_client_metadata',
  ],
  ['jwks without keys', { jwks: {} }, 'invalid_client_metadata'],
  [
    'an unknown response type word',
    { response_types: ['code id_token magic'] },
    'invalid_client_metadata',
  ],
  ['a grant the realm does not allow', { grant_types: ['implicit'] }, 'invalid_client_metadata'],
  ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri'],
  [
    'a redirect URI with a fragment',
    { redirect_uris: ['https://app.example/cb#x'] },
    'invalid_redirect_uri',
  ],
  ['no redirect URI for the code flow', { redirect_uris: [] }, 'invalid_redirect_uri'],
  [
    'a bad post-logout URI',
    { post_logout_redirect_uris: ['bye'] },
    'invalid_post_logout_redirect_uris',
  ],
  ['a relative tos_uri', { tos_uri: 'tos' }, 'invalid_client_metadata'],
  ['a scope outside the allowlist', { scope: 'openid admin' }, 'invalid_client_metadata'],
  [
    'a scopes entry outside the allowlist',
    { scopes: ['openid', 'admin'] },
    'invalid_client_metadata',
  ],
  ['a bad client_name locale', { 'client_name#not a tag': 'x' }, 'invalid_client_metadata'],
  [
    'a software statement no publisher can verify',
    { software_statement: 'a.b.c' },
    'invalid_software_statement',
  ],
];

describe('the request schema (sections 3, 5): one rule broken at a time', () => {
  it.each(REFUSED)('refuses %s on create', async (_name, extra, error) => {
    expect(await register({ ...M, ...extra })).toMatchObject(oauthError(400, error));
  });

  it.each(REFUSED)(
    'refuses %s on update, and the client stays as it was',
    async (_name, extra, error) => {
      const created = (await register()).body;
      const uri = `${ALPHA}/register?client_id=${created.client_id}`;
      const rat = created.registration_access_token;
      expect(await request('PUT', uri, { token: rat, body: { ...M, ...extra } })).toMatchObject(
        oauthError(400, error),
      );
      expect((await request('GET', uri, { token: rat })).body.redirect_uris).toStrictEqual(
        M.redirect_uris,
      );
    },
  );

  it('ignores names it does not know, and client_id and client_secret on create', async () => {
    const created = await register({
      ...M,
      x_unknown: 1,
      client_id: 'mine',
      client_secret: 'mine',
      'logo_uri#fr': 'x',
    });
    expect(created.status).toBe(201);
    expect(created.body.client_id).not.toBe('mine');
    expect(created.body.client_secret).not.toBe('mine');
    expect(created.body).not.toHaveProperty('x_unknown');
    expect(created.body).not.toHaveProperty('logo_uri#fr');
  });
});

describe('a client through its life, with AM quirks (sections 2, 4)', () => {
  it('create 201, read without RAT or URI, update rotating the RAT, delete 204', async () => {
    const bearer = await token();
    const created = await request('POST', `${ALPHA}/register`, {
      token: bearer,
      body: { ...M, 'client_name#de-CH': 'Abrechnung', scope: 'openid profile' },
    });
    expect(created.status).toBe(201);
    const id = created.body.client_id;
    const uri = `${ALPHA}/register?client_id=${id}`;
    expect(created.body).toMatchObject({
      registration_client_uri: `${am.baseUrl}${uri}`,
      client_secret_expires_at: 0,
      client_type: 'Confidential',
      scope: 'profile openid',
      scopes: ['profile', 'openid'],
      'client_name#de-ch': 'Abrechnung',
      userinfo_signed_response_alg: '',
      id_token_encryption_enabled: false,
      id_token_encrypted_response_enc: 'A128CBC_HS256',
      default_max_age: 1,
      default_max_age_enabled: false,
    });
    const rat = created.body.registration_access_token;

    const read = await request('GET', uri, { token: rat });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('registration_access_token');
    expect(read.body).not.toHaveProperty('registration_client_uri');
    expect(read.body).toMatchObject({
      client_secret_expires_at: 0,
      id_token_encrypted_response_enc: 'A128CBC-HS256',
    });

    // The documented PUT is sent as curl --data sends it, labelled a form; omitted settings reset.
    const updated = await request('PUT', uri, {
      token: rat,
      body: { ...M, client_id: id },
      type: 'application/x-www-form-urlencoded',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).not.toHaveProperty('registration_client_uri');
    expect(updated.body).not.toHaveProperty('client_secret_expires_at');
    expect(updated.body).not.toHaveProperty('client_name#de-ch');
    expect(updated.body.client_secret).toBe(created.body.client_secret);
    expect(updated.body.scopes).toStrictEqual([...SANDBOX_REALM_SETTINGS.defaultScopes].reverse());
    const next = updated.body.registration_access_token;
    expect(next).not.toBe(rat);

    const old = await request('GET', uri, { token: rat });
    expect(old).toMatchObject(oauthError(401, 'invalid_token'));
    expect(old.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(
      await request('PUT', uri, { token: next, body: { ...M, client_id: 'other' } }),
    ).toMatchObject(oauthError(400, 'invalid_request'));

    const count = am.clientCount();
    expect((await request('DELETE', uri, { token: next })).status).toBe(204);
    expect(am.clientCount()).toBe(count - 1);
    expect(await request('GET', uri, { token: next })).toMatchObject(
      oauthError(401, 'invalid_token'),
    );
  });

  it('a RAT of one client manages no other', async () => {
    const a = (await register()).body;
    const b = (await register()).body;
    for (const method of ['GET', 'DELETE'])
      expect(
        await request(method, `${ALPHA}/register?client_id=${b.client_id}`, {
          token: a.registration_access_token,
        }),
        method,
      ).toMatchObject(oauthError(401, 'invalid_token'));
  });

  it('a Public client gets no secret; keys select the public key selector', async () => {
    const created = await register({
      ...M,
      client_type: 'Public',
      token_endpoint_auth_method: 'none',
      jwks_uri: 'https://app.example/jwks',
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('client_secret');
    expect(created.body).not.toHaveProperty('client_secret_expires_at');
    expect(created.body.public_key_selector).toBe('jwks_uri');
  });
});
