import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lemonLdapNgConfig } from '../support/lemonldap-ng/gateway.js';
import { startLemonLdapNg, type LemonLdapNg } from '../support/lemonldap-ng/index.js';
import { authorize, eventually } from '../support/lemonldap-ng/portal.js';
import { fetchVia } from '../support/site.js';

/**
 * A site in front of the real LemonLDAP::NG portal, which has no usable registration endpoint:
 * discovery gains the gateway's, registration is translated to the Manager API (a separate
 * origin), and login and tokens stream through to the portal — with oauth4webapi's strict
 * checks on (issuer of the metadata, of the authorization response and of the ID token).
 */
const ISSUER = 'http://idp.test';
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

let llng: LemonLdapNg;
let gateway: TestGateway;
let siteFetch: typeof fetch;

beforeAll(async () => {
  // Its own instance: the portal must know itself by the site's public origin.
  llng = await startLemonLdapNg({ issuer: ISSUER });
  gateway = await startGateway(
    lemonLdapNgConfig(llng, {
      extra: {
        sites: {
          idp: {
            issuer: ISSUER,
            route: 'llng',
            upstream: llng.portalUrl,
            // The portal decides by Host which virtual host a request is for.
            preserve_host: true,
            idp_registration: { paths: ['/oauth2/register'], action: 'refuse' },
          },
        },
      },
    }),
  );
  siteFetch = fetchVia(gateway.url);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await llng?.close();
});

// http only because the test has no TLS; every other check stays on.
const options = () => ({ [oauth.customFetch]: siteFetch, [oauth.allowInsecureRequests]: true });

describe('oauth4webapi through a site in front of the real LemonLDAP::NG portal', () => {
  let as: oauth.AuthorizationServer;

  it("discovers the portal's own metadata, with the gateway's registration endpoint added", async () => {
    const issuer = new URL(ISSUER);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options(), algorithm: 'oidc' }),
    );
    const direct = (await (
      await fetch(`${llng.portalUrl}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(direct.registration_endpoint).toBeUndefined();
    // The mapping registers public clients (PKCE required), so `none` joins the methods.
    expect(as).toStrictEqual({
      ...direct,
      registration_endpoint: `${ISSUER}/llng/register`,
      token_endpoint_auth_methods_supported: [
        ...(direct.token_endpoint_auth_methods_supported as string[]),
        'none',
      ],
    });
    expect(as.issuer).toBe(ISSUER);
    expect(as.authorization_endpoint).toBe(`${ISSUER}/oauth2/authorize`);
  });

  it("refuses the portal's own registration path", async () => {
    const response = await siteFetch(`${ISSUER}/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
    });
    expect(response.status).toBe(404);
  });

  it('registers, signs a user in with PKCE, exchanges the code, updates and deletes', async () => {
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'openid profile email',
          client_name: 'site e2e',
        },
        options(),
      ),
    );
    expect(registered.registration_client_uri).toBe(
      `${ISSUER}/llng/register/${registered.client_id}`,
    );
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretBasic(registered.client_secret as string);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const challenge = await oauth.calculatePKCECodeChallenge(verifier);
    const login = () =>
      authorize(
        ISSUER,
        {
          clientId: client.client_id,
          redirectUri: REDIRECT_URI,
          scope: 'openid profile email',
          user: 'dwho',
          password: 'dwho',
          state,
          codeChallenge: challenge,
        },
        siteFetch,
      );
    // The portal rereads its configuration every second: the new client appears shortly.
    const outcome = await eventually(login, (result) => result.kind === 'code');
    if (outcome.kind !== 'code')
      throw new Error(`login refused: ${outcome.status} ${outcome.page}`);
    const params = oauth.validateAuthResponse(as, client, outcome.redirect, state);

    // client_secret_basic form-encodes the secret (RFC 6749 §2.3.1), which the portal does not
    // decode: the gateway's secrets are letters and digits only, so both read the same.
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
        options(),
      ),
      { requireIdToken: true },
    );
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    // LemonLDAP::NG writes `aud` as a list (oauth4webapi checked it holds the client).
    expect([claims.iss, claims.aud, claims.sub]).toStrictEqual([
      ISSUER,
      [client.client_id],
      'dwho',
    ]);
    const info = await oauth.processUserInfoResponse(
      as,
      client,
      claims.sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, options()),
    );
    expect(info.sub).toBe('dwho');

    // RFC 7592 at the URI the registration handed out, on the site's origin.
    const manage = (method: string, token: string, body?: unknown) =>
      siteFetch(registered.registration_client_uri as string, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const updated = await manage('PUT', registered.registration_access_token as string, {
      client_id: client.client_id,
      client_secret: registered.client_secret,
      redirect_uris: [REDIRECT_URI],
      scope: 'openid profile email',
      client_name: 'site e2e, renamed',
    });
    expect(updated.status).toBe(200);
    const after = (await updated.json()) as Record<string, unknown>;
    expect(after.client_name).toBe('site e2e, renamed');
    const deleted = await manage('DELETE', after.registration_access_token as string);
    expect(deleted.status).toBe(204);
    const refused = await eventually(login, (result) => result.kind === 'refused');
    expect(refused.kind).toBe('refused');
  });
});
