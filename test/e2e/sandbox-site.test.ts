import * as oauth from 'oauth4webapi';
import { expect, it } from 'vitest';
import { spawnGateway } from '../support/process.js';
import { authorizeThrough, fetchVia } from '../support/site.js';

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

/** What the README promises a newcomer: discovery, register, authorize, token at one URL. */
it('the sandbox fronts its oidc-provider as a site: a public client goes from discovery to tokens', async () => {
  const gateway = await spawnGateway(['serve'], {});
  try {
    const { port } = new URL(gateway.url);
    const issuer = new URL(`http://localhost:${port}`);
    expect(gateway.output()).toContain(
      `  ${issuer.origin}/.well-known/openid-configuration  (registration, login and tokens on the same origin)`,
    );
    // Straight to the gateway's IPv4 listener, whichever address localhost resolves to first.
    const siteFetch = fetchVia(gateway.url);
    const options = { [oauth.customFetch]: siteFetch, [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }),
    );
    expect(as.registration_endpoint).toBe(`${issuer.origin}/sandbox/standard/register`);
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
        options,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await authorizeThrough(siteFetch, authorizationUrl, REDIRECT_URI, 'newcomer');
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        REDIRECT_URI,
        verifier,
        options,
      ),
      { requireIdToken: true },
    );
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      iss: issuer.origin,
      sub: 'newcomer',
      aud: client.client_id,
    });
  } finally {
    await gateway.stop();
  }
});
