import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { eachRoute } from './routes.js';
import { useRoute } from './wire.js';

/**
 * Real client libraries accept what the gateway answers: oauth4webapi's strict response
 * processing (exactly 201, numeric secret expiry, non-empty strings) and the MCP TypeScript
 * SDK's registration (zod schema that refuses null and wrong types).
 */
describe.each(eachRoute())('%s', (_name, route) => {
  const running = useRoute(route);

  const authorizationServer = (): oauth.AuthorizationServer => ({
    issuer: running.started.gateway.url,
    registration_endpoint: running.register,
  });
  const options = { [oauth.allowInsecureRequests]: true };

  it('oauth4webapi: processDynamicClientRegistrationResponse accepts a confidential and a public client', async () => {
    const confidential = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        authorizationServer(),
        { redirect_uris: ['https://app.example/cb'], client_name: 'o4w' },
        options,
      ),
    );
    expect(confidential.client_id).toEqual(expect.any(String));
    expect(confidential.client_secret).toEqual(expect.any(String));
    expect(confidential.client_secret_expires_at).toBe(0);
    expect(confidential.token_endpoint_auth_method).toBe('client_secret_basic');

    const publicClient = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        authorizationServer(),
        {
          redirect_uris: ['http://127.0.0.1:33418/'],
          token_endpoint_auth_method: 'none',
          application_type: 'native',
        },
        options,
      ),
    );
    expect(publicClient.client_secret).toBeUndefined();
    expect('client_secret_expires_at' in publicClient).toBe(false);
    expect(publicClient.redirect_uris).toStrictEqual(['http://127.0.0.1:33418/']);
  });

  it('oauth4webapi: a refused registration is a ResponseBodyError with the RFC 7591 code', async () => {
    const response = await oauth.dynamicClientRegistrationRequest(
      authorizationServer(),
      { redirect_uris: ['http://evil.example/cb'] },
      options,
    );
    const error = await oauth
      .processDynamicClientRegistrationResponse(response)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect((error as oauth.ResponseBodyError).error).toBe('invalid_redirect_uri');
    expect((error as oauth.ResponseBodyError).error_description).toBe(
      'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
    );
    expect((error as oauth.ResponseBodyError).status).toBe(400);
  });

  it('MCP TypeScript SDK: registerClient parses the response as an MCP client would send it', async () => {
    const clientMetadata = {
      redirect_uris: ['http://localhost:6274/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP Inspector',
      client_uri: 'https://github.com/modelcontextprotocol/inspector',
      scope: route.backend.scope,
    };
    const information = await registerClient(running.started.gateway.url, {
      metadata: {
        issuer: running.started.gateway.url,
        ...running.started.endpoints,
        response_types_supported: ['code'],
        registration_endpoint: running.register,
      },
      clientMetadata,
    });
    // A public client: the answer is what was sent, plus the id and its issue time.
    expect(information).toStrictEqual({
      client_id: expect.any(String),
      client_id_issued_at: expect.any(Number),
      ...clientMetadata,
    });
  });
});
