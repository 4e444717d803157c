import { createLocalJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { standardConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { authorizeThrough, fetchVia } from '../support/site.js';

/** The IdP's public origin: the site. Its name resolves to the gateway (fetchVia). */
const ISSUER = 'http://idp.test';
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

let backend: StandardBackend;
let gateway: TestGateway;
let siteFetch: typeof fetch;

beforeAll(async () => {
  backend = await startStandardBackend({ issuer: ISSUER, devInteractions: true });
  gateway = await startGateway(
    standardConfig({
      backends: { std: backend },
      routes: { main: { prefix: '/dcr', backend: 'std' } },
      extra: {
        sites: { idp: { issuer: ISSUER, route: 'main', idp_registration: { paths: ['/reg'] } } },
      },
    }),
  );
  siteFetch = fetchVia(gateway.url);
});
afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

describe('oauth4webapi through a site in front of oidc-provider, every check on', () => {
  it('discovers, registers, authorizes with PKCE, exchanges, refreshes, updates and deletes', async () => {
    // http only because the test has no TLS; every other check stays on.
    const options = { [oauth.customFetch]: siteFetch, [oauth.allowInsecureRequests]: true };
    const issuer = new URL(ISSUER);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }),
    );
    expect(as.issuer).toBe(ISSUER);
    expect(as.registration_endpoint).toBe(`${ISSUER}/dcr/register`);
    expect(as.authorization_endpoint).toBe(`${ISSUER}/auth`);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);

    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'openid offline_access',
          client_name: 'site e2e',
        },
        options,
      ),
    );
    expect(registered.registration_client_uri).toBe(
      `${ISSUER}/dcr/register/${encodeURIComponent(registered.client_id)}`,
    );
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretBasic(registered.client_secret as string);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid offline_access',
      prompt: 'consent',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await authorizeThrough(siteFetch, authorizationUrl, REDIRECT_URI, 'alice');
    // RFC 9207: the response names the issuer, and validateAuthResponse requires it to match.
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    const params = oauth.validateAuthResponse(as, client, callback, state);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        REDIRECT_URI,
        verifier,
        options,
      ),
      { expectedNonce: nonce, requireIdToken: true },
    );
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect([claims.iss, claims.aud, claims.sub]).toStrictEqual([ISSUER, client.client_id, 'alice']);
    // oauth4webapi trusts a TLS token endpoint for the signature; check it against the JWKS too.
    const jwks = createLocalJWKSet(
      (await (await siteFetch(as.jwks_uri!)).json()) as Parameters<typeof createLocalJWKSet>[0],
    );
    const verified = await jwtVerify(tokens.id_token!, jwks, {
      issuer: ISSUER,
      audience: client.client_id,
    });
    expect(verified.payload.nonce).toBe(nonce);
    expect(tokens.refresh_token).toBeTypeOf('string');

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, options),
    );
    expect(refreshed.access_token).toBeTypeOf('string');
    expect(oauth.getValidatedIdTokenClaims(refreshed)!.iss).toBe(ISSUER);

    // RFC 7592 at the URI the registration handed out, on the site's origin.
    const manage = (method: string, body?: unknown) =>
      siteFetch(registered.registration_client_uri as string, {
        method,
        headers: {
          authorization: `Bearer ${registered.registration_access_token as string}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const updated = await manage('PUT', {
      client_id: client.client_id,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid offline_access',
      client_name: 'site e2e, renamed',
    });
    expect(updated.status).toBe(200);
    const after = (await updated.json()) as Record<string, unknown>;
    expect(after.client_name).toBe('site e2e, renamed');
    const deleted = await fetchDelete(after.registration_access_token as string);
    expect(deleted).toBe(204);
    expect(backend.clientCount()).toBe(0);

    async function fetchDelete(token: string): Promise<number> {
      const response = await siteFetch(registered.registration_client_uri as string, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status;
    }
  });
});
