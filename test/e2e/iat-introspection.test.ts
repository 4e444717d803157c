import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  expectGatewayError,
  startStandardSetup,
  type StandardSetup,
} from '../support/gateway.js';
import { nowSeconds } from '../support/token-issuer.js';

/**
 * Opaque initial access tokens asked about at a real RFC 7662 endpoint on loopback, with the
 * gateway's own client credentials: active tokens with the scope register, the rest are
 * refused, answers are cached within the token's life, and an endpoint that fails is a 503.
 */
const CLIENT = { id: 'dcr-gateway', secret: 'introspect-secret_with-form/chars' };
const M = { redirect_uris: ['https://app.example/cb'] };

/** What the endpoint answers per token; `fail` makes it answer 500. */
const answers = new Map<string, Record<string, unknown>>();
let calls: { authorization: string | undefined; form: URLSearchParams }[] = [];
let fail = false;
let endpoint: Server;
let setup: StandardSetup;

beforeAll(async () => {
  endpoint = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      calls.push({ authorization: request.headers.authorization, form });
      if (fail) {
        response.writeHead(500).end('boom');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answers.get(form.get('token') ?? '') ?? { active: false }));
    });
  });
  await new Promise<void>((done) => endpoint.listen(0, '127.0.0.1', done));
  const { port } = endpoint.address() as AddressInfo;
  setup = await startStandardSetup({
    registration: {
      introspection: {
        endpoint: `http://127.0.0.1:${port}/introspect`,
        client_id: CLIENT.id,
        client_secret: { env: 'INTROSPECTION_SECRET' },
        required_scope: 'dcr',
        max_cache_seconds: 60,
      },
    },
    env: { INTROSPECTION_SECRET: CLIENT.secret },
  });
});

afterAll(async () => {
  await setup?.close();
  await new Promise<void>((done) => endpoint?.close(() => done()));
});

const registerWith = (token: string) => call('POST', setup.register, { token, body: M });

describe('an introspected initial access token', () => {
  it('registers when active with the scope, introspected once with the gateway credentials', async () => {
    answers.set('opaque-good', {
      active: true,
      scope: 'dcr',
      sub: 'svc-1',
      exp: nowSeconds() + 600,
    });
    calls = [];
    expect((await registerWith('opaque-good')).status).toBe(201);
    expect((await registerWith('opaque-good')).status).toBe(201);
    expect(calls).toHaveLength(1);
    const expected = `Basic ${Buffer.from(
      `dcr-gateway:${encodeURIComponent(CLIENT.secret).replace(/%20/g, '+')}`,
    ).toString('base64')}`;
    expect(calls[0]!.authorization).toBe(expected);
    expect(Object.fromEntries(calls[0]!.form)).toStrictEqual({
      token: 'opaque-good',
      token_type_hint: 'access_token',
    });
  });

  it('is refused when inactive, expired or unknown, with invalid_token', async () => {
    answers.set('opaque-inactive', { active: false });
    answers.set('opaque-expired', { active: true, scope: 'dcr', exp: nowSeconds() - 120 });
    answers.set('opaque-odd', { active: 'true', scope: 'dcr' });
    for (const token of ['opaque-inactive', 'opaque-expired', 'opaque-odd', 'never-issued']) {
      const response = await registerWith(token);
      expectGatewayError(response, 401, 'invalid_token', 'the access token is invalid');
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="dcr-gateway", error="invalid_token"',
      );
    }
  });

  it('without the scope gets 403 insufficient_scope', async () => {
    answers.set('opaque-unscoped', { active: true, scope: 'openid', exp: nowSeconds() + 600 });
    const response = await registerWith('opaque-unscoped');
    expectGatewayError(response, 403, 'insufficient_scope', 'the access token lacks the scope dcr');
  });

  it('is not cached past its exp', async () => {
    answers.set('opaque-short', { active: true, scope: 'dcr', exp: nowSeconds() + 2 });
    calls = [];
    expect((await registerWith('opaque-short')).status).toBe(201);
    await new Promise((done) => setTimeout(done, 2_500));
    answers.set('opaque-short', { active: false });
    expect((await registerWith('opaque-short')).status).toBe(401);
    expect(calls).toHaveLength(2);
  });

  it('an endpoint that fails is a 503 (the token may be fine), and recovers', async () => {
    answers.set('opaque-later', { active: true, scope: 'dcr', exp: nowSeconds() + 600 });
    fail = true;
    try {
      const response = await registerWith('opaque-later');
      expectGatewayError(
        response,
        503,
        'temporarily_unavailable',
        'the token cannot be checked now',
      );
    } finally {
      fail = false;
    }
    expect((await registerWith('opaque-later')).status).toBe(201);
    expect(setup.gateway.logs.join('\n')).not.toContain(CLIENT.secret);
  });
});
