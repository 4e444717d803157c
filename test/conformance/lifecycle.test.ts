import { describe, expect, it } from 'vitest';
import { call } from '../support/gateway.js';
import { eachRoute } from './routes.js';
import {
  clientAnswer,
  expectInvalidToken,
  clientUrl,
  expectHeaders,
  JSON_TYPE,
  NO_STORE,
  registerUrl,
  useRoute,
} from './wire.js';

/**
 * RFC 7591 create and RFC 7592 read/update/delete through the gateway, on real ports, with
 * each route's real backend behind it and a real Redis.
 */
describe.each(eachRoute())('%s', (_name, route) => {
  const facts = route.backend;
  const running = useRoute(route);

  async function create(
    body: unknown = { redirect_uris: ['https://app.example/cb'], client_name: 'Billing' },
  ) {
    const response = await call('POST', running.register, { body });
    expect(response.status, response.text).toBe(201);
    return response;
  }

  describe('a client through its whole life', () => {
    let created: Awaited<ReturnType<typeof create>>;
    let clientUri: string;
    let rat: string;

    it('POST /register answers 201 with the full normalized client', async () => {
      created = await create({
        redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:33418/'],
        client_name: 'Billing',
        scope: facts.scope,
        x_unknown: 'dropped',
        client_id: 'chosen-by-caller',
        client_secret: 'chosen-by-caller',
      });
      expectHeaders(created.headers, { ...JSON_TYPE, ...NO_STORE });
      const body = created.body;
      expect(body).toStrictEqual(
        clientAnswer(route, running.started, body.client_id, {
          client_name: 'Billing',
          scope: facts.scope,
          redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:33418/'],
          ...facts.loopbackWebClient,
        }),
      );
      expect(body.client_id).not.toBe('chosen-by-caller');
      expect(body.client_secret).not.toBe('chosen-by-caller');
      expect(Number.isInteger(body.client_id_issued_at)).toBe(true);
      expect(Math.abs(body.client_id_issued_at - Date.now() / 1000)).toBeLessThan(60);
      clientUri = body.registration_client_uri;
      rat = body.registration_access_token;
    });

    it('GET answers 200 with the same client and the same RAT', async () => {
      const response = await call('GET', clientUri, { token: rat });
      expect(response.status).toBe(200);
      expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
      expect(response.body).toStrictEqual(created.body);
    });

    it(`PUT replaces the whole record${facts.rotatesRatOnUpdate ? ' and rotates the RAT, retiring the old one' : ', keeping the RAT'}`, async () => {
      const { client_id, client_secret, client_id_issued_at } = created.body;
      const response = await call('PUT', clientUri, {
        token: rat,
        body: {
          client_id,
          client_secret,
          redirect_uris: ['https://app.example/new'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      });
      expect(response.status, response.text).toBe(200);
      expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
      expect(response.body).toStrictEqual(
        clientAnswer(
          route,
          running.started,
          client_id,
          {
            token_endpoint_auth_method: 'client_secret_post',
            redirect_uris: ['https://app.example/new'],
          },
          {
            client_id,
            client_secret,
            client_id_issued_at,
            ...(facts.rotatesRatOnUpdate ? {} : { registration_access_token: rat }),
          },
        ),
      );

      if (facts.rotatesRatOnUpdate) {
        expect(response.body.registration_access_token).not.toBe(rat);
        const old = await call('GET', clientUri, { token: rat });
        expectInvalidToken(old);
      }

      rat = response.body.registration_access_token;
      // With a RAT the update kept, this is the grant whose read was cached before the update:
      // the new record proves the update removed the cached read.
      const fresh = await call('GET', clientUri, { token: rat });
      expect(fresh.status).toBe(200);
      expect(fresh.body).toStrictEqual(response.body);
    });

    it('DELETE answers 204 with no body; the client and its RAT are gone', async () => {
      const response = await call('DELETE', clientUri, { token: rat });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expectHeaders(response.headers, NO_STORE);
      const after = await call('GET', clientUri, { token: rat });
      expectInvalidToken(after);
    });
  });

  describe('registration access tokens', () => {
    it('a RAT of client A cannot read, update or delete client B', async () => {
      const a = (await create()).body;
      const b = (await create()).body;
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await call(method, b.registration_client_uri, {
          token: a.registration_access_token,
          ...(method === 'PUT'
            ? { body: { client_id: b.client_id, redirect_uris: ['https://evil.example/cb'] } }
            : {}),
        });
        expect(response.status, method).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(
          'Bearer realm="dcr-gateway", error="invalid_token"',
        );
      }
      const stillB = await call('GET', b.registration_client_uri, {
        token: b.registration_access_token,
      });
      expect(stillB.status).toBe(200);
      expect(stillB.body.redirect_uris).toStrictEqual(['https://app.example/cb']);
      expect(stillB.body).toStrictEqual(b);
    });

    it('no token gets a bare Bearer challenge; a garbage or foreign token gets invalid_token', async () => {
      const { registration_client_uri: uri } = (await create()).body;
      const none = await call('GET', uri);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="dcr-gateway"');
      expect(none.body).toStrictEqual({
        error: 'invalid_token',
        error_description: 'a bearer token is required',
        request_id: none.headers.get('x-request-id'),
      });

      const garbage = await call('GET', uri, { token: 'not-a-token' });
      expectInvalidToken(garbage);

      // A well-formed RAT from another gateway (another key) is as foreign as garbage.
      const other = await route.start();
      try {
        const foreign = (
          await call('POST', registerUrl(route, other), {
            body: { redirect_uris: ['https://a.example/cb'] },
          })
        ).body;
        const response = await call('GET', uri, { token: foreign.registration_access_token });
        expectInvalidToken(response);
      } finally {
        await other.close();
      }
    });

    it('an expired RAT gets 401 invalid_token', async () => {
      // Expiry is counted in whole seconds from a truncated iat: a 1 s token may live 0.1 s, so
      // a slow machine would see it expire before the first read.
      const expiring = await route.start({ ratTtlSeconds: 3 });
      try {
        const client = (
          await call('POST', registerUrl(route, expiring), {
            body: { redirect_uris: ['https://a.example/cb'] },
          })
        ).body;
        const uri = client.registration_client_uri;
        expect(uri).toBe(clientUrl(route, expiring, client.client_id));
        expect((await call('GET', uri, { token: client.registration_access_token })).status).toBe(
          200,
        );
        await new Promise((resolve) => setTimeout(resolve, 3_100));
        const late = await call('GET', uri, { token: client.registration_access_token });
        expectInvalidToken(late);
      } finally {
        await expiring.close();
      }
    });
  });

  describe('RFC 7592 update rules', () => {
    it('refuses a PUT without the matching client_id, with server-managed members, or with a wrong secret', async () => {
      const client = (await create()).body;
      const put = (body: Record<string, unknown>) =>
        call('PUT', client.registration_client_uri, {
          token: client.registration_access_token,
          body,
        });
      const base = { client_id: client.client_id, redirect_uris: ['https://app.example/cb'] };
      const cases: [Record<string, unknown>, string][] = [
        [
          { redirect_uris: ['https://app.example/cb'] },
          'client_id must be present and equal to the client being updated',
        ],
        [
          { ...base, client_id: 'someone-else' },
          'client_id must be present and equal to the client being updated',
        ],
        [
          { ...base, registration_access_token: 'x' },
          'registration_access_token must not be sent in an update (RFC 7592 section 2.2)',
        ],
        [
          { ...base, registration_client_uri: 'x' },
          'registration_client_uri must not be sent in an update (RFC 7592 section 2.2)',
        ],
        [
          { ...base, client_secret_expires_at: 0 },
          'client_secret_expires_at must not be sent in an update (RFC 7592 section 2.2)',
        ],
        [
          { ...base, client_id_issued_at: 1 },
          'client_id_issued_at must not be sent in an update (RFC 7592 section 2.2)',
        ],
        [{ ...base, client_secret: 'wrong' }, 'client_secret does not match the current secret'],
      ];
      for (const [body, description] of cases) {
        const response = await put(body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(response.body).toStrictEqual({
          error: 'invalid_request',
          error_description: description,
          request_id: response.headers.get('x-request-id'),
        });
      }
      const bad = await put({ ...base, redirect_uris: ['https://app.example/cb#frag'] });
      expect(bad.status).toBe(400);
      expect(bad.body).toStrictEqual({
        error: 'invalid_redirect_uri',
        error_description: 'redirect_uris must not contain fragments',
        request_id: bad.headers.get('x-request-id'),
      });
      // Nothing above changed the client, nor rotated its RAT.
      const unchanged = await call('GET', client.registration_client_uri, {
        token: client.registration_access_token,
      });
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toStrictEqual(client);
    });

    it('answers other methods with 405 and Allow', async () => {
      const client = (await create()).body;
      const cases: [string, string, string][] = [
        ['GET', running.register, 'POST'],
        ['POST', client.registration_client_uri, 'GET, HEAD, PUT, DELETE'],
        ['PATCH', client.registration_client_uri, 'GET, HEAD, PUT, DELETE'],
      ];
      for (const [method, url, allow] of cases) {
        const response = await call(method, url, method === 'GET' ? {} : { body: {} });
        expect(response.status, method).toBe(405);
        expectHeaders(response.headers, { allow, ...JSON_TYPE, ...NO_STORE });
        expect(response.body).toStrictEqual({
          error: 'invalid_request',
          error_description: 'method not allowed on this resource',
          request_id: response.headers.get('x-request-id'),
        });
      }
    });
  });
});
