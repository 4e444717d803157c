import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/default-config.js';
import { TOKEN_COOLDOWN_MS } from '../../src/backends/admin-auth.js';
import { AUTH_METHODS, startSandboxForgeRockAm } from '../../src/sandbox/forgerock-am/index.js';
import { call, listenGateway, type TestGateway } from '../support/gateway.js';

/**
 * The mapping never sends the AM simulator a request it refuses: valid RFC 7591 metadata of
 * every shape, through the real gateway (validation, policy, mapping) on the sandbox route,
 * is registered (201) and updated (200), or refused by the gateway itself before any vendor
 * call, never by AM (whose refusals the gateway words as "the identity provider rejected ...")
 * and never with a 5xx. The one documented AM refusal the gateway passes on (a public client
 * asking for an HMAC algorithm, conformance `refusals`) is left out of the inputs.
 */
const REGISTER = '/sandbox/forgerock-am/register';
let sandbox: Sandbox;
let gateway: TestGateway;

beforeAll(async () => {
  sandbox = await startSandbox({ PORT: '0' });
  gateway = await listenGateway(assemble(sandbox.config));
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all(sandbox?.backends.map((backend) => backend.close()) ?? []);
});

const URI = 'https://app.example/x';
// What the mapping's capabilities accept (others the gateway refuses before any call).
const SIGNING = ['RS256', 'ES256', 'PS384', 'HS256', 'HS512'];
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Grant and response types that agree (RFC 7591 section 2.1), or none: the defaults. */
const flows = fc.constantFrom<Record<string, string[]>>(
  {},
  { grant_types: ['authorization_code'], response_types: ['code'] },
  { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
  {
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
  },
  { grant_types: ['client_credentials'], response_types: [] },
  // device_code is not granted in the sandbox realm: the gateway drops it (substitute).
  { grant_types: ['authorization_code', DEVICE_CODE], response_types: ['code'] },
);
const SIGNED = [
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'request_object_signing_alg',
  'authorization_signed_response_alg',
  'token_endpoint_auth_signing_alg',
] as const;

const localized = fc
  .dictionary(
    fc.constantFrom('en', 'de-CH', 'ja-Jpan-JP', 'fr', 'zh-Hant-TW', 'DE-ch', 'sr-Latn-RS'),
    fc.string({ minLength: 1, maxLength: 8 }),
    { maxKeys: 3 },
  )
  .map((names) =>
    Object.fromEntries(Object.entries(names).map(([tag, name]) => [`client_name#${tag}`, name])),
  );

const metadata = fc
  .tuple(
    fc.record(
      {
        redirect_uris: fc.uniqueArray(
          fc.constantFrom(
            'https://app.example/cb',
            'https://app.example/other',
            'http://127.0.0.1:33418/',
            'http://localhost:6274/oauth/callback',
            'cursor://cb',
          ),
          { minLength: 1, maxLength: 3 },
        ),
        client_name: fc.string({ minLength: 1, maxLength: 20 }),
        client_uri: fc.constant(URI),
        logo_uri: fc.constant(URI),
        policy_uri: fc.constant(URI),
        tos_uri: fc.constant(URI),
        'logo_uri#fr': fc.constant(URI),
        scope: fc
          .subarray([
            'openid',
            'profile',
            'email',
            'address',
            'phone',
            'offline_access',
            'mcp:tools',
          ])
          .map((scopes) => scopes.join(' ')),
        token_endpoint_auth_method: fc.constantFrom(...AUTH_METHODS),
        application_type: fc.constantFrom('web', 'native'),
        contacts: fc.constant(['ops@app.example']),
        jwks_uri: fc.constant('https://app.example/jwks'),
        sector_identifier_uri: fc.constant('https://app.example/sector'),
        subject_type: fc.constantFrom('public', 'pairwise'),
        id_token_signed_response_alg: fc.constantFrom(...SIGNING),
        userinfo_signed_response_alg: fc.constantFrom(...SIGNING),
        request_object_signing_alg: fc.constantFrom(...SIGNING),
        authorization_signed_response_alg: fc.constantFrom(...SIGNING),
        token_endpoint_auth_signing_alg: fc.constantFrom('RS256', 'ES256', 'HS256'),
        id_token_encrypted_response_alg: fc.constantFrom('RSA-OAEP', 'RSA-OAEP-256'),
        id_token_encrypted_response_enc: fc.constantFrom('A128CBC-HS256', 'A256GCM'),
        userinfo_encrypted_response_alg: fc.constantFrom('RSA-OAEP-256', 'RSA1_5'),
        default_max_age: fc.nat(86_400),
        require_auth_time: fc.boolean(),
        default_acr_values: fc.constant(['urn:acr:1']),
        initiate_login_uri: fc.constant('https://app.example/login'),
        request_uris: fc.constant(['https://app.example/request']),
        post_logout_redirect_uris: fc.constant(['https://app.example/bye']),
        tls_client_auth_subject_dn: fc.constant('CN=app'),
        tls_client_certificate_bound_access_tokens: fc.boolean(),
        backchannel_logout_uri: fc.constant('https://app.example/logout'),
        backchannel_logout_session_required: fc.boolean(),
        require_pushed_authorization_requests: fc.boolean(),
        software_id: fc.constant('app'),
      },
      { requiredKeys: ['redirect_uris'] },
    ),
    localized,
    flows,
  )
  .map(([members, names, flow]) => ({ ...members, ...names, ...flow }) as Record<string, unknown>)
  // The documented refusal AM makes itself (contract section 5): symmetric algorithms for a
  // public client.
  .filter(
    (body) =>
      body.token_endpoint_auth_method !== 'none' ||
      SIGNED.every((name) => !String(body[name] ?? '').startsWith('HS')),
  );

/** A refusal the gateway made itself: its own words, never the vendor's. */
function expectGatewayRefusal(response: { status: number; body: { error_description?: string } }) {
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.body.error_description).not.toMatch(/^the identity provider/);
}

describe('the forgerock-am mapping and the AM simulator', () => {
  it('never sends AM a request it refuses, on create and on update', async () => {
    let registered = 0;
    let updated = 0;
    await fc.assert(
      fc.asyncProperty(metadata, metadata, async (first, second) => {
        const created = await call('POST', `${gateway.url}${REGISTER}`, { body: first });
        if (created.status !== 201) return expectGatewayRefusal(created);
        registered++;
        const client = created.body;
        const put = await call('PUT', client.registration_client_uri, {
          token: client.registration_access_token,
          body: { ...second, client_id: client.client_id },
        });
        if (put.status !== 200) return expectGatewayRefusal(put);
        updated++;
        const read = await call('GET', client.registration_client_uri, {
          token: put.body.registration_access_token,
        });
        expect(read.status).toBe(200);
        expect(read.body).toStrictEqual(put.body);
      }),
      { numRuns: 60 },
    );
    // The property says something only if most inputs reached AM.
    expect(registered).toBeGreaterThan(20);
    expect(updated).toBeGreaterThan(10);
  });
});

describe('the registration token', () => {
  it('a revoked realm token is replaced once with a fresh one, and the create succeeds', async () => {
    const body = { redirect_uris: ['https://app.example/cb'] };
    expect((await call('POST', `${gateway.url}${REGISTER}`, { body })).status).toBe(201);
    // The gateway holds a cached token, older than the cooldown that keeps a fresh token from
    // being refetched; AM no longer knows it and answers 401 invalid_token.
    await new Promise((resolve) => setTimeout(resolve, TOKEN_COOLDOWN_MS + 100));
    sandbox.forgerockAm.revokeAccessTokens();
    const again = await call('POST', `${gateway.url}${REGISTER}`, { body });
    expect(again.status, again.text).toBe(201);
  });
});

describe('compensation', () => {
  it('a create that fails after AM stored the client leaves no client at AM', async () => {
    // AM answers a RAT too long for the gateway's own RAT to carry: the create fails after
    // AM made the client, and the mapping's delete removes it with that RAT.
    const am = await startSandboxForgeRockAm({
      mint: (purpose) => (purpose === 'rat' ? 'r'.repeat(5_000) : `${purpose}-${Math.random()}`),
    });
    const config = {
      ...sandbox.config,
      backends: sandbox.config.backends.map((backend) =>
        backend.id === 'sandbox-forgerock-am'
          ? {
              ...backend,
              baseUrl: new URL(am.baseUrl),
              admin: { clientId: am.service.clientId, clientSecret: am.service.clientSecret },
            }
          : backend,
      ),
    };
    const failing = await listenGateway(assemble(config));
    try {
      const response = await call('POST', `${failing.url}${REGISTER}`, {
        body: { redirect_uris: ['https://app.example/cb'] },
      });
      expect(response.status).toBe(502);
      expect(response.body).toStrictEqual({
        error: 'server_error',
        error_description: 'the identity provider sent an unusable response',
        request_id: response.headers.get('x-request-id'),
      });
      expect(am.clientCount()).toBe(0);
      expect(failing.logs.some((line) => line.includes('removed a partially created client'))).toBe(
        true,
      );
    } finally {
      await failing.close();
      await am.close();
    }
  });
});
