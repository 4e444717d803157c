import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  expectGatewayError,
  startStandardSetup,
  type CallResult,
  type StandardSetup,
} from '../support/gateway.js';
import { encryptJwt, hmacJwt, mutatedJws, unsignedJwt } from '../support/statements.js';
import {
  ISSUER_ALGORITHMS,
  nowSeconds,
  startTestIssuer,
  type TestIssuer,
} from '../support/token-issuer.js';

/**
 * RFC 7591 §2.3 software statements verified by the gateway on an open route: two publishers,
 * one with a JWKS served on loopback (RS256, ES256, EdDSA), one with a shared secret (HS256);
 * JWE statements decrypted with the route's key. A good statement's claims win over the body
 * and the statement is echoed as received; every broken one is refused with the RFC 7591 code.
 */
const PUBLISHER = 'https://publisher.example';
const HMAC_PUBLISHER = 'https://hmac-publisher.example';
const SECRET = randomBytes(32).toString('base64url');
const BODY = { redirect_uris: ['https://app.example/cb'], client_name: 'From the body' };

let publisher: TestIssuer;
let attacker: TestIssuer;
let setup: StandardSetup;
let encryptionKey: CryptoKey;
let otherEncryptionKey: CryptoKey;
/** The private part of the route's decryption key, which must never be logged. */
let decryptionKeyD: string;

const claims = (extra: JWTPayload = {}): JWTPayload => ({
  iss: PUBLISHER,
  software_id: 'app-1',
  client_name: 'From the statement',
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
  ...extra,
});

beforeAll(async () => {
  const [decryption, other] = await Promise.all([
    generateKeyPair('RSA-OAEP-256', { extractable: true }),
    generateKeyPair('RSA-OAEP-256'),
  ]);
  encryptionKey = decryption.publicKey;
  otherEncryptionKey = other.publicKey;
  [publisher, attacker] = await Promise.all([startTestIssuer(), startTestIssuer()]);
  const privateJwk = await exportJWK(decryption.privateKey);
  decryptionKeyD = privateJwk.d!;
  setup = await startStandardSetup({
    registration: {
      open: true,
      software_statement: {
        publishers: [
          {
            issuer: PUBLISHER,
            jwks: { uri: publisher.jwksUrl },
            algorithms: [...ISSUER_ALGORITHMS],
            required_claims: ['software_id'],
            clock_skew_seconds: 30,
          },
          {
            issuer: HMAC_PUBLISHER,
            secret: { env: 'PUBLISHER_SECRET' },
            algorithms: ['HS256'],
            required_claims: ['software_id'],
            clock_skew_seconds: 30,
          },
        ],
        decryption_key: { env: 'STATEMENT_KEY' },
      },
    },
    env: {
      PUBLISHER_SECRET: SECRET,
      STATEMENT_KEY: JSON.stringify(privateJwk),
    },
    outboundUrls: { allow_loopback: true },
  });
});

afterAll(async () => {
  await setup?.close();
  await Promise.all([publisher?.close(), attacker?.close()]);
});

const registerWith = (statement: string, body: Record<string, unknown> = BODY) =>
  call('POST', setup.register, { body: { ...body, software_statement: statement } });

const expectInvalid = (response: CallResult, description: string) =>
  expectGatewayError(response, 400, 'invalid_software_statement', description);

/** The access log line of a response: whom the gateway admitted. */
const principalOf = (response: CallResult) =>
  setup.gateway.logs
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .find((entry) => entry.reqId === response.headers.get('x-request-id') && entry.statusCode)
    ?.principal;

describe('a verified software statement', () => {
  it.each(ISSUER_ALGORITHMS)(
    'signed with %s registers: its claims win, it is echoed verbatim',
    async (alg) => {
      const statement = await publisher.sign(alg, claims());
      const response = await registerWith(statement);
      expect(response.status, response.text).toBe(201);
      expect(response.body.client_name).toBe('From the statement');
      expect(response.body.redirect_uris).toStrictEqual(BODY.redirect_uris);
      expect(response.body.software_statement).toBe(statement);
      expect(response.body).not.toHaveProperty('iss');
      expect(principalOf(response)).toBe('software:app-1');
    },
  );

  it('from the HMAC publisher registers; its redirect_uris replace the body', async () => {
    const statement = await hmacJwt(
      claims({ iss: HMAC_PUBLISHER, redirect_uris: ['https://stated.example/cb'] }),
      SECRET,
    );
    const response = await registerWith(statement);
    expect(response.status, response.text).toBe(201);
    expect(response.body.redirect_uris).toStrictEqual(['https://stated.example/cb']);
    expect(response.body.software_statement).toBe(statement);
  });

  it('encrypted (JWE) to the route key registers, echoed as the JWE received', async () => {
    const statement = await encryptJwt(await publisher.sign('ES256', claims()), encryptionKey);
    const response = await registerWith(statement);
    expect(response.status, response.text).toBe(201);
    expect(response.body.client_name).toBe('From the statement');
    expect(response.body.software_statement).toBe(statement);
  });

  it('whose claims break the policy is refused like a body', async () => {
    const statement = await publisher.sign(
      'ES256',
      claims({ redirect_uris: ['http://app.example/cb'] }),
    );
    expect((await registerWith(statement)).body.error).toBe('invalid_redirect_uri');
  });

  it('is read from JSON only here: a signed request (application/jwt) is refused as before', async () => {
    const jws = await publisher.sign('ES256', claims());
    expectGatewayError(
      await call('POST', setup.register, { raw: jws, contentType: 'application/jwt' }),
      400,
      'invalid_request',
      'the request body must be application/json',
    );
  });

  it('is optional on this route: a body without one registers as open', async () => {
    const response = await call('POST', setup.register, { body: BODY });
    expect(response.status).toBe(201);
    expect(response.body).not.toHaveProperty('software_statement');
  });
});

describe('the logs', () => {
  it('never hold the publisher secret, the decryption key or a statement', async () => {
    const statement = await hmacJwt(claims({ iss: HMAC_PUBLISHER }), SECRET);
    expect((await registerWith(statement)).status).toBe(201);
    const logs = setup.gateway.logs.join('\n');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(decryptionKeyD);
    expect(logs).not.toContain(statement.split('.')[2]);
  });
});

describe('a refused software statement', () => {
  it('from an issuer not configured: unapproved_software_statement', async () => {
    for (const statement of [
      await publisher.sign('ES256', claims({ iss: 'https://elsewhere.example' })),
      await hmacJwt(claims({ iss: 'https://elsewhere.example' }), SECRET),
    ])
      expectGatewayError(
        await registerWith(statement),
        400,
        'unapproved_software_statement',
        'the software statement issuer is not approved here',
      );
  });

  it('expired, not yet valid, issued in the future or without a required claim', async () => {
    const cases: Array<[JWTPayload, string]> = [
      [claims({ exp: nowSeconds() - 60 }), 'it has expired'],
      [claims({ nbf: nowSeconds() + 120 }), 'it is not yet valid (nbf)'],
      [claims({ software_id: undefined }), 'the software_id claim is missing'],
    ];
    for (const [payload, reason] of cases)
      expectInvalid(
        await registerWith(await publisher.sign('RS256', payload)),
        `software_statement cannot be verified: ${reason}`,
      );
    expectInvalid(
      await registerWith(await publisher.sign('RS256', claims({ iat: nowSeconds() + 120 }))),
      'software_statement iat is in the future',
    );
  });

  it('with a bad signature: signed by another key under the publisher kid, or another secret', async () => {
    const unverified = 'software_statement cannot be verified: the signature does not verify';
    expectInvalid(await registerWith(await attacker.sign('ES256', claims())), unverified);
    expectInvalid(
      await registerWith(await hmacJwt(claims({ iss: HMAC_PUBLISHER }), `${SECRET}x`)),
      unverified,
    );
  });

  it('unsigned (alg none), or HMAC for a JWKS publisher (no algorithm confusion)', async () => {
    expectInvalid(
      await registerWith(unsignedJwt(claims())),
      'software_statement must be a signed JWT',
    );
    const publicKeyAsSecret = JSON.stringify(publisher.publicJwk('RS256'));
    expectInvalid(
      await registerWith(await hmacJwt(claims(), publicKeyAsSecret)),
      'software_statement alg HS256 is not accepted for its issuer',
    );
    expectInvalid(
      await registerWith(await publisher.sign('ES256', claims({ iss: HMAC_PUBLISHER }))),
      'software_statement alg ES256 is not accepted for its issuer',
    );
  });

  it('longer than 32768 characters, or not a string', async () => {
    const big = await publisher.sign('ES256', claims({ padding: 'x'.repeat(33_000) }));
    expectInvalid(await registerWith(big), 'software_statement must be at most 32768 characters');
    const response = await call('POST', setup.register, {
      body: { ...BODY, software_statement: { alg: 'none' } },
    });
    expectInvalid(response, 'software_statement must be a signed JWT');
  });

  it('never follows jku or x5u nor uses an embedded jwk: forged headers are refused', async () => {
    const before = attacker.fetches();
    const forged = [
      { jku: attacker.jwksUrl },
      { x5u: `${attacker.jwksUrl}.pem` },
      { jwk: attacker.publicJwk('ES256') },
      { jwk: attacker.publicJwk('ES256'), kid: 'attacker-key' },
      { jku: attacker.jwksUrl, kid: 'attacker-key' },
    ];
    for (const header of forged) {
      const response = await registerWith(await attacker.sign('ES256', claims(), header));
      expect(response.status, JSON.stringify(header)).toBe(400);
      expect(response.body.error).toBe('invalid_software_statement');
    }
    expect(attacker.fetches()).toBe(before);
  });

  it('encrypted to another key, or encrypting an unsigned JWT', async () => {
    const signed = await publisher.sign('ES256', claims());
    expectInvalid(
      await registerWith(await encryptJwt(signed, otherEncryptionKey)),
      'software_statement cannot be decrypted',
    );
    expectInvalid(
      await registerWith(await encryptJwt(unsignedJwt(claims()), encryptionKey)),
      'software_statement must be a signed JWT',
    );
  });

  it('any change to a segment of a good statement is refused, never a 500', async () => {
    const statement = await publisher.sign('ES256', claims());
    await fc.assert(
      fc.asyncProperty(mutatedJws(statement), async ({ segment, text }) => {
        const response = await registerWith(text);
        expect(response.status).toBe(400);
        // A changed payload may name another issuer, which is then not approved.
        expect(
          segment === 1
            ? ['invalid_software_statement', 'unapproved_software_statement']
            : ['invalid_software_statement'],
        ).toContain(response.body.error);
      }),
      { numRuns: 60 },
    );
  });
});

describe('an RFC 7592 update on a route that requires statements', () => {
  let strict: StandardSetup;
  beforeAll(async () => {
    strict = await startStandardSetup({
      backendId: 'strict-statements',
      registration: {
        open: true,
        software_statement: {
          publishers: [
            { issuer: HMAC_PUBLISHER, secret: { env: 'PUBLISHER_SECRET' }, algorithms: ['HS256'] },
          ],
          required: true,
        },
      },
      env: { PUBLISHER_SECRET: SECRET },
    });
  });
  afterAll(() => strict?.close());

  it('is verified too: the statement is required, and its claims win over the update', async () => {
    const stated = ['https://stated.example/cb'];
    const statement = await hmacJwt(claims({ iss: HMAC_PUBLISHER, redirect_uris: stated }), SECRET);
    const created = await call('POST', strict.register, {
      body: { ...BODY, software_statement: statement },
    });
    expect(created.status, created.text).toBe(201);
    const { client_id: clientId, registration_client_uri: uri } = created.body;
    let token = created.body.registration_access_token;
    const evil = { client_id: clientId, redirect_uris: ['https://evil.example/cb'] };

    expectInvalid(
      await call('PUT', uri, { token, body: evil }),
      'a software statement is required',
    );
    const updated = await call('PUT', uri, {
      token,
      body: { ...evil, software_statement: statement },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.redirect_uris).toStrictEqual(stated);
    expect(updated.body.software_statement).toBe(statement);
    token = updated.body.registration_access_token;
    const read = await call('GET', uri, { token });
    expect(read.body.redirect_uris).toStrictEqual(stated);

    const forged = await hmacJwt(
      claims({ iss: HMAC_PUBLISHER, redirect_uris: ['https://evil.example/cb'] }),
      `${SECRET}x`,
    );
    expectInvalid(
      await call('PUT', uri, { token, body: { ...evil, software_statement: forged } }),
      'software_statement cannot be verified: the signature does not verify',
    );
  });
});
