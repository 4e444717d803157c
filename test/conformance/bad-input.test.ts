import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { call } from '../support/gateway.js';
import { eachRoute, type ConformanceRoute } from './routes.js';
import {
  clientAnswer,
  expectErrorAnswer,
  expectHeaders,
  JSON_TYPE,
  NO_STORE,
  useRoute,
} from './wire.js';

/**
 * Bad input gets the right 4xx with an RFC 7591 / RFC 6749 error body, on create and on update,
 * and never a 5xx: body-shape problems are `invalid_request`, bad members
 * `invalid_client_metadata`, bad redirect URIs `invalid_redirect_uri`. Runs the real gateway in
 * front of each route's real backend, so refusals the backend makes are covered too. Requests
 * the route's `substitute` policy repairs (RFC 7591 §3.2.1) are registered, and the answer says
 * what was registered instead.
 */

interface Client {
  client_id: string;
  client_secret: string;
  client_id_issued_at: number;
  registration_client_uri: string;
  registration_access_token: string;
}

const M = { redirect_uris: ['https://app.example/cb'] };
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** What a case sends: a JSON value, or raw text with a content type (null: no content type). */
type Sent = { json: unknown } | { raw: string | Uint8Array; contentType: string | null };

async function send(method: string, url: string, sent: Sent, token?: string) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array;
  if ('json' in sent) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(sent.json);
  } else {
    if (sent.contentType !== null) headers['content-type'] = sent.contentType;
    body = sent.raw;
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

interface Case {
  readonly name: string;
  /** The body, given the minimal valid body of the request (which names the client on PUT). */
  readonly sent: (base: Record<string, unknown>) => Sent;
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

const NOT_AN_OBJECT = 'the request body must be a JSON object';
const NOT_JSON = 'the request body must be application/json';

const shape = (name: string, sent: Sent, description: string, status = 400): Case => ({
  name,
  sent: () => sent,
  status,
  error: 'invalid_request',
  description,
});
const raw = (text: string | Uint8Array, contentType: string | null = 'application/json'): Sent => ({
  raw: text,
  contentType,
});
const member = (
  name: string,
  extra: Readonly<Record<string, unknown>>,
  error: 'invalid_client_metadata' | 'invalid_redirect_uri',
  description: string,
): Case => ({
  name,
  sent: (base) => ({ json: { ...base, ...extra } }),
  status: 400,
  error,
  description,
});
const metadata = (name: string, extra: Record<string, unknown>, description: string) =>
  member(name, extra, 'invalid_client_metadata', description);
const redirect = (name: string, uris: unknown, description: string) =>
  member(name, { redirect_uris: uris }, 'invalid_redirect_uri', description);

/** Refused the same way on POST {prefix}/register and PUT {prefix}/register/{client_id}. */
function refusals(route: ConformanceRoute): Case[] {
  const { grant_types: supported, token_endpoint_auth_methods: methods } =
    route.backend.capabilities;
  const unsupportedGrant = (grant: string) =>
    `grant_types value ${grant} is not supported by this identity provider (supported: ${supported.join(', ')})`;
  return [
    shape('broken JSON', raw('{"redirect_uris": ['), 'the request body is not valid JSON'),
    shape(
      'JSON with a trailing comma',
      raw('{"client_name":"a",}'),
      'the request body is not valid JSON',
    ),
    shape('an empty body labelled application/json', raw(''), NOT_AN_OBJECT),
    shape('null', raw('null'), NOT_AN_OBJECT),
    shape('an array', raw('[{"redirect_uris":["https://a.example/cb"]}]'), NOT_AN_OBJECT),
    shape('an empty array', raw('[]'), NOT_AN_OBJECT),
    shape('a JSON string', raw('"hello"'), NOT_AN_OBJECT),
    shape('a JSON number', raw('42'), NOT_AN_OBJECT),
    shape('true', raw('true'), NOT_AN_OBJECT),
    shape(
      'a form',
      raw('redirect_uris=https://a.example/cb', 'application/x-www-form-urlencoded'),
      NOT_JSON,
    ),
    shape('text/plain', raw('{"redirect_uris":["https://a.example/cb"]}', 'text/plain'), NOT_JSON),
    shape('multipart', raw('--x\r\n\r\n{}\r\n--x--', 'multipart/form-data; boundary=x'), NOT_JSON),
    shape(
      'application/problem+json',
      raw('{"redirect_uris":["https://a.example/cb"]}', 'application/problem+json'),
      NOT_JSON,
    ),
    shape('bytes with no content type', raw(new TextEncoder().encode('{}'), null), NOT_JSON),
    shape(
      'a 1 MB body',
      raw(JSON.stringify({ client_name: 'x'.repeat(1_048_576) })),
      `the request body exceeds ${route.bodyLimitBytes} bytes`,
      413,
    ),
    metadata(
      'grant_types as a string',
      { grant_types: 'authorization_code' },
      'grant_types must be an array of strings',
    ),
    metadata(
      'an empty string in a list',
      { response_types: [''] },
      'response_types must contain only non-empty strings',
    ),
    metadata('scope as an array', { scope: ['openid'] }, 'scope must be a non-empty string'),
    metadata(
      'require_auth_time as a string',
      { require_auth_time: 'true' },
      'require_auth_time must be a boolean',
    ),
    metadata(
      'negative default_max_age',
      { default_max_age: -1 },
      'default_max_age must be a non-negative integer',
    ),
    metadata(
      'client_name as a number',
      { client_name: 42 },
      'client_name must be a non-empty string',
    ),
    metadata(
      'contacts that are not addresses',
      { contacts: ['ops'] },
      'contacts must contain e-mail addresses',
    ),
    metadata(
      'logo_uri over ftp',
      { logo_uri: 'ftp://x.example/logo.png' },
      'logo_uri must be an https or http URI',
    ),
    metadata(
      'an unknown algorithm',
      { id_token_signed_response_alg: 'XS256' },
      'id_token_signed_response_alg is not a registered JWS algorithm',
    ),
    metadata(
      'unknown application_type',
      { application_type: 'desktop' },
      'application_type must be one of web, native',
    ),
    metadata(
      'password grant',
      { grant_types: ['password'], response_types: [] },
      'grant_types must not contain password (RFC 9700 section 2.4)',
    ),
    metadata(
      'client_credentials for a public client',
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      'grant_types client_credentials needs a token_endpoint_auth_method other than none',
    ),
    // Substitution drops an unsupported grant only while a usable one remains: alone, it is
    // refused, naming what the backend supports.
    ...(supported.includes(DEVICE_CODE)
      ? []
      : [
          metadata(
            'only a grant the backend does not support',
            { grant_types: [DEVICE_CODE] },
            unsupportedGrant(DEVICE_CODE),
          ),
        ]),
    ...(supported.includes('implicit')
      ? []
      : [
          metadata(
            'implicit only, which the backend does not support',
            { grant_types: ['implicit'], response_types: ['id_token'] },
            unsupportedGrant('implicit'),
          ),
        ]),
    metadata(
      'an oct key in jwks',
      { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      'jwks keys must be RSA, EC or OKP public keys',
    ),
    metadata(
      'a key type named after an Object member',
      { jwks: { keys: [{ kty: 'constructor' }] } },
      'jwks keys must be RSA, EC or OKP public keys',
    ),
    metadata(
      'a private key in jwks',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } },
      'jwks must not contain private key material',
    ),
    metadata(
      'jwks and jwks_uri',
      { jwks: { keys: [] }, jwks_uri: 'https://app.example/jwks' },
      'jwks must not be sent together with jwks_uri',
    ),
    methods.includes('private_key_jwt')
      ? metadata(
          'private_key_jwt without keys',
          { token_endpoint_auth_method: 'private_key_jwt' },
          'token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri',
        )
      : metadata(
          'private_key_jwt, which the backend does not support',
          { token_endpoint_auth_method: 'private_key_jwt' },
          `token_endpoint_auth_method value private_key_jwt is not supported by this identity provider (supported: ${methods.join(', ')})`,
        ),
    metadata(
      'both proof-of-possession flags',
      { dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: true },
      'dpop_bound_access_tokens must not be true together with tls_client_certificate_bound_access_tokens',
    ),
    redirect(
      'redirect_uris as a string',
      'https://a.example/cb',
      'redirect_uris must be an array of strings',
    ),
    redirect('a relative redirect URI', ['/cb'], 'redirect_uris must contain absolute URIs'),
    redirect(
      'a redirect URI with a space',
      [' https://a.example/cb'],
      'redirect_uris must contain absolute URIs',
    ),
    redirect('a fragment', ['https://a.example/cb#x'], 'redirect_uris must not contain fragments'),
    redirect('a bare #', ['https://a.example/cb#'], 'redirect_uris must not contain fragments'),
    redirect(
      'javascript:',
      ['javascript:alert(1)'],
      'redirect_uris must not use the javascript: scheme',
    ),
    redirect('data:', ['data:text/html,x'], 'redirect_uris must not use the data: scheme'),
    redirect('file:', ['file:///etc/passwd'], 'redirect_uris must not use the file: scheme'),
    redirect(
      'http on a public host',
      ['http://evil.example/cb'],
      'redirect_uris may use http only on a loopback host (localhost, 127.0.0.1, [::1])',
    ),
    // A private-use scheme makes a native client (see the substitutions below), unless another
    // URI is one no client may use.
    member(
      'a private-use scheme next to plain http off loopback',
      { application_type: 'web', redirect_uris: ['cursor://cb', 'http://app.example/cb'] },
      'invalid_redirect_uri',
      'redirect_uris of web clients must use https (private-use schemes need application_type native)',
    ),
    redirect(
      'no redirect URIs for the code flow',
      [],
      'redirect_uris are required for the authorization_code and implicit grants',
    ),
    ...route.backend.refusals.map((refusal) =>
      member(
        `${refusal.name} (refused by the backend)`,
        refusal.metadata,
        refusal.error,
        refusal.description,
      ),
    ),
  ];
}

interface Substitution {
  readonly name: string;
  /** Merged over the minimal valid body of the request. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** The members registered in place of what was asked for. */
  readonly registered: Readonly<Record<string, unknown>>;
}

/** Registered under `registration_policy: substitute`, on POST and PUT alike. */
function substitutions(route: ConformanceRoute): Substitution[] {
  return [
    ...(route.backend.capabilities.grant_types.includes(DEVICE_CODE)
      ? []
      : [
          {
            name: 'a grant the backend does not support, next to one it does: dropped',
            extra: { grant_types: ['authorization_code', DEVICE_CODE] },
            registered: { grant_types: ['authorization_code'] },
          },
        ]),
    {
      name: 'a private-use scheme without application_type: registered as native',
      extra: { redirect_uris: ['cursor://cb'] },
      registered: { application_type: 'native' },
    },
    {
      name: 'a private-use scheme for a client that says it is web: registered as native',
      extra: { application_type: 'web', redirect_uris: ['cursor://cb'] },
      registered: { application_type: 'native' },
    },
  ];
}

const named = <T extends { readonly name: string }>(cases: readonly T[]) =>
  cases.map((c) => [c.name, c] as const);

describe.each(eachRoute())('%s', (_name, route) => {
  const running = useRoute(route);

  async function create(): Promise<Client> {
    const response = await send('POST', running.register, { json: M });
    expect(response.status, response.text).toBe(201);
    return JSON.parse(response.text) as Client;
  }

  /** The RAT an update answers: a new one when the backend rotates, or an echoed member changes. */
  const rotated = (client: Client, answered: Readonly<Record<string, unknown>> = {}) => {
    const before: Readonly<Record<string, unknown>> = { ...client };
    const after = { ...before, ...answered };
    const echoChanged = (route.backend.echoes ?? []).some(
      (member) => !isDeepStrictEqual(before[member], after[member]),
    );
    return route.backend.rotatesRatOnUpdate || echoChanged
      ? {}
      : { registration_access_token: client.registration_access_token };
  };

  /**
   * The client reads back exactly as given, with its RAT: after a refusal, as created (nothing
   * changed, nothing rotated); after an update, as the update answered.
   */
  async function expectStored(client: Client) {
    const response = await call('GET', client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toStrictEqual(client);
  }

  describe('POST /register', () => {
    it.each(named(refusals(route)))('refuses %s', async (_name, expected) => {
      expectErrorAnswer(await send('POST', running.register, expected.sent(M)), expected);
    });

    it.each(named(substitutions(route)))('registers %s', async (_name, substitution) => {
      const response = await send('POST', running.register, {
        json: { ...M, ...substitution.extra },
      });
      expect(response.status, response.text).toBe(201);
      expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
      const body = JSON.parse(response.text);
      expect(body).toStrictEqual(
        clientAnswer(route, running.started, body.client_id, {
          ...M,
          ...substitution.extra,
          ...substitution.registered,
        }),
      );
    });

    it.each([
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'Application/JSON',
    ])('accepts %s', async (contentType) => {
      const response = await send('POST', running.register, raw(JSON.stringify(M), contentType));
      expect(response.status, response.text).toBe(201);
      const body = JSON.parse(response.text);
      expect(body.redirect_uris).toStrictEqual(M.redirect_uris);
      expect(body).toStrictEqual(clientAnswer(route, running.started, body.client_id, M));
    });
  });

  /**
   * A fresh client for every case: an update the gateway accepts (wrongly, or by substitution)
   * may rotate the RAT, and no case may depend on what another did to its client.
   */
  describe('PUT /register/{client_id}', () => {
    const put = (client: Client, sent: Sent) =>
      send('PUT', client.registration_client_uri, sent, client.registration_access_token);
    const base = (client: Client) => ({ client_id: client.client_id, ...M });

    it.each(named(refusals(route)))('refuses %s', async (_name, expected) => {
      const client = await create();
      expectErrorAnswer(await put(client, expected.sent(base(client))), expected);
      await expectStored(client);
    });

    it.each(named(substitutions(route)))('registers %s', async (_name, substitution) => {
      const client = await create();
      const response = await put(client, { json: { ...base(client), ...substitution.extra } });
      expect(response.status, response.text).toBe(200);
      expectHeaders(response.headers, { ...JSON_TYPE, ...NO_STORE });
      const body = JSON.parse(response.text);
      expect(body).toStrictEqual(
        clientAnswer(
          route,
          running.started,
          client.client_id,
          { ...M, ...substitution.extra, ...substitution.registered },
          {
            client_id: client.client_id,
            client_secret: client.client_secret,
            client_id_issued_at: client.client_id_issued_at,
            ...rotated(client, substitution.registered),
          },
        ),
      );
      if (route.backend.rotatesRatOnUpdate)
        expect(body.registration_access_token).not.toBe(client.registration_access_token);
      await expectStored(body);
    });

    interface Rule {
      readonly name: string;
      readonly body: (client: Client) => unknown;
      readonly description: string;
    }
    const SAME_CLIENT = 'client_id must be present and equal to the client being updated';
    /** What the gateway issued, sent back: RFC 7592 §2.2 forbids it in an update. */
    const managed: Record<string, (client: Client) => unknown> = {
      registration_access_token: (client) => client.registration_access_token,
      registration_client_uri: (client) => client.registration_client_uri,
      client_secret_expires_at: () => 0,
      client_id_issued_at: () => 1732270000,
    };
    const rules: Rule[] = [
      { name: 'no client_id', body: () => M, description: SAME_CLIENT },
      {
        name: 'another client_id',
        body: () => ({ ...M, client_id: 'someone-else' }),
        description: SAME_CLIENT,
      },
      ...Object.entries(managed).map(([field, value]): Rule => ({
        name: field,
        body: (client) => ({ ...base(client), [field]: value(client) }),
        description: `${field} must not be sent in an update (RFC 7592 section 2.2)`,
      })),
      {
        name: 'a client_secret that is not a string',
        body: (client) => ({ ...base(client), client_secret: 42 }),
        description: 'client_secret must be a string',
      },
      {
        name: 'a client_secret other than the current one',
        body: (client) => ({ ...base(client), client_secret: 'chosen-by-the-client' }),
        description: 'client_secret does not match the current secret',
      },
    ];
    it.each(named(rules))('refuses %s (RFC 7592 §2.2)', async (_name, rule) => {
      const client = await create();
      expectErrorAnswer(await put(client, { json: rule.body(client) }), {
        status: 400,
        error: 'invalid_request',
        description: rule.description,
      });
      await expectStored(client);
    });

    it('accepts an update sent as application/json; charset=utf-8', async () => {
      const client = await create();
      const response = await put(
        client,
        raw(
          JSON.stringify({ ...base(client), client_name: 'After' }),
          'application/json; charset=utf-8',
        ),
      );
      expect(response.status, response.text).toBe(200);
      expect(JSON.parse(response.text)).toStrictEqual(
        clientAnswer(
          route,
          running.started,
          client.client_id,
          { ...M, client_name: 'After' },
          {
            client_id: client.client_id,
            client_secret: client.client_secret,
            client_id_issued_at: client.client_id_issued_at,
            ...rotated(client),
          },
        ),
      );
    });
  });

  describe('requests that carry no body', () => {
    it.each(['application/json', 'text/plain'])(
      'DELETE with content-type %s and an empty body deletes the client',
      async (contentType) => {
        const client = await create();
        const response = await send(
          'DELETE',
          client.registration_client_uri,
          raw('', contentType),
          client.registration_access_token,
        );
        expect(response.status, response.text).toBe(204);
        expect(response.text).toBe('');
      },
    );

    it('GET with content-type application/json reads the client', async () => {
      const client = await create();
      const response = await fetch(client.registration_client_uri, {
        headers: {
          authorization: `Bearer ${client.registration_access_token}`,
          'content-type': 'application/json',
        },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toStrictEqual(client);
    });
  });
});
