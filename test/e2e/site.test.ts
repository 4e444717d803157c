import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBackend } from '../support/fake-vendor.js';
import { standardConfig, startGateway, TEST_SERVER, type TestGateway } from '../support/gateway.js';
import { dribble, sendRaw } from '../support/raw-http.js';

/** What reached the scripted IdP. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const ISSUER = 'http://idp.test';
const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  registration_endpoint: `${ISSUER}/reg`,
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
};

/** A scripted IdP: metadata, an echo, a redirect with cookies, a hang; `fail` breaks metadata. */
async function startIdp() {
  const seen: Seen[] = [];
  const state = { fail: false, metadataFetches: 0 };
  const server = createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/.well-known/openid-configuration') {
        state.metadataFetches++;
        if (state.fail) return void res.writeHead(500).end('broken');
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(METADATA));
      }
      if (req.url === '/hang') return;
      if (req.url?.startsWith('/redirect'))
        return void res
          .writeHead(302, {
            location: `${ISSUER}/next?x=1`,
            'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/auth'],
          })
          .end();
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'keep-alive, x-hop',
        'x-hop': 'dropped',
        'x-kept': 'kept',
      });
      res.end(`echo ${req.method} ${req.url} ${body.length}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    seen,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let idp: Awaited<ReturnType<typeof startIdp>>;
let gateway: TestGateway;

/** A request to the gateway as if to `host` (fetch cannot set Host). */
async function toSite(
  path: string,
  options: {
    method?: 'GET' | 'POST' | 'OPTIONS';
    headers?: Record<string, string>;
    body?: string;
  } = {},
  host = 'idp.test',
) {
  const response = await request(`${gateway.url}${path}`, {
    method: options.method ?? 'GET',
    headers: { host, ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

beforeAll(async () => {
  idp = await startIdp();
  gateway = await startGateway(
    standardConfig({
      backends: { idp: asBackend(idp.baseUrl) },
      routes: { main: { prefix: '/idp', backend: 'idp' } },
      backendSection: { timeouts: { request_ms: 300 } },
      extra: {
        sites: {
          front: {
            issuer: ISSUER,
            route: 'main',
            idp_registration: { paths: ['/reg'] },
            discovery: { ttl_seconds: 1, stale_seconds: 60, timeout_ms: 300 },
            cors: { allowed_origins: ['https://app.example'] },
          },
        },
        server: { ...TEST_SERVER, timeouts: { body_ms: 400 } },
      },
    }),
  );
});
afterAll(async () => {
  await gateway?.close();
  await idp?.close();
});

describe('a site in front of an IdP origin', () => {
  it('streams other paths to the IdP with forwarding headers, dropping hop-by-hop ones', async () => {
    const answer = await toSite('/some/path?q=1', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': '6.6.6.6',
        forwarded: 'for=6.6.6.6',
      },
      body: 'a=1&b=2',
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('echo POST /some/path?q=1 7');
    expect(answer.headers['x-kept']).toBe('kept');
    expect(answer.headers['x-hop']).toBeUndefined();
    const seen = idp.seen.at(-1)!;
    expect(seen.body).toBe('a=1&b=2');
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('idp.test');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.forwarded).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(idp.baseUrl).host);
  });

  it('keeps Location and every Set-Cookie as the IdP sent them', async () => {
    const answer = await toSite('/redirect');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe(`${ISSUER}/next?x=1`);
    expect(answer.headers['set-cookie']).toStrictEqual([
      'a=1; Path=/; HttpOnly',
      'b=2; Path=/auth',
    ]);
  });

  it('answers an IdP that does not answer in time with the gateway error, 504', async () => {
    const answer = await toSite('/hang');
    expect(answer.status).toBe(504);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toStrictEqual({
      error: 'temporarily_unavailable',
      error_description: 'the identity provider did not answer in time',
      request_id: answer.headers['x-request-id'],
    });
    expect(answer.headers['retry-after']).toBe('5');
  });

  it('refuses a body over the limit with 413 before the IdP sees it', async () => {
    const before = idp.seen.length;
    const answer = await toSite('/token', { method: 'POST', body: 'x'.repeat(65_537) });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' });
    expect(idp.seen.length).toBe(before);
  });

  it('stops a chunked body at the limit with 413: no Content-Length to check up front', async () => {
    const chunks = Readable.from(Array.from({ length: 17 }, () => Buffer.alloc(4096, 120)));
    const response = await request(`${gateway.url}/token`, {
      method: 'POST',
      headers: { host: 'idp.test', 'content-type': 'application/octet-stream' },
      body: chunks,
    });
    expect(response.statusCode).toBe(413);
    expect(await response.body.json()).toStrictEqual({
      error: 'invalid_request',
      error_description: 'the request body exceeds 65536 bytes',
      request_id: response.headers['x-request-id'],
    });
  });

  it('bounds a dribbled body as on every other path: 408 in the gateway format', async () => {
    const head = 'POST /token HTTP/1.1\r\nHost: idp.test\r\nContent-Length: 10\r\n\r\n';
    const answer = await dribble(gateway.url, [head, 'a', 'b', 'c', 'd', 'e'], 200);
    expect(answer?.status).toBe(408);
    expect(answer?.body).toStrictEqual({
      error: 'invalid_request',
      error_description: 'the request body was not received within 400 ms',
      request_id: answer?.headers['x-request-id'],
    });
  });

  it('drops the request headers its Connection header names', async () => {
    const answer = await sendRaw(
      gateway.url,
      'GET /named HTTP/1.1\r\nHost: idp.test\r\nConnection: close, X-Secret\r\nX-Secret: hop\r\n\r\n',
    );
    expect(answer?.status).toBe(200);
    const seen = idp.seen.at(-1)!;
    expect(seen.url).toBe('/named');
    expect(seen.headers['x-secret']).toBeUndefined();
  });

  it("takes the IdP's registration path over: the gateway answers it, the IdP never sees it", async () => {
    const before = idp.seen.length;
    const answer = await toSite('/reg', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toStrictEqual({
      error: 'invalid_request',
      error_description: 'the request body must be application/json',
      request_id: answer.headers['x-request-id'],
    });
    expect(answer.headers['cache-control']).toBe('no-store');
    const below = await toSite('/reg/some-client');
    expect(below.status).toBe(401);
    expect(idp.seen.length).toBe(before);
  });

  it('logs a passthrough the IdP answered at debug, one it failed at warn with its code', async () => {
    const lines = gateway.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request completed');
    const of = (url: string) => lines.find((line) => line.url === url);
    expect(of('/some/path')).toMatchObject({ level: 20, method: 'POST', statusCode: 200 });
    expect(of('/hang')).toMatchObject({ level: 40, statusCode: 504, code: 'backend_timeout' });
    expect(of('/reg')).toMatchObject({ level: 30, statusCode: 400, code: 'invalid_request' });
  });

  it('leaves other hosts to the per-route endpoints: no passthrough there', async () => {
    const answer = await toSite('/some/path', {}, new URL(gateway.url).host);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'not_found' });
  });
});

describe('discovery on a site', () => {
  const rewritten = { ...METADATA, registration_endpoint: `${ISSUER}/idp/register` };

  it('serves the IdP metadata with the gateway registration endpoint, all else untouched', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      const answer = await toSite(path);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(JSON.parse(answer.text)).toStrictEqual(rewritten);
    }
  });

  it('serves a stale copy while the IdP fails, fetching at most once a second', async () => {
    await toSite('/.well-known/openid-configuration');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    idp.state.fail = true;
    try {
      const fetches = idp.state.metadataFetches;
      const answers = await Promise.all(
        [1, 2, 3].map(() => toSite('/.well-known/openid-configuration')),
      );
      for (const answer of answers) expect(JSON.parse(answer.text)).toStrictEqual(rewritten);
      expect(idp.state.metadataFetches).toBe(fetches + 1);
    } finally {
      idp.state.fail = false;
    }
  });

  it('answers CORS preflights and requests from allowed origins only', async () => {
    const preflight = await toSite('/idp/register', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE');
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, content-type');
    const discovery = await toSite('/.well-known/openid-configuration', {
      headers: { origin: 'https://app.example' },
    });
    expect(discovery.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await toSite('/.well-known/openid-configuration', {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toBe('origin');
  });
});

describe('a site whose IdP is down', () => {
  let down: TestGateway;
  let closedPort: number;

  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    down = await startGateway(
      standardConfig({
        backends: { idp: asBackend(`http://127.0.0.1:${closedPort}`) },
        routes: { main: { prefix: '/idp', backend: 'idp' } },
        extra: {
          sites: {
            front: {
              issuer: ISSUER,
              route: 'main',
              idp_registration: { paths: ['/reg'], action: 'refuse' },
            },
          },
        },
      }),
    );
  });
  afterAll(() => down?.close());

  const ask = async (path: string, method: 'GET' | 'POST' = 'GET') => {
    const response = await request(`${down.url}${path}`, {
      method,
      headers: { host: 'idp.test' },
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: await response.body.json(),
    };
  };

  it('answers passthrough and discovery with 503 in the gateway format', async () => {
    const passthrough = await ask('/auth');
    expect(passthrough).toMatchObject({ status: 503 });
    expect(passthrough.body).toStrictEqual({
      error: 'temporarily_unavailable',
      error_description: 'the identity provider is unavailable',
      request_id: passthrough.headers['x-request-id'],
    });
    const discovery = await ask('/.well-known/openid-configuration');
    expect(discovery).toMatchObject({ status: 503 });
    expect(discovery.headers['cache-control']).toBe('no-store');
    expect(discovery.body).toStrictEqual({
      error: 'temporarily_unavailable',
      error_description: 'the identity provider metadata is unavailable',
      request_id: discovery.headers['x-request-id'],
    });
  });

  it("refuses the IdP's own registration path and everything below it with 404", async () => {
    for (const [path, method] of [
      ['/reg', 'POST'],
      ['/reg/some-client', 'GET'],
    ] as const) {
      const refused = await ask(path, method);
      expect(refused.status, path).toBe(404);
      expect(refused.body).toStrictEqual({
        error: 'not_found',
        error_description: 'no such resource',
        request_id: refused.headers['x-request-id'],
      });
    }
  });
});
