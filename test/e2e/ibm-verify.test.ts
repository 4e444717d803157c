import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_COOLDOWN_MS } from '../../src/backends/admin-auth.js';
import { BUNDLED_MAPPINGS } from '../../src/config/load.js';
import {
  startIbmVerify,
  type IbmVerify,
  type IbmVerifyOptions,
} from '../../src/sandbox/ibm-verify/server.js';
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

/**
 * The bundled IBM Verify mapping in a real deployment's shape (a config file, the tenant as base
 * URL, the API client's secret from the environment, IBM-only knobs as backend parameters) in
 * front of the strict simulator: what the conformance suite cannot provoke on the sandbox route.
 */

const SHIPPED = readFileSync(join(BUNDLED_MAPPINGS, 'ibm-verify.yaml'), 'utf8');
const BODY = { redirect_uris: ['https://app.example/cb'], client_name: 'Billing' };
const KNOBS = {
  access_policy: '41',
  consent_action: 'never_prompt',
  enforce_pkce: 'false',
  all_users_entitled: 'true',
  id_token_claims: 'email name',
};

/**
 * The shipped mapping with one more create call after the one that makes the client: a path
 * IBM does not serve (404), so the create fails after IBM stored the client.
 */
const FAILING_AFTER_CREATE = (() => {
  const read = '\n  read:\n';
  expect(SHIPPED).toContain(read);
  return SHIPPED.replace(
    read,
    '\n      - name: look_up\n        method: GET\n' +
      "        path: '/oauth2/register/{var.client_id}/missing'\n        expect: [200]\n" +
      read,
  );
})();

interface Route {
  readonly ibm: IbmVerify;
  readonly gateway: TestGateway;
  readonly register: string;
  close(): Promise<void>;
}

async function startRoute(
  options: IbmVerifyOptions = {},
  mappingText = SHIPPED,
  admin?: { clientId: string; clientSecret: string },
): Promise<Route> {
  const ibm = await startIbmVerify(options);
  const dir = mkdtempSync(join(tmpdir(), 'dcrgw-ibm-'));
  const mapping = join(dir, 'ibm-verify.yaml');
  writeFileSync(mapping, mappingText);
  const credential = admin ?? ibm.admin;
  const file = writeConfigFile(
    {
      server: TEST_SERVER,
      registration_tokens: { keys: [{ kid: 'k1', secret: { env: 'RAT_KEY' } }] },
      backends: {
        ibm: {
          mapping,
          base_url: ibm.baseUrl,
          parameters: KNOBS,
          admin: { client_id: credential.clientId, client_secret: { env: 'IBM_SECRET' } },
          capabilities: { grant_types: ['authorization_code', 'refresh_token'] },
        },
      },
      routes: {
        ibm: {
          prefix: '/ibm',
          backend: 'ibm',
          registration: { open: true },
          dry_run: true,
          ...NO_LIMITS,
        },
      },
    },
    dir,
  );
  const gateway = await startGateway({
    file,
    env: { RAT_KEY: randomKey(), IBM_SECRET: credential.clientSecret },
  });
  return {
    ibm,
    gateway,
    register: `${gateway.url}/ibm/register`,
    close: async () => {
      await gateway.close();
      await ibm.close();
    },
  };
}

const REFUSED_CREDENTIAL = "the identity provider refused the gateway's admin credential";

describe('IBM Verify behind the bundled mapping', () => {
  let route: Route;
  beforeAll(async () => {
    route = await startRoute();
  });
  afterAll(() => route.close());

  it('sends the route’s knobs on create and again on every PUT, never what the caller sent for them', async () => {
    const created = await call('POST', route.register, {
      body: { ...BODY, access_policy: 'caller-chosen', consent_action: 'always_prompt' },
    });
    expect(created.status, created.text).toBe(201);
    const { client_id: id, registration_access_token: rat } = created.body;
    const expected = {
      access_policy: '41',
      consent_action: 'never_prompt',
      enforce_pkce: false,
      all_users_entitled: true,
      id_token_map: [
        { name: 'email', attribute_id: expect.any(String) },
        { name: 'name', attribute_id: expect.any(String) },
      ],
    };
    expect(route.ibm.client(id)).toMatchObject(expected);
    // IBM's own members never reach the caller.
    for (const member of ['access_policy', 'consent_action', 'id_token_map', 'enforce_pkce'])
      expect(created.body).not.toHaveProperty(member);
    const updated = await call('PUT', created.body.registration_client_uri, {
      token: rat,
      body: { client_id: id, redirect_uris: ['https://app.example/new'] },
    });
    expect(updated.status, updated.text).toBe(200);
    // A full replacement that would have reset them, had the mapping not sent them again.
    expect(route.ibm.client(id)).toMatchObject({
      ...expected,
      redirect_uris: ['https://app.example/new'],
    });
    expect(route.ibm.client(id)).not.toHaveProperty('client_name');
    expect(updated.body.registration_access_token).toBe(rat);
  });

  it('registers a public client as IBM’s default method with PKCE enforced, whatever the knob says', async () => {
    const created = await call('POST', route.register, {
      body: { ...BODY, token_endpoint_auth_method: 'none' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.token_endpoint_auth_method).toBe('none');
    expect(created.body).not.toHaveProperty('client_secret');
    expect(route.ibm.client(created.body.client_id)).toMatchObject({
      token_endpoint_auth_method: 'default',
      enforce_pkce: true,
    });
  });

  it('fetches a fresh admin token once when IBM answers 401 for the cached one', async () => {
    await call('POST', route.register, { body: BODY }); // the gateway holds a token now
    // A token younger than the cooldown is not replaced (src/backends/admin-auth.ts).
    await new Promise((resolve) => setTimeout(resolve, TOKEN_COOLDOWN_MS + 100));
    route.ibm.revokeAdminTokens();
    const created = await call('POST', route.register, { body: BODY });
    expect(created.status, created.text).toBe(201);
  });

  it('a dry run shows what IBM would get: its fields, the knobs, no member it has no field for', async () => {
    const before = route.ibm.clientCount();
    const response = await fetch(route.register, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dry-run': 'true' },
      body: JSON.stringify({
        ...BODY,
        'client_name#fr': 'Facturation',
        contacts: ['ops@app.example'],
        logo_uri: 'https://app.example/logo.png',
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text).requests).toStrictEqual([
      {
        call: 'register',
        method: 'POST',
        path: '/oauth2/register',
        authorization: 'admin credential',
        body: {
          redirect_uris: ['https://app.example/cb'],
          client_name: 'Billing',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          access_policy: '41',
          consent_action: 'never_prompt',
          enforce_pkce: false,
          all_users_entitled: true,
          id_token_claims: ['email', 'name'],
        },
      },
    ]);
    expect(route.ibm.clientCount()).toBe(before);
  });
});

describe('tenant profile switches', () => {
  it.each([
    ['legacy_post_response_code (a create answers 200)', { legacyPostResponseCode: true }],
    ['allow_custom_client_creds (the mapping never sends them)', { allowCustomClientCreds: true }],
  ])('%s: callers still get 201 and a client IBM generated', async (_name, options) => {
    const route = await startRoute(options);
    try {
      const created = await call('POST', route.register, {
        body: { ...BODY, client_id: 'chosen', client_secret: 'chosen' },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.client_id).not.toBe('chosen');
      expect(route.ibm.client(created.body.client_id)).toBeDefined();
    } finally {
      await route.close();
    }
  });
});

describe('an API client without manageAppAccessAdmin', () => {
  const reader = { clientId: 'reader', clientSecret: 'reader-secret', entitlements: ['readUsers'] };
  let route: Route;
  beforeAll(async () => {
    route = await startRoute({ apiClients: [reader] }, SHIPPED, reader);
  });
  afterAll(() => route.close());

  it('answers 502, never a 4xx that blames the caller, and makes no client', async () => {
    const response = await call('POST', route.register, { body: BODY });
    expect(response.status, response.text).toBe(502);
    expect(response.body).toStrictEqual({
      error: 'server_error',
      error_description: REFUSED_CREDENTIAL,
      request_id: response.headers.get('x-request-id'),
    });
    expect(route.ibm.clientCount()).toBe(0);
  });
});

describe('a create that fails after IBM stored the client', () => {
  let route: Route;
  beforeAll(async () => {
    route = await startRoute({}, FAILING_AFTER_CREATE);
  });
  afterAll(() => route.close());

  it('is removed again with the admin token: no client is left', async () => {
    const response = await call('POST', route.register, { body: BODY });
    expect(response.status, response.text).toBe(502);
    expect(response.body.error).toBe('server_error');
    expect(route.ibm.accepted).toHaveLength(1);
    expect(route.ibm.clientCount()).toBe(0);
    expect(await compensationCount(route.gateway, 'ibm', 'removed')).toBe(1);
    expect(await compensationCount(route.gateway, 'ibm', 'failed')).toBe(0);
  });
});
