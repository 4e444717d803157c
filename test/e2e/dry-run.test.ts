import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeVendor, type FakeVendor } from '../support/fake-vendor.js';
import {
  call,
  NO_LIMITS,
  randomKey,
  startGateway,
  TEST_SERVER,
  writeConfigFile,
  type TestGateway,
} from '../support/gateway.js';
import { MAIN } from '../support/process.js';

/**
 * Operators see what the gateway would send a vendor without sending it: offline with
 * `dcr-gateway dry-run`, online on a route that allows it with `X-Dry-Run: true`. Generated
 * secrets and credentials are masked in both; nothing reaches the vendor.
 */
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const GENERATED = join(FIXTURES, 'generated-credentials.yaml');
const BODY = {
  redirect_uris: ['https://app.example/cb'],
  client_name: 'Billing',
  grant_types: ['authorization_code', 'refresh_token'],
};
const HEX_ID = /^[0-9a-f]{32}$/;

/** The create request the LemonLDAP-shaped fixture renders for BODY, with the id generated. */
const addRequest = (clientId: string) => ({
  call: 'add',
  method: 'POST',
  path: '/providers/oidc/rp',
  headers: { 'x-request-origin': 'dcr-gateway' },
  authorization: 'admin credential',
  body: {
    confKey: `dcr-${clientId}`,
    clientId,
    redirectUris: ['https://app.example/cb'],
    options: {
      refreshToken: 1,
      allowClientCredentialsGrant: 0,
      displayName: 'Billing',
      clientSecret: '***',
      public: 0,
      IDTokenSignAlg: 'RS256',
    },
  },
});
const readBack = (clientId: string) => ({
  call: 'read_back',
  method: 'GET',
  path: `/providers/oidc/rp/dcr-${clientId}`,
  authorization: 'admin credential',
});

function dryRun(...args: string[]) {
  const result = spawnSync(process.execPath, [MAIN, 'dry-run', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonFile(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dcrgw-dry-')), 'input.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('dcr-gateway dry-run', () => {
  it('prints every vendor request of a create, secrets masked', () => {
    const result = dryRun(GENERATED, '--operation', 'create', '--metadata', jsonFile(BODY));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout);
    const clientId = answer.requests[0].body.clientId;
    expect(clientId).toMatch(HEX_ID);
    expect(answer).toStrictEqual({
      dry_run: true,
      backend: 'generated_credentials_fixture',
      requests: [addRequest(clientId), readBack(clientId)],
    });
  });

  it('renders an update from the kept state, and masks the vendor RAT of a standard backend', () => {
    const state = jsonFile({
      registration_access_token: 'vendor-rat',
      registration_client_uri: 'https://idp.example/register/c1',
    });
    const result = dryRun(
      'rfc7591',
      '--operation',
      'update',
      '--client-id',
      'c1',
      '--state',
      state,
      '--metadata',
      jsonFile({ redirect_uris: ['https://app.example/cb'] }),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('vendor-rat');
    expect(JSON.parse(result.stdout)).toStrictEqual({
      dry_run: true,
      backend: 'rfc7591',
      requests: [
        {
          call: 'update',
          method: 'PUT',
          url: 'https://idp.example/register/c1',
          authorization: 'Bearer ***',
          body: {
            redirect_uris: ['https://app.example/cb'],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
            application_type: 'web',
            client_id: 'c1',
          },
        },
      ],
    });
  });

  it('says where a multi-call create stops: at a value only the vendor answer holds', () => {
    const result = dryRun(
      join(FIXTURES, 'multi-call.yaml'),
      '--operation',
      'create',
      '--param',
      'setupId=s1',
      '--metadata',
      jsonFile(BODY),
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      requests: [{ call: 'register', path: '/v3/modules/oauthv2/setups/s1/clients' }],
      stopped: 'call translate: {var.client_id} has no value',
    });
  });

  it.each([
    [
      ['rfc7591', '--operation', 'frob'],
      'dry-run: --operation must be one of create, read, update, delete',
    ],
    [
      ['rfc7591', '--operation', 'create', '--param', 'realm=x'],
      'dry-run: --param realm=x: expected NAME=VALUE with NAME one of: registration_path',
    ],
    [
      [join(FIXTURES, 'multi-call.yaml'), '--operation', 'read'],
      'dry-run: --param setupId=... is required',
    ],
    [
      [
        'rfc7591',
        '--operation',
        'create',
        '--metadata',
        jsonFile({ redirect_uris: ['javascript:x'] }),
      ],
      'invalid_redirect_uri: redirect_uris must not use the javascript: scheme',
    ],
  ])('refuses %j with a one-line reason', (args, message) => {
    const result = dryRun(...args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message}\n`);
  });
});

describe('X-Dry-Run on a route', () => {
  let vendor: FakeVendor;
  let gateway: TestGateway;

  beforeAll(async () => {
    vendor = await startFakeVendor((_request, response) => json(response, 500, {}));
    const file = writeConfigFile({
      server: TEST_SERVER,
      registration_tokens: { keys: [{ kid: 'k1', secret: { env: 'RAT_KEY' } }] },
      backends: {
        llng: {
          mapping: GENERATED,
          base_url: vendor.baseUrl,
          admin: { username: 'admin', password: { env: 'ADMIN_PASSWORD' } },
        },
      },
      routes: {
        tryout: {
          prefix: '/tryout',
          backend: 'llng',
          registration: { open: true },
          dry_run: true,
          ...NO_LIMITS,
        },
        live: { prefix: '/live', backend: 'llng', registration: { open: true }, ...NO_LIMITS },
      },
    });
    gateway = await startGateway({
      file,
      env: { RAT_KEY: randomKey(), ADMIN_PASSWORD: 'admin-password' },
    });
  });

  afterAll(async () => {
    await gateway.close();
    await vendor.close();
  });

  it('answers 200 with the masked vendor requests and sends none', async () => {
    const response = await fetch(`${gateway.url}/tryout/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dry-run': 'true' },
      body: JSON.stringify(BODY),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { requests: { body: { clientId: string } }[] };
    const clientId = body.requests[0]!.body.clientId;
    expect(clientId).toMatch(HEX_ID);
    expect(body).toStrictEqual({
      dry_run: true,
      backend: 'llng',
      requests: [addRequest(clientId), readBack(clientId)],
    });
    expect(vendor.requests).toStrictEqual([]);
    expect(gateway.logs.join('\n')).not.toContain('admin-password');
  });

  it.each([
    [
      'a member the mapping refuses to drop silently',
      { jwks: { keys: [{ kty: 'RSA', n: 'sXch', e: 'AQAB' }] } },
      'jwks cannot be registered with this identity provider: this identity provider cannot store keys by value',
    ],
    [
      'an algorithm outside the mapping',
      { id_token_signed_response_alg: 'PS256' },
      'id_token_signed_response_alg value PS256 is not supported by this identity provider (supported: RS256, ES256)',
    ],
  ])(
    'refuses %s from the mapping capabilities before any vendor call',
    async (_name, extra, description) => {
      for (const dryRun of ['true', 'false']) {
        const response = await fetch(`${gateway.url}/tryout/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-dry-run': dryRun },
          body: JSON.stringify({ ...BODY, ...extra }),
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toStrictEqual({
          error: 'invalid_client_metadata',
          error_description: description,
          request_id: response.headers.get('x-request-id'),
        });
      }
      expect(vendor.requests).toStrictEqual([]);
    },
  );

  it('is ignored on a route that does not allow it: the vendor is called', async () => {
    const response = await fetch(`${gateway.url}/live/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dry-run': 'true' },
      body: JSON.stringify(BODY),
    });
    expect(response.status).toBe(503);
    expect(vendor.requests.map((r) => `${r.method} ${r.url}`)).toStrictEqual([
      'POST /providers/oidc/rp',
    ]);
    expect(vendor.requests[0]!.authorization).toBe(
      `Basic ${Buffer.from('admin:admin-password').toString('base64')}`,
    );
  });

  it('is a dry run only for the exact value true', async () => {
    vendor.requests.length = 0;
    const response = await call('POST', `${gateway.url}/tryout/register`, { body: BODY });
    expect(response.status).toBe(503);
    expect(vendor.requests).toHaveLength(1);
  });
});
