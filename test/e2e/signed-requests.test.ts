import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  call,
  expectGatewayError,
  startGateway,
  startStandardSetup,
  type CallResult,
  type StandardSetup,
  type TestGateway,
  writeConfigFile,
} from '../support/gateway.js';
import { REDIS_URL } from '../support/redis.js';
import { mutatedJws } from '../support/statements.js';
import { nowSeconds, startTestIssuer, type TestIssuer } from '../support/token-issuer.js';

/**
 * Signed registration requests (UK Open Banking / CDR style): an `application/jwt` body whose
 * claims are the metadata and carry a software statement; the request is signed with a key of
 * the statement's JWKS (inline or by `jwks_uri`), names this endpoint as its audience and is
 * accepted once across two instances sharing Redis.
 */
const PUBLISHER = 'https://publisher.example';
/** Both instances answer as the same public URL: a request names it as its audience. */
const PUBLIC_URL = 'https://dcr.example';
const ENDPOINT = `${PUBLIC_URL}/idp/register`;
const SOFTWARE_ID = 'app-signed';

let publisher: TestIssuer;
let client: TestIssuer;
let attacker: TestIssuer;
let setup: StandardSetup;
let second: TestGateway;

beforeAll(async () => {
  [publisher, client, attacker] = await Promise.all([
    startTestIssuer(),
    startTestIssuer(),
    startTestIssuer(),
  ]);
  setup = await startStandardSetup({
    redis: REDIS_URL,
    registration: {
      open: true,
      software_statement: {
        publishers: [
          {
            issuer: PUBLISHER,
            jwks: { uri: publisher.jwksUrl },
            algorithms: ['ES256'],
            required_claims: ['software_id'],
          },
        ],
        required: true,
      },
      signed_requests: {
        algorithms: ['PS256', 'ES256'],
        max_age_seconds: 300,
        clock_skew_seconds: 30,
      },
    },
    extra: { server: { log_level: 'debug', public_url: PUBLIC_URL } },
    outboundUrls: { allow_loopback: true },
  });
  second = await startGateway(setup.fixture);
});

afterAll(async () => {
  await second?.close();
  await setup?.close();
  await Promise.all([publisher?.close(), client?.close(), attacker?.close()]);
});

/** A statement for the client, its key set inline unless `claims` says otherwise. */
const statement = (claims: JWTPayload = {}) =>
  publisher.sign('ES256', {
    iss: PUBLISHER,
    software_id: SOFTWARE_ID,
    client_name: 'Stated',
    jwks: { keys: [client.publicJwk('ES256')] },
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...claims,
  });

const requestClaims = async (claims: JWTPayload = {}): Promise<JWTPayload> => ({
  iss: SOFTWARE_ID,
  aud: ENDPOINT,
  iat: nowSeconds(),
  exp: nowSeconds() + 120,
  jti: randomBytes(8).toString('hex'),
  redirect_uris: ['https://app.example/cb'],
  client_name: 'Requested',
  software_statement: await statement(),
  ...claims,
});

const signedRequest = async (claims: JWTPayload = {}) =>
  client.sign('ES256', await requestClaims(claims));

const send = (jws: string, gateway: TestGateway = setup.gateway) =>
  call('POST', `${gateway.url}/idp/register`, { raw: jws, contentType: 'application/jwt' });

const expectRefused = (response: CallResult, description: string) =>
  expectGatewayError(response, 400, 'invalid_request', description);

describe('a signed registration request', () => {
  it('registers once: statement claims over request claims, the statement echoed', async () => {
    const claims = await requestClaims();
    const jws = await client.sign('ES256', claims);
    const response = await send(jws);
    expect(response.status, response.text).toBe(201);
    expect(response.body.client_name).toBe('Stated');
    expect(response.body.redirect_uris).toStrictEqual(['https://app.example/cb']);
    expect(response.body.software_statement).toBe(claims.software_statement);
    expect(response.body).not.toHaveProperty('jti');

    const replayed = 'the signed request was used before (jti)';
    expectRefused(await send(jws, second), replayed);
    expectRefused(await send(jws), replayed);
    // A new request (another jti) registers at the second instance.
    expect((await send(await signedRequest(), second)).status).toBe(201);
  });

  it('with the key set at the statement jwks_uri (on loopback, allowed here) registers', async () => {
    const software_statement = await statement({ jwks: undefined, jwks_uri: client.jwksUrl });
    const response = await send(await signedRequest({ software_statement }));
    expect(response.status, response.text).toBe(201);
  });

  it('whose statement jwks_uri points at a private address is refused by the outbound policy', async () => {
    const software_statement = await statement({
      jwks: undefined,
      jwks_uri: 'https://10.1.2.3/jwks',
    });
    expectGatewayError(
      await send(await signedRequest({ software_statement })),
      400,
      'invalid_client_metadata',
      'jwks_uri must not point at an internal address',
    );
  });

  it('is refused with a bad signature, a foreign audience, or a key not in the statement', async () => {
    expectRefused(
      await send(await attacker.sign('ES256', await requestClaims())),
      'the signed request is invalid: the signature does not verify',
    );
    expectRefused(
      await send(await signedRequest({ aud: 'https://elsewhere.example/register' })),
      'the signed request is invalid: its aud claim is not accepted',
    );
    expectRefused(
      await send(await client.sign('EdDSA', await requestClaims())),
      'the signed request is invalid: its alg is not accepted',
    );
    // Under a kid the statement's key set does not hold (the client's real key, all the same).
    expectRefused(
      await send(await client.sign('ES256', await requestClaims(), { kid: 'other-key' })),
      'the signed request is not signed by a key of the software statement',
    );
  });

  it('is refused when issued by another software, too old, too long valid, without jti or nested deep', async () => {
    const cases: Array<[JWTPayload, string]> = [
      [{ iss: 'other-app' }, 'the signed request is invalid: its iss claim is not accepted'],
      [{ iat: nowSeconds() - 600 }, 'the signed request is invalid: it is too old'],
      [{ exp: nowSeconds() - 60 }, 'the signed request is invalid: it has expired'],
      [{ exp: nowSeconds() + 3600 }, 'the signed request is valid for longer than 300s'],
      [{ jti: undefined }, 'the signed request is invalid: the jti claim is missing'],
      [
        { contacts: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown },
        'the registration claims nest deeper than 16 levels',
      ],
    ];
    for (const [claims, description] of cases)
      expectRefused(await send(await signedRequest(claims)), description);
  });

  it('carrying a bad, unapproved or no statement is refused as a statement', async () => {
    const expired = await statement({ exp: nowSeconds() - 60 });
    expectGatewayError(
      await send(await signedRequest({ software_statement: expired })),
      400,
      'invalid_software_statement',
      'software_statement cannot be verified: it has expired',
    );
    const unapproved = await attacker.sign('ES256', { iss: 'https://other.example' });
    expectGatewayError(
      await send(await signedRequest({ software_statement: unapproved })),
      400,
      'unapproved_software_statement',
      'the software statement issuer is not approved here',
    );
    expectGatewayError(
      await send(await signedRequest({ software_statement: undefined })),
      400,
      'invalid_software_statement',
      'the signed request carries no software_statement',
    );
  });

  it('a body that is no compact JWS, and an update sent as application/jwt, are refused', async () => {
    for (const raw of ['not a jws', `${await signedRequest()}\u00e9`, '{"a":1}'])
      expectRefused(await send(raw), 'an application/jwt body must be a compact JWS');
    const update = await call('PUT', `${setup.gateway.url}/idp/register/some-client`, {
      raw: await signedRequest(),
      contentType: 'application/jwt',
    });
    expectRefused(update, 'the request body must be application/json');
  });

  it('any change to a segment of a good request is refused, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedJws(await signedRequest()), async ({ text }) => {
        const response = await send(text);
        expect(response.status).toBe(400);
        expect([
          'invalid_request',
          'invalid_software_statement',
          'unapproved_software_statement',
        ]).toContain(response.body.error);
      }),
      { numRuns: 60 },
    );
  });
});

describe('without Redis', () => {
  it('a signed request is refused with 503 (its jti cannot be recorded: fail closed)', async () => {
    const config = parse(readFileSync(setup.fixture.file, 'utf8')) as { cache: object };
    config.cache = {};
    const alone = await startGateway({ file: writeConfigFile(config), env: setup.fixture.env });
    try {
      expectGatewayError(
        await send(await signedRequest(), alone),
        503,
        'temporarily_unavailable',
        'signed requests cannot be accepted now',
      );
    } finally {
      await alone.close();
    }
  });
});

describe('on a route that requires a software statement', () => {
  it('a JSON registration without one is refused; with one it registers', async () => {
    const body = { redirect_uris: ['https://app.example/cb'] };
    expectGatewayError(
      await call('POST', setup.register, { body }),
      400,
      'invalid_software_statement',
      'a software statement is required',
    );
    const response = await call('POST', setup.register, {
      body: { ...body, software_statement: await statement() },
    });
    expect(response.status, response.text).toBe(201);
  });
});
