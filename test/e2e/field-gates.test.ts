import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  expectGatewayError,
  startStandardSetup,
  type CallResult,
  type StandardSetup,
} from '../support/gateway.js';
import { nowSeconds, startTestIssuer, type TestIssuer } from '../support/token-issuer.js';

/**
 * Field gates on real ports: a route where `logo_uri` and `client_uri` need the scope
 * `branding` of a JWT initial access token (as ForgeRock AM gates them behind its registration
 * scope), in front of the real oidc-provider. Refusals cost the IdP nothing; an update, whose
 * caller has no scopes, may send a gated member back unchanged and never change it.
 */
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://dcr.example/register';
const M = { redirect_uris: ['https://app.example/cb'] };
const LOGO = 'https://app.example/logo.png';

let issuer: TestIssuer;
let setup: StandardSetup;

beforeAll(async () => {
  issuer = await startTestIssuer();
  setup = await startStandardSetup({
    registration: {
      initial_access_jwt: {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { uri: issuer.jwksUrl },
        algorithms: ['ES256'],
      },
      field_scopes: { logo_uri: 'branding', client_uri: 'branding' },
    },
    outboundUrls: { allow_loopback: true },
  });
});

afterAll(async () => {
  await setup?.close();
  await issuer?.close();
});

const token = (scope: string) =>
  issuer.sign('ES256', {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'team-a',
    scope,
    exp: nowSeconds() + 300,
    iat: nowSeconds(),
  });

function expectGated(response: CallResult, field: string): void {
  expectGatewayError(
    response,
    403,
    'insufficient_scope',
    `${field} needs the scope branding, which the request was not granted`,
  );
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="insufficient_scope", scope="branding"',
  );
}

describe('registration', () => {
  it('accepts gated members from a token granting their scope', async () => {
    const body = { ...M, logo_uri: LOGO, client_uri: 'https://app.example' };
    const response = await call('POST', setup.register, {
      token: await token('dcr branding'),
      body,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject(body);
  });

  it('accepts a body without gated members from a token without the scope', async () => {
    const response = await call('POST', setup.register, { token: await token('dcr'), body: M });
    expect(response.status).toBe(201);
  });

  it('refuses any gated member, in any language variant, without the scope', async () => {
    const without = await token('dcr');
    const gated = fc.tuple(
      fc.constantFrom('logo_uri', 'client_uri'),
      fc.option(fc.stringMatching(/^[a-zA-Z-]{1,12}$/), { nil: undefined }),
    );
    await fc.assert(
      fc.asyncProperty(gated, async ([field, tag]) => {
        const before = setup.backend.clientCount();
        const member = tag === undefined ? field : `${field}#${tag}`;
        const response = await call('POST', setup.register, {
          token: without,
          body: { ...M, [member]: LOGO },
        });
        expectGated(response, field);
        expect(setup.backend.clientCount()).toBe(before);
      }),
      { numRuns: 25 },
    );
  });
});

describe('update (RFC 7592)', () => {
  it('keeps a gated member as registered, and refuses changing or adding one', async () => {
    const created = await call('POST', setup.register, {
      token: await token('branding'),
      body: { ...M, logo_uri: LOGO },
    });
    expect(created.status).toBe(201);
    const { registration_client_uri: uri, client_id: clientId } = created.body as {
      registration_client_uri: string;
      client_id: string;
    };
    // The IdP may rotate the registration access token on update: always use the latest.
    let rat = (created.body as { registration_access_token: string }).registration_access_token;
    const put = async (body: Record<string, unknown>) => {
      const response = await call('PUT', uri, {
        token: rat,
        body: { client_id: clientId, ...body },
      });
      if (response.status === 200)
        rat = (response.body as { registration_access_token: string }).registration_access_token;
      return response;
    };

    const same = await put({ ...M, logo_uri: LOGO, client_name: 'Renamed' });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ logo_uri: LOGO, client_name: 'Renamed' });

    expectGated(await put({ ...M, logo_uri: 'https://evil.example/logo.png' }), 'logo_uri');
    expectGated(
      await put({ ...M, logo_uri: LOGO, client_uri: 'https://app.example' }),
      'client_uri',
    );

    const read = await call('GET', uri, { token: rat });
    expect(read.body).toMatchObject({ logo_uri: LOGO, client_name: 'Renamed' });
    expect((read.body as Record<string, unknown>).client_uri).toBeUndefined();
  });
});
