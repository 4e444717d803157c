import { createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  expectGatewayError,
  startStandardSetup,
  type StandardSetup,
} from '../support/gateway.js';
import {
  ISSUER_ALGORITHMS,
  nowSeconds,
  startTestIssuer,
  type TestIssuer,
} from '../support/token-issuer.js';

/**
 * JWT initial access tokens verified against the issuer's JWKS, fetched from a real server on
 * loopback through the route's outbound-URL policy: every algorithm's good token registers,
 * every broken one is refused with the RFC 6750 answer, and no header sends the gateway to a
 * key the issuer did not publish.
 */
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://dcr.example/register';
const M = { redirect_uris: ['https://app.example/cb'] };

let issuer: TestIssuer;
let attacker: TestIssuer;
let setup: StandardSetup;

const good = () => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'team-a',
  scope: 'openid dcr',
  exp: nowSeconds() + 300,
  iat: nowSeconds(),
});

beforeAll(async () => {
  [issuer, attacker] = await Promise.all([startTestIssuer(), startTestIssuer()]);
  setup = await startStandardSetup({
    registration: {
      initial_access_jwt: {
        issuer: ISSUER,
        audience: [AUDIENCE, 'https://other.example'],
        jwks: { uri: issuer.jwksUrl },
        algorithms: [...ISSUER_ALGORITHMS],
        clock_skew_seconds: 30,
        required_scope: 'dcr',
      },
    },
    // The JWKS listens on loopback; the policy must be told so, as it would for any address.
    outboundUrls: { allow_loopback: true },
  });
});

afterAll(async () => {
  await setup?.close();
  await Promise.all([issuer?.close(), attacker?.close()]);
});

const registerWith = (token: string) => call('POST', setup.register, { token, body: M });

/** 401 with `error="invalid_token"` in the challenge and the body. */
function expectInvalidToken(response: Awaited<ReturnType<typeof registerWith>>): void {
  expectGatewayError(response, 401, 'invalid_token', 'the access token is invalid');
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="dcr-gateway", error="invalid_token"',
  );
}

describe('a JWT initial access token', () => {
  it.each(ISSUER_ALGORITHMS)(
    'signed with %s registers, named by its issuer and subject',
    async (alg) => {
      const response = await registerWith(await issuer.sign(alg, good()));
      expect(response.status, response.text).toBe(201);
      const line = setup.gateway.logs
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.reqId === response.headers.get('x-request-id') && entry.statusCode);
      expect(line?.principal).toBe(`sub:${ISSUER} team-a`);
    },
  );

  it('is refused when expired, not yet valid, from another issuer or for another audience', async () => {
    const cases = {
      expired: { ...good(), exp: nowSeconds() - 60 },
      'not yet valid': { ...good(), nbf: nowSeconds() + 120 },
      'another issuer': { ...good(), iss: 'https://evil.example' },
      'another audience': { ...good(), aud: 'https://elsewhere.example' },
      'without exp': (({ exp: _exp, ...rest }) => rest)(good()),
    };
    for (const [name, claims] of Object.entries(cases)) {
      const response = await registerWith(await issuer.sign('ES256', claims));
      expect(response.status, name).toBe(401);
      expectInvalidToken(response);
    }
  });

  it('without the required scope gets 403 insufficient_scope naming it', async () => {
    for (const scope of [{ scope: 'openid' }, { scp: ['openid'] }, {}]) {
      const claims = { ...good(), scope: undefined, ...scope };
      const response = await registerWith(await issuer.sign('RS256', claims));
      expectGatewayError(
        response,
        403,
        'insufficient_scope',
        'the access token lacks the scope dcr',
      );
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="dcr-gateway", error="insufficient_scope", scope="dcr"',
      );
    }
    const listed = await registerWith(
      await issuer.sign('RS256', { ...good(), scope: undefined, scp: ['dcr'] }),
    );
    expect(listed.status).toBe(201);
  });

  it("is refused when signed by a key the issuer did not publish, under the issuer's kid", async () => {
    const forged = await attacker.sign('ES256', good());
    expectInvalidToken(await registerWith(forged));
  });

  it('is refused unsigned (alg none) or HMAC-signed with the public key as the secret', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(good())}.`;
    expectInvalidToken(await registerWith(unsigned));

    // Algorithm confusion: HS256 keyed with the RSA public key in each form a verifier might use.
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaJwk = issuer.publicJwk('RS256');
    for (const secret of [
      JSON.stringify(rsaJwk),
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
    ]) {
      const input = `${encode({ alg: 'HS256', kid: 'key-RS256', typ: 'JWT' })}.${encode(good())}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expectInvalidToken(await registerWith(`${input}.${mac}`));
    }
  });

  it('never follows jku, x5u or an embedded jwk: forged headers are ignored', async () => {
    const attackerJwk = attacker.publicJwk('ES256');
    const before = attacker.fetches();
    for (const header of [
      { jku: attacker.jwksUrl },
      { x5u: `${attacker.jwksUrl}.pem` },
      { jwk: attackerJwk },
      { jwk: attackerJwk, kid: 'unknown-kid' },
      { jku: attacker.jwksUrl, kid: 'key-ES256' },
    ]) {
      const token = await attacker.sign('ES256', good(), header);
      expectInvalidToken(await registerWith(token));
    }
    expect(attacker.fetches()).toBe(before);
  });

  it('longer than 8 KiB is refused before any verification', async () => {
    const token = await issuer.sign('RS256', { ...good(), pad: 'x'.repeat(9_000) });
    expect(token.length).toBeGreaterThan(8_192);
    expectInvalidToken(await registerWith(token));
  });

  it('generated claim sets: accepted exactly when issuer, audience, time and scope all hold', async () => {
    const claimSets = fc.record({
      iss: fc.constantFrom(ISSUER, 'https://evil.example', `${ISSUER}/`),
      aud: fc.constantFrom(AUDIENCE, 'https://other.example', 'https://nope.example'),
      expIn: fc.integer({ min: -600, max: 600 }),
      nbfIn: fc.option(fc.integer({ min: -600, max: 600 }), { nil: undefined }),
      scope: fc.constantFrom('dcr', 'openid dcr', 'openid', ''),
      alg: fc.constantFrom(...ISSUER_ALGORITHMS),
    });
    await fc.assert(
      fc.asyncProperty(claimSets, async ({ iss, aud, expIn, nbfIn, scope, alg }) => {
        // Away from the skew's edges, where a second's drift would decide.
        fc.pre(Math.abs(expIn + 30) > 5 && (nbfIn === undefined || Math.abs(nbfIn - 30) > 5));
        const now = nowSeconds();
        const claims = {
          iss,
          aud,
          sub: 'generated',
          scope,
          exp: now + expIn,
          ...(nbfIn === undefined ? {} : { nbf: now + nbfIn }),
        };
        const response = await registerWith(await issuer.sign(alg, claims));
        const valid =
          iss === ISSUER && aud !== 'https://nope.example' && expIn > -30 && (nbfIn ?? 0) < 30;
        const scoped = scope.split(' ').includes('dcr');
        expect(response.status).toBe(!valid ? 401 : scoped ? 201 : 403);
      }),
      { numRuns: 40 },
    );
  });
});

describe('a JWKS URI the outbound-URL policy refuses', () => {
  it('answers 503 key_set_unavailable and never fetches the private address', async () => {
    const before = issuer.fetches();
    const privateSetup = await startStandardSetup({
      registration: {
        initial_access_jwt: {
          issuer: ISSUER,
          audience: AUDIENCE,
          // Resolves to loopback (test/support/gateway.ts testLookup); the route allows none.
          jwks: { uri: `https://jwks.internal.test:${issuer.port}/jwks` },
          algorithms: ['ES256'],
        },
      },
    });
    try {
      const response = await call('POST', privateSetup.register, {
        token: await issuer.sign('ES256', good()),
        body: M,
      });
      expectGatewayError(
        response,
        503,
        'temporarily_unavailable',
        'a key set needed to verify the request is unavailable',
      );
      expect(issuer.fetches()).toBe(before);
      expect(privateSetup.gateway.logs.join('\n')).toContain(
        'must not point at an internal address',
      );
    } finally {
      await privateSetup.close();
    }
  });
});

describe('inline and file key sets', () => {
  it('verify without any fetch', async () => {
    const jwk = issuer.publicJwk('EdDSA');
    const inline = await startStandardSetup({
      registration: {
        initial_access_jwt: {
          issuer: ISSUER,
          audience: AUDIENCE,
          jwks: { inline: { keys: [jwk] } },
          algorithms: ['EdDSA'],
        },
      },
    });
    try {
      const before = issuer.fetches();
      const ok = await call('POST', inline.register, {
        token: await issuer.sign('EdDSA', good()),
        body: M,
      });
      expect(ok.status).toBe(201);
      const other = await call('POST', inline.register, {
        token: await issuer.sign('ES256', good()),
        body: M,
      });
      expect(other.status).toBe(401);
      expect(issuer.fetches()).toBe(before);
    } finally {
      await inline.close();
    }
  });
});
