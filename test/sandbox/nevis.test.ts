import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNevis, type Nevis } from '../../src/sandbox/nevis/server.js';

/**
 * The strict nevisMeta simulator on a real port: for every rule it takes from the contract
 * (`shared/vendors/nevis.md`, cited as §N), a request that breaks the rule and the vendor's
 * exact answer, and the shape of what it accepts.
 */

let nevis: Nevis;
let closed: Nevis;

beforeAll(async () => {
  nevis = await startNevis({ setupId: SETUP });
  closed = await startNevis({ setupId: SETUP, openRegistration: false });
});
afterAll(async () => {
  await nevis.close();
  await closed.close();
});

const SETUP = '34e54c81e76b517d63e49972de73fda0';
const V3 = `/nevismeta/rest/v3/modules/oauthv2/setups/${SETUP}/clients`;
const V2 = `/nevismeta/rest/v2/modules/oauthv2/setups/${SETUP}/clients`;

interface Answer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read wire JSON freely
  readonly body: any;
  readonly text: string;
}

type Credential = 'bearer' | 'basic' | 'none' | string;

function authorization(server: Nevis, credential: Credential): string | undefined {
  if (credential === 'none') return undefined;
  if (credential === 'bearer') return `Bearer ${server.admin.token}`;
  if (credential === 'basic')
    return `Basic ${Buffer.from(`${server.admin.username}:${server.admin.password}`).toString('base64')}`;
  return credential;
}

async function send(
  method: string,
  path: string,
  options: { json?: unknown; raw?: string; type?: string; auth?: Credential; server?: Nevis } = {},
): Promise<Answer> {
  const server = options.server ?? nevis;
  const headers: Record<string, string> = {};
  const auth = authorization(server, options.auth ?? 'bearer');
  if (auth !== undefined) headers.authorization = auth;
  const body = options.json === undefined ? options.raw : JSON.stringify(options.json);
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const response = await fetch(`${server.baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, text, body: text === '' ? undefined : JSON.parse(text) };
}

const WEB = { redirect_uris: ['https://app.example/cb'], client_name: 'Billing' };

/** A V3 create, its entity id looked up, and its V2 show. */
async function created(body: Record<string, unknown> = WEB) {
  const answer = await send('POST', V3, { json: body });
  expect(answer.status, answer.text).toBe(201);
  const lookup = await send('GET', `${V2}?client_id=${answer.body.client_id}`);
  const entity = lookup.body.clientIds[0] as string;
  const show = await send('GET', `${V2}/${entity}`);
  return { answer: answer.body, entity, show: show.body as Record<string, unknown> };
}

const v3Refusal = (error: string, description: string) => ({
  status: 400,
  body: { error, error_description: description },
});

describe('§1 paths and methods', () => {
  it.each([
    ['GET', '/nevismeta/rest/v3/modules/oauthv2/setups'],
    ['GET', `/nevismeta/rest/v1/modules/oauthv2/setups/${SETUP}/clients`],
    ['POST', `/nevismeta/rest/v3/modules/oauthv2/setups/${SETUP}/clients/x`],
    ['GET', `${V2}/not-an-entity-id`],
    ['GET', `${V2}/${'a'.repeat(32)}/snapshots/x`],
    ['POST', `/rest/v3/modules/oauthv2/setups/${SETUP}/clients`],
  ])('%s %s is 404', async (method, path) => {
    const answer = await send(method, path, method === 'POST' ? { json: WEB } : {});
    expect(answer.status).toBe(404);
  });

  it.each([
    ['GET', V3],
    ['PUT', V3],
    ['POST', V2],
    ['DELETE', V2],
    ['PATCH', `${V2}/${'a'.repeat(32)}`],
  ])('%s %s is 405 without a body', async (method, path) => {
    expect(await send(method, path)).toStrictEqual({ status: 405, text: '', body: undefined });
  });

  it('an unknown setup or module is 404 SETUP_NOT_FOUND, in each API its own way', async () => {
    const other = '0'.repeat(32);
    expect(
      await send('POST', `/nevismeta/rest/v3/modules/oauthv2/setups/${other}/clients`, {
        json: WEB,
      }),
    ).toMatchObject({
      status: 404,
      body: { error: 'not_found', error_description: 'SETUP_NOT_FOUND' },
    });
    for (const path of [
      `/nevismeta/rest/v2/modules/oauthv2/setups/${other}/clients`,
      `/nevismeta/rest/v2/modules/oauth/setups/${SETUP}/clients`,
    ])
      expect(await send('GET', path)).toMatchObject({
        status: 404,
        body: { error: 'SETUP_NOT_FOUND', error_description: 'unknown setup' },
      });
  });
});

describe('§2 the admin credential', () => {
  it.each(['none', 'Bearer wrong', 'Basic YWRtaW46bmluamE=', 'Token x'])(
    'V2 refuses %s with an empty 401',
    async (auth) => {
      expect(await send('GET', V2, { auth })).toStrictEqual({
        status: 401,
        text: '',
        body: undefined,
      });
    },
  );

  it('V2 takes the technical user bearer token and the dev-mode Basic user', async () => {
    expect((await send('GET', V2, { auth: 'bearer' })).status).toBe(200);
    expect((await send('GET', V2, { auth: 'basic' })).status).toBe(200);
  });

  it('V3 is open by default (8.2411), behind the admin credential when not (7.x)', async () => {
    expect((await send('POST', V3, { json: WEB, auth: 'none' })).status).toBe(201);
    const refused = await send('POST', V3, { json: WEB, auth: 'none', server: closed });
    expect(refused).toStrictEqual({ status: 401, text: '', body: undefined });
    expect((await send('POST', V3, { json: WEB, auth: 'basic', server: closed })).status).toBe(201);
  });
});

describe('§3 V3 create: the body', () => {
  it('refuses other media types (415) and text that is not a JSON object (MALFORMED_PAYLOAD)', async () => {
    expect((await send('POST', V3, { raw: '{}', type: 'text/plain' })).status).toBe(415);
    for (const raw of ['{', '[]', '"x"'])
      expect(await send('POST', V3, { raw })).toMatchObject(
        v3Refusal('malformed_payload', 'invalid JSON'),
      );
  });

  it.each([
    ['redirect_uris', 'https://app.example/cb'],
    ['grant_types', 'authorization_code'],
    ['contacts', [1]],
    ['client_name', 7],
    ['scope', ['openid']],
    ['require_pushed_authorization_requests', true],
    ['metadata', [{ name: 'client_name', value: 'x', extra: 1 }]],
    ['metadata', [{ name: 'client_name' }]],
    ['jwks', [{ kty: 'RSA' }]],
  ])('a mistyped %s is MALFORMED_PAYLOAD', async (member, value) => {
    expect(await send('POST', V3, { json: { ...WEB, [member]: value } })).toMatchObject(
      v3Refusal('malformed_payload', `${member} has the wrong type`),
    );
  });

  it('an unknown member that is no string cannot be bound; one that is becomes metadata', async () => {
    expect(await send('POST', V3, { json: { ...WEB, require_auth_time: false } })).toMatchObject(
      v3Refusal('malformed_payload', 'require_auth_time cannot be bound'),
    );
    const { answer, show } = await created({
      ...WEB,
      custom_metadata: 'Nevis',
      'custom_metadata#de': 'Nevis auf Deutsch',
    });
    expect(answer).toMatchObject({
      custom_metadata: 'Nevis',
      'custom_metadata#de': 'Nevis auf Deutsch',
    });
    expect(show.metadata).toStrictEqual([
      { name: 'custom_metadata', value: 'Nevis', locale: null },
      { name: 'custom_metadata', value: 'Nevis auf Deutsch', locale: 'de' },
    ]);
  });

  it.each([
    ['redirect_uris', { client_name: 'Billing' }],
    ['client_name', { redirect_uris: ['https://app.example/cb'] }],
  ])('a missing %s is INVALID_CLIENT_METADATA', async (member, body) => {
    expect(await send('POST', V3, { json: body })).toMatchObject(
      v3Refusal('invalid_client_metadata', `missing required attribute ${member}`),
    );
  });

  it.each([
    [{ redirect_uris: ['https://app.example/cb#frag'] }, 'unparsable URI or URI with fragment'],
    [{ redirect_uris: ['not a uri'] }, 'unparsable URI or URI with fragment'],
    [{ redirect_uris: [] }, 'a redirect-based grant needs a redirect URI'],
  ])('%j is INVALID_REDIRECT_URI', async (members, description) => {
    expect(await send('POST', V3, { json: { ...WEB, ...members } })).toMatchObject(
      v3Refusal('invalid_redirect_uri', description),
    );
  });

  it.each([
    [{ grant_types: ['password'] }, 'unknown grant type password'],
    [{ response_types: ['code', 'none'] }, 'unknown response type'],
    [
      { grant_types: ['authorization_code'], response_types: ['token'] },
      'bad response type for code grant',
    ],
    [
      { grant_types: ['implicit'], response_types: ['code'] },
      'bad response type for implicit grant',
    ],
    [
      { token_endpoint_auth_method: 'tls_client_auth' },
      'unknown token endpoint authentication method',
    ],
    [
      {
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'none',
      },
      'client_credentials with a public client',
    ],
    [{ scope: 'openid payroll' }, 'Invalid scope'],
    [
      { id_token_signed_response_alg: 'PS256' },
      'id_token_signed_response_alg has an unsupported value',
    ],
    [
      { id_token_signed_response_alg: 'HS256' },
      'id_token_signed_response_alg has an unsupported value',
    ],
    [
      { id_token_signed_response_alg: 'none' },
      'id_token_signed_response_alg has an unsupported value',
    ],
    [
      { id_token_encrypted_response_alg: 'dir' },
      'id_token_encrypted_response_alg has an unsupported value',
    ],
    [
      { id_token_encrypted_response_enc: 'A128CBC_HS256' },
      'id_token_encrypted_response_enc has an unsupported value',
    ],
    [
      { require_pushed_authorization_requests: 'yes' },
      'require_pushed_authorization_requests has an unsupported value',
    ],
    [{ client_uri: 'app.example' }, 'client_uri is not a URI'],
    [{ logo_uri: '/logo.png' }, 'logo_uri is not a URI'],
    [{ client_name: 'n'.repeat(256) }, 'value too long for its column'],
    [{ software_id: 's'.repeat(256) }, 'value too long for its column'],
    [{ tos_uri: `https://app.example/${'t'.repeat(2048)}` }, 'value too long for its column'],
    [{ metadata: [{ name: 'client_name', value: 'Billing', locale: 'de DE' }] }, 'invalid locale'],
    [{ jwks: { keys: [{ keyType: { value: 'RSA' } }] } }, 'jwks is not a JWK Set'],
    [{ client_id: 'with space' }, 'invalid client_id'],
    [{ client_secret: 'tab\tbed' }, 'invalid client_secret'],
    [{ valid_from: '2020-01-01T00:00:00Z' }, 'valid_from in the past'],
  ])('%j is INVALID_CLIENT_METADATA', async (members, description) => {
    expect(await send('POST', V3, { json: { ...WEB, ...members } })).toMatchObject(
      v3Refusal('invalid_client_metadata', description),
    );
  });

  it('a client_id already taken in the setup is INVALID_CLIENT_METADATA', async () => {
    expect((await send('POST', V3, { json: { ...WEB, client_id: 'taken-1' } })).status).toBe(201);
    expect(await send('POST', V3, { json: { ...WEB, client_id: 'taken-1' } })).toMatchObject(
      v3Refusal('invalid_client_metadata', 'duplicate client_id'),
    );
  });
});

describe('§3 V3 create: the answer', () => {
  it('is 201 with the credentials, a millisecond issue time, "0" and one-element lists as strings', async () => {
    const before = Date.now();
    const answer = await send('POST', V3, { json: WEB });
    expect(answer.status).toBe(201);
    expect(answer.body).toStrictEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_secret: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_secret_expires_at: '0',
      client_id_issued_at: expect.any(Number),
      client_name: 'Billing',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: 'authorization_code',
      response_types: 'code',
    });
    expect(answer.body.client_id_issued_at).toBeGreaterThanOrEqual(before);
    expect(answer.body.client_id_issued_at).toBeLessThanOrEqual(Date.now());
  });

  it('a public client gets no secret and no expiry; lists of two stay lists', async () => {
    const { answer } = await created({
      ...WEB,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(answer).toStrictEqual({
      client_id: expect.any(String),
      client_id_issued_at: expect.any(Number),
      client_name: 'Billing',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: 'code',
    });
  });

  it('a caller may choose its client id and secret', async () => {
    const { answer } = await created({ ...WEB, client_id: 'chosen', client_secret: 's3cret' });
    expect(answer).toMatchObject({ client_id: 'chosen', client_secret: 's3cret' });
    expect(nevis.secret('chosen')).toBe('s3cret');
  });

  it('a client valid from a future time has no snapshot to show yet', async () => {
    const answer = await send('POST', V3, {
      json: { ...WEB, valid_from: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const entity = (await send('GET', `${V2}?client_id=${answer.body.client_id}`)).body
      .clientIds[0];
    expect(await send('GET', `${V2}/${entity}`)).toMatchObject({
      status: 404,
      body: { error: 'SNAPSHOT_NOT_FOUND' },
    });
  });
});

describe('§4 V2: list, lookup, show', () => {
  it('the lookup finds the entity id of an OAuth client id; unknown ids find none', async () => {
    const { answer, entity } = await created();
    expect(entity).toMatch(/^[0-9a-f]{32}$/);
    expect(entity).not.toBe(answer.client_id);
    expect(await send('GET', `${V2}?client_id=nobody`)).toMatchObject({
      status: 200,
      body: { clientIds: [] },
    });
    expect((await send('GET', V2)).body.clientIds).toContain(entity);
  });

  it.each(['?name=x', '?client_id=a&client_id=b'])(
    'a query it does not take (%s) is MALFORMED_QUERY_PARAMETER',
    async (query) => {
      expect(await send('GET', `${V2}${query}`)).toStrictEqual({
        status: 400,
        text: expect.any(String),
        body: {
          error: 'MALFORMED_QUERY_PARAMETER',
          error_description: 'unsupported query parameter',
        },
      });
    },
  );

  it('show answers the definition in V2 names, scopes a list, no secret', async () => {
    const { answer, entity, show } = await created({
      ...WEB,
      scope: 'openid profile',
      'client_name#de': 'Abrechnungsportal',
      metadata: [{ name: 'client_name', value: 'Abrechnung', locale: 'de' }],
      require_pushed_authorization_requests: 'true',
    });
    expect(show).toStrictEqual({
      clientId: entity,
      client_id: answer.client_id,
      name: 'Billing',
      confidentiality_type: 'confidential',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scopes: ['openid', 'profile'],
      contacts: [],
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://app.example/cb'],
      client_name: 'Billing',
      require_pushed_authorization_requests: 'true',
      metadata: [
        { name: 'client_name', value: 'Abrechnung', locale: 'de' },
        { name: 'client_name', value: 'Abrechnungsportal', locale: 'de' },
      ],
      validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(show).not.toHaveProperty('client_secret');
  });

  it('an unknown entity is 404 CLIENT_NOT_FOUND for show, edit and delete', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'])
      expect(
        await send(method, `${V2}/${'f'.repeat(32)}`, method === 'PUT' ? { json: {} } : {}),
      ).toMatchObject({ status: 404, body: { error: 'CLIENT_NOT_FOUND' } });
  });
});

describe('§4 V2 edit: the full definition', () => {
  /** The show of a fresh client, as a read-modify-write starts: ids kept, `validFrom` not. */
  async function editable(body: Record<string, unknown> = WEB) {
    const { entity, show } = await created(body);
    const definition = { ...show };
    delete definition.validFrom;
    return { entity, definition };
  }

  it('replaces the definition (204), keeps the secret, answers the new one on show', async () => {
    const { entity, definition } = await editable();
    const clientId = definition.client_id as string;
    const secret = nevis.secret(clientId);
    const edit = await send('PUT', `${V2}/${entity}`, {
      json: { ...definition, redirect_uris: ['https://app.example/new'], scopes: ['email'] },
    });
    expect(edit).toStrictEqual({ status: 204, text: '', body: undefined });
    expect(nevis.client(clientId)).toMatchObject({
      redirect_uris: ['https://app.example/new'],
      scopes: ['email'],
    });
    expect(nevis.secret(clientId)).toBe(secret);
  });

  it.each([
    [{ scope: 'openid' }, 'unknown attribute scope'],
    [{ client_secret: 'x' }, 'unknown attribute client_secret'],
    [{ application_type: 'web' }, 'unknown attribute application_type'],
    [{ scopes: 'openid' }, 'scopes has the wrong type'],
    [{ clientId: 'a'.repeat(32) }, 'clientId does not name this client'],
    [{ validFrom: '2020-01-01T00:00:00Z' }, 'validFrom in the past'],
  ])('%j is MALFORMED_PAYLOAD', async (members, description) => {
    const { entity, definition } = await editable();
    expect(
      await send('PUT', `${V2}/${entity}`, { json: { ...definition, ...members } }),
    ).toMatchObject({
      status: 400,
      body: { error: 'MALFORMED_PAYLOAD', error_description: description },
    });
  });

  it('the show as it is, validFrom included, is refused: that snapshot is past', async () => {
    const { entity, show } = await created();
    expect(await send('PUT', `${V2}/${entity}`, { json: show })).toMatchObject({
      status: 400,
      body: { error: 'MALFORMED_PAYLOAD', error_description: 'validFrom in the past' },
    });
  });

  it.each(['name', 'confidentiality_type', 'redirect_uris'])(
    'a definition without %s is MALFORMED_PAYLOAD (an edit replaces)',
    async (member) => {
      const { entity, definition } = await editable();
      const rest = { ...definition };
      delete rest[member];
      expect(await send('PUT', `${V2}/${entity}`, { json: rest })).toMatchObject({
        status: 400,
        body: { error: 'MALFORMED_PAYLOAD', error_description: `missing attribute ${member}` },
      });
    },
  );

  it.each([
    [{ client_id: 'another' }, 'client_id cannot change'],
    [{ confidentiality_type: 'public' }, 'confidentiality_type cannot change'],
    [
      { token_endpoint_auth_method: 'none' },
      'token_endpoint_auth_method does not fit confidentiality_type',
    ],
    [{ scopes: ['payroll'] }, 'Invalid scope'],
    [
      { id_token_signed_response_alg: 'PS256' },
      'id_token_signed_response_alg has an unsupported value',
    ],
  ])('%j is INVALID_CLIENT_METADATA', async (members, description) => {
    const { entity, definition } = await editable();
    expect(
      await send('PUT', `${V2}/${entity}`, { json: { ...definition, ...members } }),
    ).toMatchObject({
      status: 400,
      body: { error: 'INVALID_CLIENT_METADATA', error_description: description },
    });
  });

  it('a redirect URI with a fragment is INVALID_REDIRECT_URI', async () => {
    const { entity, definition } = await editable();
    expect(
      await send('PUT', `${V2}/${entity}`, {
        json: { ...definition, redirect_uris: ['https://app.example/cb#x'] },
      }),
    ).toMatchObject({ status: 400, body: { error: 'INVALID_REDIRECT_URI' } });
  });

  it('a future validFrom schedules a snapshot; the current one stays; the same time twice is refused', async () => {
    const { entity, definition } = await editable();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = { ...definition, client_name: 'Later', validFrom: later };
    expect((await send('PUT', `${V2}/${entity}`, { json: scheduled })).status).toBe(204);
    expect((await send('GET', `${V2}/${entity}`)).body.client_name).toBe('Billing');
    expect(await send('PUT', `${V2}/${entity}`, { json: scheduled })).toMatchObject({
      status: 400,
      body: { error: 'MALFORMED_PAYLOAD', error_description: 'duplicate validFrom' },
    });
  });

  it('refuses a body that is not JSON with MALFORMED_PAYLOAD', async () => {
    const { entity } = await editable();
    expect(await send('PUT', `${V2}/${entity}`, { raw: '{' })).toMatchObject({
      status: 400,
      body: { error: 'MALFORMED_PAYLOAD' },
    });
  });
});

describe('§4 V2 delete', () => {
  it('deletes the client and its snapshots (204); then it is 404', async () => {
    const { answer, entity } = await created();
    const count = nevis.clientCount();
    expect(await send('DELETE', `${V2}/${entity}`)).toStrictEqual({
      status: 204,
      text: '',
      body: undefined,
    });
    expect(nevis.clientCount()).toBe(count - 1);
    expect(nevis.client(answer.client_id)).toBeUndefined();
    expect((await send('DELETE', `${V2}/${entity}`)).status).toBe(404);
  });
});
