import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../support/gateway.js';
import { acquireLemonLdapNg, lemonLdapNgConfig } from '../support/lemonldap-ng/gateway.js';
import type { LemonLdapNg } from '../support/lemonldap-ng/index.js';
import {
  authorize,
  eventually,
  redeem,
  userinfo,
  type AuthorizationOutcome,
} from '../support/lemonldap-ng/portal.js';

/**
 * The gateway in front of a real LemonLDAP::NG 2.16 (Debian packages, test/support/lemonldap-ng):
 * a client registered through the standard endpoint exists in LemonLDAP::NG as the gateway
 * says, a user logs in with it at the real portal, an RFC 7592 update and delete reach the
 * portal, a public client must use PKCE, and a create the API acknowledges without storing it
 * never yields a 201.
 */
let llng: LemonLdapNg;
let release: () => Promise<void>;
let gateway: TestGateway;
let register: string;

beforeAll(async () => {
  const shared = await acquireLemonLdapNg();
  ({ llng, release } = shared);
  gateway = await startGateway(lemonLdapNgConfig(llng));
  register = `${gateway.url}/llng/register`;
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await release?.();
});

const USER = { user: 'dwho', password: 'dwho' };

/** The Manager API itself, with the admin credential: what LemonLDAP::NG really stores. */
async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const { username, password } = llng.admin;
  const response = await fetch(`${llng.apiUrl}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const loginAt = (clientId: string, redirectUri: string) =>
  authorize(llng.portalUrl, { clientId, redirectUri, scope: 'openid profile email', ...USER });
const gotCode = (outcome: AuthorizationOutcome) => outcome.kind === 'code';

describe('a client registered through the gateway, at the real portal', () => {
  const first = 'https://app.example/cb';
  const moved = 'https://app.example/moved';
  let client: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('is created with the id and secret the gateway generated, and stored as it says', async () => {
    const response = await call('POST', register, {
      body: { redirect_uris: [first], client_name: 'Portal test', scope: 'openid profile email' },
    });
    expect(response.status, response.text).toBe(201);
    client = response.body;
    expect(client).toStrictEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9]{43}$/),
      client_id_issued_at: expect.any(Number),
      client_secret_expires_at: 0,
      registration_access_token: expect.any(String),
      registration_client_uri: `${register}/${client.client_id}`,
      redirect_uris: [first],
      client_name: 'Portal test',
      scope: 'openid profile email',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      application_type: 'web',
    });
    const stored = await api(`/providers/oidc/rp/dcr-${client.client_id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      confKey: `dcr-${client.client_id}`,
      clientId: client.client_id,
      redirectUris: [first],
      options: {
        clientSecret: client.client_secret,
        displayName: 'Portal test',
        public: 0,
        requirePKCE: 0,
        IDTokenSignAlg: 'RS256',
      },
    });
  });

  it('signs dwho in: authorize, login, consent, code, token with the returned secret, userinfo', async () => {
    const outcome = await eventually(() => loginAt(client.client_id, first), gotCode);
    expect(outcome.kind).toBe('code');
    if (outcome.kind !== 'code') return;
    const redirect = { clientId: client.client_id, redirectUri: first };
    const tokens = await redeem(
      llng.portalUrl,
      { ...redirect, clientSecret: client.client_secret },
      outcome.code,
    );
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({
      token_type: 'Bearer',
      access_token: expect.any(String),
      id_token: expect.any(String),
    });
    const jwks = createRemoteJWKSet(new URL(`${llng.portalUrl}/oauth2/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.body.id_token as string, jwks, {
      issuer: llng.portalUrl,
      audience: client.client_id,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('dwho');

    const info = await userinfo(llng.portalUrl, tokens.body.access_token as string);
    expect(info.status).toBe(200);
    expect(info.body.sub).toBe('dwho');

    const wrong = await redeem(llng.portalUrl, { ...redirect, clientSecret: 'wrong' }, 'x');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('after an RFC 7592 update of the redirect URI, the portal refuses the old one and accepts the new one', async () => {
    const response = await call('PUT', client.registration_client_uri, {
      token: client.registration_access_token,
      body: {
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uris: [moved],
        client_name: 'Portal test',
        scope: 'openid profile email',
      },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toStrictEqual({ ...client, redirect_uris: [moved] });
    const stored = await api(`/providers/oidc/rp/dcr-${client.client_id}`);
    expect(stored.body.options.clientSecret).toBe(client.client_secret);

    const atNew = await eventually(() => loginAt(client.client_id, moved), gotCode);
    expect(atNew.kind).toBe('code');
    if (atNew.kind !== 'code') return;
    const tokens = await redeem(
      llng.portalUrl,
      { clientId: client.client_id, clientSecret: client.client_secret, redirectUri: moved },
      atNew.code,
    );
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const atOld = await loginAt(client.client_id, first);
    expect(atOld.kind).toBe('refused');
  });

  it('after DELETE, the token request fails with invalid_client', async () => {
    const pending = await loginAt(client.client_id, moved);
    expect(pending.kind).toBe('code');
    if (pending.kind !== 'code') return;
    const response = await call('DELETE', client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(response.status).toBe(204);
    expect((await api(`/providers/oidc/rp/dcr-${client.client_id}`)).status).toBe(404);

    const credentials = {
      clientId: client.client_id,
      clientSecret: client.client_secret,
      redirectUri: moved,
    };
    // Until the portal sees the deletion, a bogus code fails as invalid_grant.
    await eventually(
      () => redeem(llng.portalUrl, credentials, 'bogus'),
      (answer) => answer.body.error === 'invalid_client',
    );
    const late = await redeem(llng.portalUrl, credentials, pending.code);
    expect(late.status).toBe(401);
    expect(late.body.error).toBe('invalid_client');
    expectInvalid(
      await call('GET', client.registration_client_uri, {
        token: client.registration_access_token,
      }),
    );
  });
});

describe('a public client (token_endpoint_auth_method none) at the real portal', () => {
  const redirectUri = 'http://127.0.0.1:33418/';
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it('is registered without a secret, must use PKCE, and redeems its code with the verifier alone', async () => {
    const response = await call('POST', register, {
      body: { redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
    });
    expect(response.status, response.text).toBe(201);
    const client = response.body;
    expect(client.client_secret).toBeUndefined();
    expect(client.token_endpoint_auth_method).toBe('none');
    const stored = await api(`/providers/oidc/rp/dcr-${client.client_id}`);
    expect(stored.body.options).toMatchObject({ public: 1, requirePKCE: 1 });

    const request = { clientId: client.client_id, redirectUri, ...USER };
    const withPkce = await eventually(
      () => authorize(llng.portalUrl, { ...request, codeChallenge: challenge }),
      gotCode,
    );
    expect(withPkce.kind).toBe('code');
    if (withPkce.kind !== 'code') return;
    const tokens = await redeem(
      llng.portalUrl,
      { clientId: client.client_id, redirectUri },
      withPkce.code,
      verifier,
    );
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.id_token).toEqual(expect.any(String));

    const withoutPkce = await authorize(llng.portalUrl, request);
    expect(withoutPkce.kind).toBe('refused');
  });
});

function expectInvalid(response: Awaited<ReturnType<typeof call>>) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="invalid_token"',
  );
}

describe('the lost-write quirk (contract §6.2)', () => {
  let relay: Server;
  let relayUrl: string;
  let lost = 0;

  beforeAll(async () => {
    // Between the gateway and the real API: forwards everything, except that it acknowledges
    // the first create as the API does for a write it then loses, without forwarding it.
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        if (req.method === 'POST' && req.url === '/api/v1/providers/oidc/rp' && lost === 0) {
          lost++;
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end('{"message":"Successful operation"}');
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            (entry): entry is [string, string] =>
              typeof entry[1] === 'string' &&
              !['host', 'connection', 'content-length'].includes(entry[0]),
          ),
        );
        const body = Buffer.concat(chunks);
        const answer = await fetch(`${llng.apiUrl}${req.url}`, {
          method: req.method,
          headers,
          ...(body.length === 0 ? {} : { body }),
        });
        const type = answer.headers.get('content-type');
        res.writeHead(answer.status, type === null ? {} : { 'content-type': type });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => relay.close(() => resolve())));

  it('answers an error, never a 201, and leaves no client behind', async () => {
    const relayed = await startGateway(lemonLdapNgConfig(llng, { apiUrl: relayUrl }));
    try {
      const before = await api('/providers/oidc/rp/findByConfKey?pattern=dcr-*');
      const response = await call('POST', `${relayed.url}/llng/register`, {
        body: { redirect_uris: ['https://lost.example/cb'], client_name: 'Lost' },
      });
      expect(lost).toBe(1);
      expect(response.status).toBe(503);
      expect(response.body).toStrictEqual({
        error: 'temporarily_unavailable',
        error_description: 'LemonLDAP::NG acknowledged the client but did not store it; try again',
        request_id: response.headers.get('x-request-id'),
      });
      const after = await api('/providers/oidc/rp/findByConfKey?pattern=dcr-*');
      expect(after.body).toStrictEqual(before.body);
      // The compensating DELETE found nothing to remove (404): no orphan reported to operators.
      const compensations = relayed.logs
        .map((line) => JSON.parse(line) as { msg?: string; clientId?: string })
        .filter((line) => /partially created client/.test(line.msg ?? ''));
      expect(compensations).toMatchObject([{ msg: 'removed a partially created client' }]);
      expect(JSON.stringify(after.body)).not.toContain('https://lost.example/cb');

      // The next create goes through to the API and is stored.
      const retried = await call('POST', `${relayed.url}/llng/register`, {
        body: { redirect_uris: ['https://lost.example/cb'], client_name: 'Lost' },
      });
      expect(retried.status, retried.text).toBe(201);
      const stored = await api(`/providers/oidc/rp/dcr-${retried.body.client_id}`);
      expect(stored.status).toBe(200);
    } finally {
      await relayed.close();
    }
  });
});
