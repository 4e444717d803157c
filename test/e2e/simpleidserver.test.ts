import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_COOLDOWN_MS } from '../../src/backends/admin-auth.js';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import {
  startSimpleIdServer,
  type SimpleIdServer,
} from '../../src/sandbox/simpleidserver/server.js';
import {
  call,
  compensationCount,
  NO_LIMITS,
  randomKey,
  startGateway,
  TEST_SERVER,
  writeConfigFile,
  type TestGateway,
} from '../support/gateway.js';
import { expectErrorAnswer } from '../conformance/wire.js';

/**
 * The bundled SimpleIdServer mapping in a real deployment's shape (a config file, the realm's
 * URL as base URL, the admin client's secret from the environment) in front of the strict
 * simulator: what the conformance suite cannot provoke on the sandbox route.
 */

const SHIPPED = readFileSync(join(BUNDLED_MAPPINGS, 'simpleidserver.yaml'), 'utf8');
const BODY = { redirect_uris: ['https://app.example/cb'], client_name: 'Billing' };

/**
 * The shipped mapping with one more create call after the one that makes the client: a look-up
 * with the admin token, which SimpleIdServer refuses on /register/{id} (401, contract §1).
 */
const FAILING_AFTER_CREATE = (() => {
  const keep = '    keep: [registration_access_token]\n\n  read:';
  expect(SHIPPED).toContain(keep);
  return SHIPPED.replace(
    keep,
    '      - { name: look_up, method: GET, resource: client, expect: [200] }\n' + keep,
  );
})();

async function startRoute(sid: SimpleIdServer, mappingText: string): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-sid-'));
  const mapping = join(dir, 'simpleidserver.yaml');
  writeFileSync(mapping, mappingText);
  const file = writeConfigFile(
    {
      server: TEST_SERVER,
      registration_tokens: { keys: [{ kid: 'k1', secret: { env: 'RAT_KEY' } }] },
      backends: {
        sid: {
          mapping,
          base_url: sid.baseUrl,
          admin: { client_id: sid.admin.clientId, client_secret: { env: 'SID_SECRET' } },
          capabilities: { scopes: ['openid', 'offline_access'] },
        },
      },
      routes: {
        sid: {
          prefix: '/sid',
          backend: 'sid',
          registration: { open: true },
          dry_run: true,
          ...NO_LIMITS,
        },
      },
    },
    dir,
  );
  return startGateway({ file, env: { RAT_KEY: randomKey(), SID_SECRET: sid.admin.clientSecret } });
}

describe('SimpleIdServer behind the bundled mapping', () => {
  let sid: SimpleIdServer;
  let gateway: TestGateway;
  beforeAll(async () => {
    sid = await startSimpleIdServer();
    gateway = await startRoute(sid, SHIPPED);
  });
  afterAll(async () => {
    await gateway.close();
    await sid.close();
  });

  it('registers with its register-scope token and manages with its RAT, which an update keeps', async () => {
    const created = await call('POST', `${gateway.url}/sid/register`, { body: BODY });
    expect(created.status, created.text).toBe(201);
    const { client_id: id, registration_access_token: rat } = created.body;
    expect(sid.client(id)).toMatchObject({ client_name: 'Billing', application_type: 'web' });
    const updated = await call('PUT', created.body.registration_client_uri, {
      token: rat,
      body: { client_id: id, redirect_uris: ['https://app.example/cb'] },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.registration_access_token).toBe(rat);
    // The update sent the whole record: the name it left out is gone at the vendor too.
    expect(sid.client(id)).not.toHaveProperty('client_name');
    expect(updated.body).not.toHaveProperty('client_name');
  });

  it('fetches a new admin token when SimpleIdServer refuses the cached one with its 400, and sends the create again', async () => {
    await new Promise((resolve) => setTimeout(resolve, TOKEN_COOLDOWN_MS)); // the cached token is not new
    const before = sid.clientCount();
    // As after a SimpleIdServer restart: the token the gateway holds is no longer known (4.0.8).
    sid.revokeAdminTokens();
    const renewed = await call('POST', `${gateway.url}/sid/register`, { body: BODY });
    expect(renewed.status, renewed.text).toBe(201);
    expect(sid.clientCount()).toBe(before + 1);

    // Refused again at once: the token was just issued, a new one would not fare better.
    sid.revokeAdminTokens();
    const response = await call('POST', `${gateway.url}/sid/register`, { body: BODY });
    expect(response.status, response.text).toBe(502);
    expect(response.body).toStrictEqual({
      error: 'server_error',
      error_description: "the identity provider refused the gateway's registration credential",
      request_id: response.headers.get('x-request-id'),
    });
    expect(sid.clientCount()).toBe(before + 1);
  });

  it('a dry run shows what an MCP client registration becomes: pkce, native, bound members only', async () => {
    const before = sid.clientCount();
    const response = await fetch(`${gateway.url}/sid/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dry-run': 'true' },
      body: JSON.stringify({
        redirect_uris: ['http://localhost:6274/oauth/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        client_name: 'MCP Inspector',
        contacts: ['ops@app.example'],
        software_id: 'inspector',
        scope: 'openid mcp:tools',
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text)).toStrictEqual({
      dry_run: true,
      backend: 'sid',
      requests: [
        {
          call: 'register',
          method: 'POST',
          path: '/register',
          authorization: 'admin credential',
          body: {
            redirect_uris: ['http://localhost:6274/oauth/callback'],
            token_endpoint_auth_method: 'pkce',
            grant_types: ['authorization_code', 'refresh_token'],
            client_name: 'MCP Inspector',
            scope: 'openid',
            response_types: ['code'],
            application_type: 'native',
          },
        },
      ],
    });
    expect(sid.clientCount()).toBe(before);
  });

  it('refuses keys by value and combined response types before any vendor call', async () => {
    const before = sid.clientCount();
    for (const [extra, description] of [
      [
        { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } },
        'jwks cannot be registered with this identity provider: SimpleIdServer cannot store keys sent by value through registration (use jwks_uri)',
      ],
      [
        { grant_types: ['authorization_code', 'implicit'], response_types: ['code id_token'] },
        'response_types value code id_token is not supported by this identity provider (supported: code, token, id_token)',
      ],
    ] as const) {
      const response = await call('POST', `${gateway.url}/sid/register`, {
        body: { ...BODY, ...extra },
      });
      expectErrorAnswer(response, { status: 400, error: 'invalid_client_metadata', description });
    }
    expect(sid.clientCount()).toBe(before);
  });
});

describe('a create that fails after SimpleIdServer stored the client', () => {
  let sid: SimpleIdServer;
  let gateway: TestGateway;
  beforeAll(async () => {
    sid = await startSimpleIdServer();
    gateway = await startRoute(sid, FAILING_AFTER_CREATE);
  });
  afterAll(async () => {
    await gateway.close();
    await sid.close();
  });

  it('is removed again with its RAT: no client is left', async () => {
    const response = await call('POST', `${gateway.url}/sid/register`, { body: BODY });
    expect(response.status, response.text).toBe(502);
    expect(response.body.error).toBe('server_error');
    expect(sid.clientCount()).toBe(0);
    expect(await compensationCount(gateway, 'sid', 'removed')).toBe(1);
    expect(await compensationCount(gateway, 'sid', 'failed')).toBe(0);
  });
});
