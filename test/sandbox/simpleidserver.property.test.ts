import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/default-config.js';
import { listenGateway, type TestGateway } from '../support/gateway.js';
import { lifecycleOfAnyRegistration } from '../support/vendor-lifecycle.js';

/**
 * The SimpleIdServer mapping never sends a request the strict simulator refuses: for any valid
 * RFC 7591 / OIDC registration, through the embedded default's /sandbox/simpleidserver route,
 * create, update and delete either succeed or are refused by the gateway itself, before any
 * vendor call (the simulator's 400s, its parser's 500s and its token 400s would surface as
 * "the identity provider ..." 400s or as 5xx).
 */

let sandbox: Sandbox;
let gateway: TestGateway;
let register: string;

beforeAll(async () => {
  sandbox = await startSandbox({ PORT: '0' });
  gateway = await listenGateway(assemble(sandbox.config));
  register = `${gateway.url}/sandbox/simpleidserver/register`;
});
afterAll(async () => {
  await gateway.close();
  await Promise.all(sandbox.backends.map((backend) => backend.close()));
});

const host = fc.constantFrom('app.example', 'billing.example.org', 'sub.tools.example');
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const https = fc.tuple(host, word).map(([name, path]) => `https://${name}/${path}`);
const redirectUri = fc.oneof(
  https,
  fc.constantFrom(
    'http://127.0.0.1:33418/callback',
    'http://localhost:6274/oauth/callback',
    'http://[::1]:8080/',
    'HTTP://LOCALHOST:3000/cb',
    'https://localhost/cb',
    'cursor://anysphere.cursor-retrieval/oauth/user-Linear/callback',
    'vscode://vscode.github-authentication/did-authenticate',
    'com.example.app:/oauth2redirect',
  ),
);
/** Mostly what SimpleIdServer signs with; PS256 the gateway refuses before the call. */
const signing = fc.constantFrom('RS256', 'ES256', 'RS512', 'ES384', 'none', 'RS256', 'PS256');
const text = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,19}$/);

/** Valid metadata: grant and response types that agree, keys where a method needs them. */
const metadata = fc
  .record(
    {
      // implicit rarely: the sandbox route does not offer it, so the gateway refuses it.
      grants: fc.constantFrom<string[]>(
        ['authorization_code'],
        ['authorization_code', 'refresh_token'],
        ['authorization_code', 'refresh_token', 'client_credentials'],
        ['authorization_code', 'client_credentials'],
        ['client_credentials'],
        ['refresh_token', 'authorization_code'],
        ['implicit'],
      ),
      implicitType: fc.constantFrom(['token'], ['id_token'], ['id_token', 'token']),
      method: fc.constantFrom(
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
        'none',
        undefined,
      ),
      redirect_uris: fc.array(redirectUri, { minLength: 1, maxLength: 3 }),
      omitTypes: fc.boolean(),
      rest: fc.record(
        {
          application_type: fc.constantFrom('web', 'native'),
          client_name: text,
          'client_name#fr': text,
          client_uri: https,
          logo_uri: https,
          'tos_uri#de': https,
          policy_uri: https,
          contacts: fc.array(
            word.map((name) => `${name}@app.example`),
            { maxLength: 2 },
          ),
          scope: fc
            .subarray(['openid', 'offline_access', 'profile', 'mcp:tools'], { minLength: 1 })
            .map((values) => values.join(' ')),
          software_id: word,
          software_version: fc.constantFrom('1.0.0', '2.1'),
          subject_type: fc.constantFrom('public', 'pairwise'),
          id_token_signed_response_alg: signing,
          userinfo_signed_response_alg: signing,
          require_auth_time: fc.boolean(),
          default_max_age: fc.nat(86_400),
          default_acr_values: fc.array(word, { maxLength: 2 }),
          post_logout_redirect_uris: fc.array(https, { maxLength: 2 }),
          frontchannel_logout_uri: https,
          frontchannel_logout_session_required: fc.boolean(),
          backchannel_logout_uri: https,
          backchannel_logout_session_required: fc.boolean(),
          dpop_bound_access_tokens: fc.boolean(),
          request_uris: fc.array(https, { maxLength: 1 }),
          initiate_login_uri: https,
          x_vendor_extension: word,
        },
        { requiredKeys: [] },
      ),
      encryption: fc.option(
        fc.record(
          {
            alg: fc.constantFrom('RSA-OAEP', 'RSA1_5', 'RSA-OAEP', 'ECDH-ES'),
            enc: fc.constantFrom('A128CBC-HS256', 'A256CBC-HS512', 'A192CBC-HS384', 'A256GCM'),
          },
          { requiredKeys: ['alg'] },
        ),
      ),
    },
    {},
  )
  .map(({ grants, implicitType, method, redirect_uris, omitTypes, rest, encryption }) => {
    const body: Record<string, unknown> = { ...rest, redirect_uris, grant_types: grants };
    const types = [
      ...(grants.includes('authorization_code') ? ['code'] : []),
      ...(grants.includes('implicit') ? implicitType : []),
    ];
    if (!omitTypes) body.response_types = types;
    if (method !== undefined) body.token_endpoint_auth_method = method;
    if (method === 'private_key_jwt') body.jwks_uri = 'https://app.example/jwks.json';
    if (encryption !== null) {
      body.id_token_encrypted_response_alg = encryption.alg;
      if (encryption.enc !== undefined) body.id_token_encrypted_response_enc = encryption.enc;
    }
    return body;
  });

describe('the SimpleIdServer mapping and simulator', () => {
  it('create, update and delete of any valid registration reach the simulator only as requests it accepts', async () => {
    const created = await lifecycleOfAnyRegistration(() => register, metadata, 100);
    // The generator reaches the vendor, not only the gateway's refusals.
    expect(created).toBeGreaterThan(20);
    expect(sandbox.backends[1]!.clientCount()).toBe(0);
  }, 120_000);
});
