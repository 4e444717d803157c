import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandardBackend, type StandardBackend } from '../../src/sandbox/standard-backend.js';
import {
  CERTIFICATE_ROUTES,
  CLIENT_NAMES,
  createTestPki,
  tlsFetch,
  type Issued,
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
 * The gateway terminating TLS (RFC 8705): a real HTTPS listener asking for client certificates,
 * verified against `client_ca`; openssl-made certificates presented by a real TLS client.
 * `/idp` checks a certificate when one is presented; `/strict` requires one.
 */
const M = { redirect_uris: ['https://app.example/cb'] };

let pki: TestPki;
let backend: StandardBackend;
let gateway: TestGateway;

beforeAll(async () => {
  pki = createTestPki();
  backend = await startStandardBackend({ mtls: true });
  const fixture = standardConfig({
    backends: { std: backend },
    routes: CERTIFICATE_ROUTES,
    extra: {
      server: {
        ...TEST_SERVER,
        tls: {
          certificate: pki.server.certFile,
          key: { file: pki.server.keyFile },
          client_ca: pki.ca.certFile,
          request_client_certificate: true,
        },
      },
    },
  });
  gateway = await startGateway(fixture, tlsFetch(pki.ca));
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

const register = (path: string, presented: Issued | undefined, body: Record<string, unknown>) =>
  call('POST', `${gateway.url}${path}/register`, {
    body: { ...M, ...body },
    fetch: tlsFetch(pki.ca, presented),
  });

const thumbprint = (issued: Issued) =>
  createHash('sha256').update(Buffer.from(issued.der, 'base64')).digest('base64url');

/** The access log line of a response. */
const logLine = (response: Awaited<ReturnType<typeof register>>) =>
  gateway.logs
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .find((entry) => entry.reqId === response.headers.get('x-request-id') && entry.statusCode);

describe('tls_client_auth over the gateway TLS', () => {
  it.each(Object.entries(CLIENT_NAMES))(
    'registers when %s matches the certificate, named by its thumbprint',
    async (field, value) => {
      const response = await register('/idp', pki.client, {
        token_endpoint_auth_method: 'tls_client_auth',
        [field]: value,
      });
      expect(response.status, response.text).toBe(201);
      expect(response.body.token_endpoint_auth_method).toBe('tls_client_auth');
      expect(response.body[field]).toBe(value);
      expect(logLine(response)?.principal).toBe(`cert:${thumbprint(pki.client)}`);
    },
  );

  it('compares the subject DN as RFC 4514 names: case, spacing and OID spelling aside', async () => {
    const response = await register('/idp', pki.client, {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'cn=CLIENT-1,  ou=payments, 2.5.4.10=example\\2C  inc.,c=de',
    });
    expect(response.status, response.text).toBe(201);
  });

  it.each([
    ['tls_client_auth_subject_dn', 'CN=client-2,OU=Payments,O=Example\\, Inc.,C=DE'],
    ['tls_client_auth_subject_dn', 'C=DE,O=Example\\, Inc.,OU=Payments,CN=client-1'],
    ['tls_client_auth_san_dns', 'other.example'],
    ['tls_client_auth_san_uri', 'https://client.example/ID'],
    ['tls_client_auth_san_ip', '192.0.2.11'],
    ['tls_client_auth_san_email', 'dev@client.example'],
  ])('refuses %s = %s, which the certificate does not carry', async (field, value) => {
    const response = await register('/idp', pki.client, {
      token_endpoint_auth_method: 'tls_client_auth',
      [field]: value,
    });
    expectGatewayError(
      response,
      400,
      'invalid_client_metadata',
      `${field} does not match the client certificate`,
    );
  });

  it('refuses a certificate from a CA other than client_ca, names matching or not', async () => {
    const response = await register('/idp', pki.rogue, {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: CLIENT_NAMES.tls_client_auth_subject_dn,
    });
    expectGatewayError(
      response,
      400,
      'invalid_client_metadata',
      'token_endpoint_auth_method tls_client_auth needs a client certificate issued by a trusted certificate authority',
    );
  });

  it('leaves a registration without a certificate to the route (open: as before)', async () => {
    const response = await register('/idp', undefined, {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'anything.example',
    });
    expect(response.status, response.text).toBe(201);
    expect(logLine(response)?.principal).toBe('open');
  });
});

describe('self_signed_tls_client_auth over the gateway TLS', () => {
  it("registers when jwks holds the certificate's key; a self-signed certificate names no one", async () => {
    const response = await register('/idp', pki.selfSigned, {
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [pki.client.jwk, { ...pki.selfSigned.jwk, use: 'sig' }] },
    });
    expect(response.status, response.text).toBe(201);
    expect(logLine(response)?.principal).toBe('open');
  });

  it('refuses jwks without the key of the certificate presented', async () => {
    const response = await register('/idp', pki.selfSigned, {
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [pki.client.jwk] },
    });
    expectGatewayError(
      response,
      400,
      'invalid_client_metadata',
      'jwks does not hold the public key of the client certificate',
    );
  });
});

describe('a route that requires a client certificate', () => {
  it('refuses a registration without one: 403 access_denied', async () => {
    const response = await register('/strict', undefined, {});
    expectGatewayError(
      response,
      403,
      'access_denied',
      'a client certificate is required to register on this endpoint',
    );
  });

  it('refuses a certificate from an untrusted CA', async () => {
    const response = await register('/strict', pki.rogue, {});
    expectGatewayError(
      response,
      403,
      'access_denied',
      'the client certificate is not issued by a trusted certificate authority',
    );
  });

  it('registers with a trusted certificate, whatever the auth method', async () => {
    const response = await register('/strict', pki.client, {});
    expect(response.status, response.text).toBe(201);
    expect(logLine(response)?.principal).toBe(`cert:${thumbprint(pki.client)}`);
  });

  it('registers a self-signed certificate bound by its key in jwks', async () => {
    const response = await register('/strict', pki.selfSigned, {
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [pki.selfSigned.jwk] },
    });
    expect(response.status, response.text).toBe(201);
  });
});

describe('logs', () => {
  it("never hold the server's private key", async () => {
    await register('/idp', pki.client, {});
    const keyBody = pki.server.key.split('\n').slice(1, -2).join('');
    expect(keyBody.length).toBeGreaterThan(40);
    const logs = gateway.logs.join('\n').replace(/\\n|\s/g, '');
    expect(logs).not.toContain(keyBody.slice(0, 40));
  });
});
