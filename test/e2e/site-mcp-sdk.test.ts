import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import { standardConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { authorizeThrough, fetchVia } from '../support/site.js';

const ISSUER = 'http://idp.test';
const REDIRECT_URI = 'http://127.0.0.1:53683/callback';

let backend: StandardBackend;
let gateway: TestGateway;
let resourceServer: Server;
let mcpUrl: string;

beforeAll(async () => {
  backend = await startStandardBackend({
    issuer: ISSUER,
    devInteractions: true,
    loopbackResources: true,
  });
  gateway = await startGateway(
    standardConfig({
      backends: { std: backend },
      routes: { main: { prefix: '/dcr', backend: 'std' } },
      extra: { sites: { idp: { issuer: ISSUER, route: 'main' } } },
    }),
  );
  // A resource server that only says where its authorization server is (RFC 9728).
  resourceServer = createServer((request, response) => {
    if (request.url?.startsWith('/.well-known/oauth-protected-resource')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(
        JSON.stringify({ resource: mcpUrl, authorization_servers: [ISSUER] }),
      );
    }
    response.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
  });
  await new Promise<void>((resolve) => resourceServer.listen(0, '127.0.0.1', resolve));
  mcpUrl = `http://127.0.0.1:${(resourceServer.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  resourceServer?.closeAllConnections();
  await new Promise((resolve) => resourceServer?.close(resolve));
  await gateway?.close();
  await backend?.close();
});

it("the MCP SDK's auth() registers through the site and exchanges a code for tokens", async () => {
  const fetchFn = fetchVia(gateway.url, ['idp.test']);
  const saved: {
    client?: OAuthClientInformationMixed;
    tokens?: OAuthTokens;
    verifier?: string;
    authorizationUrl?: URL;
  } = {};
  const provider: OAuthClientProvider = {
    redirectUrl: REDIRECT_URI,
    clientMetadata: {
      redirect_uris: [REDIRECT_URI],
      client_name: 'MCP SDK through a site',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => saved.client,
    saveClientInformation: (client) => void (saved.client = client),
    tokens: () => saved.tokens,
    saveTokens: (tokens) => void (saved.tokens = tokens),
    redirectToAuthorization: (url) => void (saved.authorizationUrl = url),
    saveCodeVerifier: (verifier) => void (saved.verifier = verifier),
    codeVerifier: () => saved.verifier!,
  };

  expect(await auth(provider, { serverUrl: mcpUrl, scope: 'openid', fetchFn })).toBe('REDIRECT');
  expect(saved.client?.client_id).toBeTypeOf('string');
  expect(backend.clientCount()).toBe(1);
  expect(saved.authorizationUrl!.origin).toBe(ISSUER);
  // RFC 8707: the MCP server is named as the resource the token is for.
  expect(saved.authorizationUrl!.searchParams.get('resource')).toBe(mcpUrl);

  const callback = await authorizeThrough(
    fetchFn,
    saved.authorizationUrl!,
    REDIRECT_URI,
    'mcp-user',
  );
  expect(callback.searchParams.get('iss')).toBe(ISSUER);
  const code = callback.searchParams.get('code')!;
  expect(
    await auth(provider, { serverUrl: mcpUrl, scope: 'openid', authorizationCode: code, fetchFn }),
  ).toBe('AUTHORIZED');
  expect(saved.tokens).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i) });
  expect(saved.tokens!.access_token).toBeTypeOf('string');
});
