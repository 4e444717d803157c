import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIbmVerify, type IbmVerify } from '../../src/sandbox/ibm-verify/server.js';
import { call } from '../support/gateway.js';

/**
 * The strict IBM Verify simulator on a real port: for every rule it takes from the contract
 * (`shared/vendors/ibm-verify.md`, cited as §N), a request that breaks the rule and the
 * vendor's exact answer, and the shape of what it accepts.
 */

type Answer = Awaited<ReturnType<typeof call>>;

let ibm: IbmVerify;
let admin: string;
const READER = { clientId: 'reader', clientSecret: 'reader-secret', entitlements: ['readUsers'] };

async function tokenFor(form: Record<string, string>, tenant = ibm): Promise<Answer> {
  const response = await fetch(`${tenant.baseUrl}/v1.0/endpoint/default/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

async function adminToken(tenant = ibm, client = tenant.admin): Promise<string> {
  const answer = await tokenFor(
    {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    },
    tenant,
  );
  expect(answer.status, answer.text).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

const send = (
  method: string,
  path: string,
  options: { token?: string; json?: unknown; raw?: string; type?: string } = {},
  tenant = ibm,
): Promise<Answer> =>
  call(method, `${tenant.baseUrl}${path}`, {
    ...(options.token === undefined ? {} : { token: options.token }),
    // fetch sends no body on GET, and IBM reads none on DELETE.
    ...(options.json === undefined || !['POST', 'PUT'].includes(method)
      ? {}
      : { body: options.json }),
    ...(options.raw === undefined ? {} : { raw: options.raw }),
    ...(options.type === undefined ? {} : { contentType: options.type }),
  });

const WEB = { redirect_uris: ['https://app.example/cb'] };

async function create(body: unknown = WEB, tenant = ibm, token = admin) {
  const answer = await send('POST', '/oauth2/register', { token, json: body }, tenant);
  expect(answer.status, answer.text).toBe(201);
  return answer.body as Record<string, unknown>;
}

const error = (status: number, code: string, description: string) => ({
  status,
  body: { error: code, error_description: description },
});
const metadataError = (description: string) => error(400, 'invalid_client_metadata', description);
const NO_TOKEN = error(401, 'invalid_token', 'the access token is missing or not valid');

beforeAll(async () => {
  ibm = await startIbmVerify({ apiClients: [READER] });
  admin = await adminToken();
});
afterAll(() => ibm.close());

describe('§2 paths and methods', () => {
  it.each([
    ['GET', '/oauth2/register', 405],
    ['GET', '/v1.0/endpoint/default/token', 405],
    ['POST', '/oauth2/register/x', 405],
    ['PATCH', '/oauth2/register/x', 405],
    ['POST', '/oauth2/registration', 404],
    ['GET', '/oauth2/register/x/y', 404],
    ['POST', '/register', 404],
    ['POST', '/v1.0/endpoint/default/client_registration', 404],
  ])('%s %s answers %i with no body', async (method, path, status) => {
    const answer = await send(method, path);
    expect([answer.status, answer.text]).toStrictEqual([status, '']);
  });
});

describe('§1 token endpoint', () => {
  it('issues an API-client token with the required members', async () => {
    const answer = await tokenFor({
      grant_type: 'client_credentials',
      client_id: ibm.admin.clientId,
      client_secret: ibm.admin.clientSecret,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toStrictEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/),
      token_type: 'Bearer',
      expires_in: 7200,
      grant_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it.each([
    [
      'a wrong secret',
      { client_secret: 'wrong' },
      error(401, 'invalid_client', 'the client credentials are not valid'),
    ],
    [
      'an unknown client',
      { client_id: 'nobody' },
      error(401, 'invalid_client', 'the client credentials are not valid'),
    ],
    [
      'another grant',
      { grant_type: 'password' },
      error(400, 'unsupported_grant_type', 'the grant type is not supported'),
    ],
  ])('refuses %s', async (_name, change, expected) => {
    const answer = await tokenFor({
      grant_type: 'client_credentials',
      client_id: ibm.admin.clientId,
      client_secret: ibm.admin.clientSecret,
      ...change,
    });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(expected);
  });

  it('refuses a token request that is not form encoded', async () => {
    const answer = await send('POST', '/v1.0/endpoint/default/token', { json: {} });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(
      error(400, 'invalid_request', 'the request must be form encoded'),
    );
  });
});

describe('§1, §5 the admin credential', () => {
  it.each(['POST /oauth2/register', 'GET /oauth2/register/x', 'DELETE /oauth2/register/x'])(
    '%s without a bearer, or with a dead one, is 401 invalid_token',
    async (request) => {
      const [method, path] = request.split(' ') as [string, string];
      for (const token of [undefined, 'not-a-token']) {
        const answer = await send(method, path, {
          ...(token === undefined ? {} : { token }),
          json: WEB,
        });
        expect({ status: answer.status, body: answer.body }).toStrictEqual(NO_TOKEN);
      }
    },
  );

  it('a token of an API client without manageAppAccessAdmin is 403 insufficient_scope, on every operation', async () => {
    const reader = await adminToken(ibm, READER);
    const { client_id: id } = await create();
    const refused = error(403, 'insufficient_scope', 'manageAppAccessAdmin is required');
    for (const [method, path] of [
      ['POST', '/oauth2/register'],
      ['GET', `/oauth2/register/${id}`],
      ['PUT', `/oauth2/register/${id}`],
      ['DELETE', `/oauth2/register/${id}`],
    ] as const) {
      const answer = await send(method, path, { token: reader, json: WEB });
      expect({ status: answer.status, body: answer.body }, method).toStrictEqual(refused);
    }
  });

  it('an expired token is refused: revoked tokens need a fresh one', async () => {
    const tenant = await startIbmVerify();
    try {
      const token = await adminToken(tenant);
      tenant.revokeAdminTokens();
      const answer = await send('POST', '/oauth2/register', { token, json: WEB }, tenant);
      expect({ status: answer.status, body: answer.body }).toStrictEqual(NO_TOKEN);
      await create(WEB, tenant, await adminToken(tenant));
    } finally {
      await tenant.close();
    }
  });
});

describe('§3 the request schema', () => {
  it.each([
    [
      'no body type',
      { raw: '{}', type: 'text/plain' },
      'the request body must be application/json',
    ],
    ['broken JSON', { raw: '{"redirect_uris": [' }, 'the request body is not valid JSON'],
    ['an array', { raw: '[]' }, 'the request body must be a JSON object'],
    ['no redirect_uris (§3 row 19)', { json: {} }, 'redirect_uris is required'],
    [
      'a member outside the schema (contacts)',
      { json: { ...WEB, contacts: ['a@b.example'] } },
      'unknown field contacts',
    ],
    [
      'a localized name',
      { json: { ...WEB, 'client_name#fr': 'Facturation' } },
      'unknown field client_name#fr',
    ],
    ['jwks by value', { json: { ...WEB, jwks: { keys: [] } } }, 'unknown field jwks'],
    [
      'a string where a list goes',
      { json: { redirect_uris: 'https://app.example/cb' } },
      'redirect_uris must be of type string_list',
    ],
    [
      'a string where a boolean goes',
      { json: { ...WEB, enforce_pkce: 'true' } },
      'enforce_pkce must be of type boolean',
    ],
    [
      'a negative request_object_lifetime',
      { json: { ...WEB, request_object_lifetime: -1 } },
      'request_object_lifetime must be of type integer',
    ],
    [
      'claims as a string',
      { json: { ...WEB, id_token_claims: 'email' } },
      'id_token_claims must be of type string_list',
    ],
    [
      'a mapping entry with an unknown name',
      { json: { ...WEB, token_request_mapping: [{ name: 'other', custom: 'x' }] } },
      'token_request_mapping must be of type request_mappings',
    ],
    [
      'a response mapping entry with an unknown type',
      { json: { ...WEB, token_response_mapping: [{ name: 'scope', type: 'cookie' }] } },
      'token_response_mapping must be of type response_mappings',
    ],
    [
      'the auth method none (§3 row 40)',
      { json: { ...WEB, token_endpoint_auth_method: 'none' } },
      'token_endpoint_auth_method none is not supported',
    ],
    [
      'client_secret_jwt (§3 row 40)',
      { json: { ...WEB, token_endpoint_auth_method: 'client_secret_jwt' } },
      'token_endpoint_auth_method client_secret_jwt is not supported',
    ],
    [
      'a consent action outside the enum (§3 row 10)',
      { json: { ...WEB, consent_action: 'sometimes' } },
      'consent_action sometimes is not supported',
    ],
    [
      'client_credentials (§3 row 12, §7)',
      { json: { ...WEB, grant_types: ['client_credentials'] } },
      "grant type 'client_credentials' is not allowed",
    ],
    [
      'a combined response type (§3 row 28)',
      { json: { ...WEB, response_types: ['code id_token'] } },
      "response type 'code id_token' is not allowed",
    ],
    [
      'a signing algorithm outside §1',
      { json: { ...WEB, id_token_signed_response_alg: 'EdDSA' } },
      'id_token_signed_response_alg EdDSA is not supported',
    ],
    [
      'an unknown JWE algorithm',
      { json: { ...WEB, userinfo_encrypted_response_alg: 'RSA1_5' } },
      'userinfo_encrypted_response_alg RSA1_5 is not supported',
    ],
    [
      'an unknown JWE encoding',
      { json: { ...WEB, request_object_encryption_enc: 'A128KW' } },
      'request_object_encryption_enc A128KW is not supported',
    ],
    [
      'a caller-chosen client_id on a tenant without allow_custom_client_creds (§1)',
      { json: { ...WEB, client_id: 'chosen' } },
      'custom client credentials are not allowed',
    ],
    [
      'a caller-chosen client_secret likewise',
      { json: { ...WEB, client_secret: 'chosen' } },
      'custom client credentials are not allowed',
    ],
    [
      'private_key_jwt without jwks_uri (§3 row 18)',
      { json: { ...WEB, token_endpoint_auth_method: 'private_key_jwt' } },
      'private_key_jwt requires jwks_uri',
    ],
    [
      'tls_client_auth without a subject',
      { json: { ...WEB, token_endpoint_auth_method: 'tls_client_auth' } },
      'tls_client_auth requires exactly one tls_client_auth subject',
    ],
    [
      'an http initiate_login_uri (§3 row 17)',
      { json: { ...WEB, initiate_login_uri: 'http://app.example/login' } },
      'initiate_login_uri must use https',
    ],
    ['a relative jwks_uri', { json: { ...WEB, jwks_uri: '/jwks' } }, 'jwks_uri is not a valid URI'],
    [
      'a relative request URI',
      { json: { ...WEB, request_uris: ['/r'] } },
      'request URI /r is not valid',
    ],
  ])('refuses %s with 400 invalid_client_metadata', async (_name, sent, description) => {
    const before = ibm.clientCount();
    const answer = await send('POST', '/oauth2/register', { token: admin, ...sent });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(metadataError(description));
    expect(ibm.clientCount()).toBe(before);
  });

  it.each([['/cb'], ['https://app.example/cb#x']])(
    'refuses the redirect URI %s with 400 invalid_redirect_uri',
    async (uri) => {
      const answer = await send('POST', '/oauth2/register', {
        token: admin,
        json: { redirect_uris: [uri] },
      });
      expect({ status: answer.status, body: answer.body }).toStrictEqual(
        error(400, 'invalid_redirect_uri', `redirect URI ${uri} is not valid`),
      );
    },
  );
});

describe('§4 what it answers', () => {
  it('creates with 201 and the whole client: string times, IBM defaults, "none" encryption, claim maps', async () => {
    const body = await create({
      ...WEB,
      client_name: 'Billing',
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_claims: ['email'],
    });
    expect(body).toStrictEqual({
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_secret: expect.stringMatching(/^[\w-]{32}$/),
      client_id_issued_at: expect.stringMatching(/^\d{10}$/),
      client_secret_expires_at: '0',
      registration_access_token: expect.any(String),
      registration_client_uri: `${ibm.baseUrl}/oauth2/register/${body.client_id as string}`,
      redirect_uris: ['https://app.example/cb'],
      client_name: 'Billing',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      authorization_signed_response_alg: 'RS256',
      authorization_encrypted_response_alg: 'none',
      authorization_encrypted_response_enc: 'none',
      id_token_encrypted_response_alg: 'none',
      id_token_encrypted_response_enc: 'none',
      request_object_encryption_alg: 'none',
      request_object_encryption_enc: 'none',
      userinfo_encrypted_response_alg: 'none',
      userinfo_encrypted_response_enc: 'none',
      consent_action: 'always_prompt',
      enforce_pkce: true,
      all_users_entitled: false,
      require_pushed_authorization_requests: false,
      tls_client_certificate_bound_access_tokens: false,
      restrict_api_entitlements: false,
      request_object_check_expiry: false,
      request_object_parameters_only: false,
      token_endpoint_auth_single_use_jti: false,
      id_token_map: [{ name: 'email', attribute_id: expect.stringMatching(/^\d+$/) }],
      token_map: [],
    });
  });

  it('reads with the admin token or the client RAT; PUT replaces the whole client; DELETE answers 204', async () => {
    const created = await create({ ...WEB, client_name: 'Before', consent_action: 'never_prompt' });
    const path = `/oauth2/register/${created.client_id as string}`;
    const rat = created.registration_access_token as string;
    for (const token of [admin, rat]) {
      const read = await send('GET', path, { token });
      expect([read.status, read.body]).toStrictEqual([200, created]);
    }
    const updated = await send('PUT', path, {
      token: admin,
      json: { redirect_uris: ['https://app.example/new'] },
    });
    expect(updated.status, updated.text).toBe(200);
    // §6 [S]: full replacement: the name and the consent action are gone, the id, secret,
    // time and RAT stay.
    const kept = { ...created };
    delete kept.client_name;
    expect(updated.body).toStrictEqual({
      ...kept,
      redirect_uris: ['https://app.example/new'],
      consent_action: 'always_prompt',
    });
    const deleted = await send('DELETE', path, { token: admin });
    expect([deleted.status, deleted.text]).toStrictEqual([204, '']);
  });

  it('answers an unknown client with 404 invalid_client on GET, PUT and DELETE (§6 [S])', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await send(method, '/oauth2/register/gone', { token: admin, json: WEB });
      expect({ status: answer.status, body: answer.body }, method).toStrictEqual(
        error(404, 'invalid_client', 'the client does not exist'),
      );
    }
  });

  it("refuses another client's RAT with 401", async () => {
    const first = await create();
    const second = await create();
    const answer = await send('GET', `/oauth2/register/${first.client_id as string}`, {
      token: second.registration_access_token as string,
    });
    expect({ status: answer.status, body: answer.body }).toStrictEqual(NO_TOKEN);
  });

  it('a PUT may repeat the client id and secret, not change them (§6 [S]), and is checked like a create', async () => {
    const created = await create();
    const path = `/oauth2/register/${created.client_id as string}`;
    const same = await send('PUT', path, {
      token: admin,
      json: { ...WEB, client_id: created.client_id, client_secret: created.client_secret },
    });
    expect(same.status, same.text).toBe(200);
    for (const [change, description] of [
      [{ client_id: 'other' }, 'client_id cannot be changed'],
      [{ client_secret: 'other' }, 'client_secret cannot be changed'],
      [{ grant_types: ['client_credentials'] }, "grant type 'client_credentials' is not allowed"],
    ] as const) {
      const answer = await send('PUT', path, { token: admin, json: { ...WEB, ...change } });
      expect({ status: answer.status, body: answer.body }).toStrictEqual(
        metadataError(description),
      );
    }
  });
});

describe('§1 tenant profile switches', () => {
  it('legacy_post_response_code: a create answers 200', async () => {
    const tenant = await startIbmVerify({ legacyPostResponseCode: true });
    try {
      const answer = await send(
        'POST',
        '/oauth2/register',
        { token: await adminToken(tenant), json: WEB },
        tenant,
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toHaveProperty('client_id');
    } finally {
      await tenant.close();
    }
  });

  it('allow_custom_client_creds: a create may choose its id and secret, once', async () => {
    const tenant = await startIbmVerify({ allowCustomClientCreds: true });
    try {
      const token = await adminToken(tenant);
      const chosen = { ...WEB, client_id: 'chosen-id', client_secret: 'chosen-secret' };
      const body = await create(chosen, tenant, token);
      expect([body.client_id, body.client_secret]).toStrictEqual(['chosen-id', 'chosen-secret']);
      const again = await send('POST', '/oauth2/register', { token, json: chosen }, tenant);
      expect({ status: again.status, body: again.body }).toStrictEqual(
        metadataError('the client_id is already in use'),
      );
    } finally {
      await tenant.close();
    }
  });
});
