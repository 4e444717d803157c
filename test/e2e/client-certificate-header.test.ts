import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import {
  CERTIFICATE_ROUTES,
  CLIENT_NAMES,
  createTestPki,
  type TestPki,
} from '../support/certificates.js';
import {
  call,
  expectGatewayError,
  standardConfig,
  startGateway,
  TEST_SERVER,
  type TestGateway,
} from '../support/gateway.js';

/**
 * Client certificates named by a TLS-terminating proxy in front (nginx, Envoy): the header is
 * believed only on connections from `trusted_proxies` (here the test's own loopback address,
 * or not), and a site never passes it on to the IdP, whoever sent it.
 */
const HEADER = 'x-client-cert';
const M = { redirect_uris: ['https://app.example/cb'] };

let pki: TestPki;
let backend: StandardBackend;
let idp: { url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> };
let trusting: TestGateway;
let distrusting: TestGateway;

/** An IdP origin behind a site that records the headers it gets. */
async function startRecorder(): Promise<typeof idp> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const gatewayTrusting = (trustedProxies: string[]) =>
  startGateway(
    standardConfig({
      backends: { std: backend },
      routes: CERTIFICATE_ROUTES,
      extra: {
        server: {
          ...TEST_SERVER,
          client_certificate_header: {
            name: HEADER,
            trusted_proxies: trustedProxies,
            client_ca: pki.ca.certFile,
          },
        },
        sites: { front: { issuer: 'http://idp.test', route: 'main', upstream: idp.url } },
      },
    }),
  );

beforeAll(async () => {
  pki = createTestPki();
  [backend, idp] = await Promise.all([startStandardBackend({ mtls: true }), startRecorder()]);
  [trusting, distrusting] = await Promise.all([
    gatewayTrusting(['10.0.0.0/8', '127.0.0.1']),
    gatewayTrusting(['192.0.2.0/24']),
  ]);
});

afterAll(async () => {
  await Promise.all([trusting?.close(), distrusting?.close()]);
  await Promise.all([backend?.close(), idp?.close()]);
});

const register = (
  gateway: TestGateway,
  path: string,
  header: string | undefined,
  body: Record<string, unknown> = {},
) =>
  call('POST', `${gateway.url}${path}/register`, {
    body: { ...M, ...body },
    ...(header === undefined ? {} : { headers: { [HEADER]: header } }),
  });

const escaped = (pem: string) => encodeURIComponent(pem);
const SUBJECT_DN = {
  token_endpoint_auth_method: 'tls_client_auth',
  tls_client_auth_subject_dn: CLIENT_NAMES.tls_client_auth_subject_dn,
};

describe('the client certificate header from a trusted proxy', () => {
  it.each([
    ['URL-encoded PEM (nginx $ssl_client_escaped_cert)', () => escaped(pki.client.cert)],
    ['Envoy XFCC', () => `Hash=00;Cert="${escaped(pki.client.cert)}";Subject="CN=client-1"`],
  ])('is the client certificate: %s', async (_form, header) => {
    const response = await register(trusting, '/idp', header(), SUBJECT_DN);
    expect(response.status, response.text).toBe(201);
    expect(response.body.tls_client_auth_subject_dn).toBe(SUBJECT_DN.tls_client_auth_subject_dn);
  });

  it("is not trusted when the header's client_ca did not issue it", async () => {
    const response = await register(trusting, '/strict', escaped(pki.rogue.cert));
    expectGatewayError(
      response,
      403,
      'access_denied',
      'the client certificate is not issued by a trusted certificate authority',
    );
  });

  it('is required where the route says so', async () => {
    const response = await register(trusting, '/strict', undefined);
    expectGatewayError(
      response,
      403,
      'access_denied',
      'a client certificate is required to register on this endpoint',
    );
    expect((await register(trusting, '/strict', escaped(pki.client.cert))).status).toBe(201);
  });

  it('answers anything but one certificate with 400 invalid_request, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,200}[\x21-\x7e]$/),
        async (value) => {
          const response = await register(trusting, '/idp', value);
          expectGatewayError(
            response,
            400,
            'invalid_request',
            `the ${HEADER} header does not hold one PEM certificate`,
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the client certificate header from any other peer', () => {
  it('is ignored, whatever it holds: the request has no certificate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(escaped(pki.client.cert)), fc.stringMatching(/^[\x21-\x7e]{1,100}$/)),
        async (value) => {
          const response = await register(distrusting, '/strict', value);
          expectGatewayError(
            response,
            403,
            'access_denied',
            'a client certificate is required to register on this endpoint',
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('binds no metadata: a tls_client_auth registration is left to the route', async () => {
    const response = await register(distrusting, '/idp', escaped(pki.client.cert), {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'not-in-the-certificate.example',
    });
    expect(response.status, response.text).toBe(201);
  });
});

describe('a site passing requests through to the IdP', () => {
  it.each([
    ['a trusted proxy', () => trusting],
    ['anyone else', () => distrusting],
  ])('never hands the IdP the header, sent by %s', async (_who, gateway) => {
    const response = await request(`${gateway().url}/token`, {
      method: 'POST',
      headers: { host: 'idp.test', [HEADER]: escaped(pki.client.cert), 'x-other': 'kept' },
      body: 'grant_type=client_credentials',
    });
    expect(response.statusCode).toBe(200);
    await response.body.text();
    const seen = idp.seen.at(-1)!;
    expect(seen['x-other']).toBe('kept');
    expect(seen[HEADER]).toBeUndefined();
  });
});
