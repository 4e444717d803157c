import { describe, expect, it } from 'vitest';
import {
  forwardedHeaders,
  hostPattern,
  upstreamFailure,
  withoutHopByHop,
} from '../../src/http/index.js';
import { GatewayError } from '../../src/errors/index.js';

describe('forwardedHeaders', () => {
  const peer = { remoteAddress: '10.0.0.5' };

  it('replaces what an untrusted peer says about the caller, and names the public origin', () => {
    const headers = {
      host: 'idp.example',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '1',
      forwarded: 'for=6.6.6.6',
      cookie: 'a=1',
    };
    expect(
      forwardedHeaders({ ip: '10.0.0.5', socket: peer, headers }, headers, 'https'),
    ).toStrictEqual({
      host: 'idp.example',
      cookie: 'a=1',
      'x-forwarded-for': '10.0.0.5',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'idp.example',
    });
  });

  it('keeps a trusted proxy chain and appends the peer', () => {
    const headers = { host: 'idp.example', 'x-forwarded-for': '203.0.113.7', cookie: 'a=1' };
    expect(
      forwardedHeaders({ ip: '203.0.113.7', socket: peer, headers }, headers, 'https'),
    ).toStrictEqual({
      host: 'idp.example',
      cookie: 'a=1',
      'x-forwarded-for': '203.0.113.7, 10.0.0.5',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'idp.example',
    });
  });

  it("sends the upstream's Host, or the caller's one with preserveHost", () => {
    const request = { ip: '10.0.0.5', socket: peer, headers: { host: 'idp.example' } };
    // reply-from has already set Host to the upstream's when the rewrite runs.
    const proxied = { host: 'idp.internal:8080' };
    expect(forwardedHeaders(request, proxied, 'https').host).toBe('idp.internal:8080');
    expect(forwardedHeaders(request, proxied, 'https', true).host).toBe('idp.example');
    expect(forwardedHeaders(request, proxied, 'https', true)['x-forwarded-host']).toBe(
      'idp.example',
    );
  });
});

it('withoutHopByHop drops hop-by-hop headers and those Connection names', () => {
  expect(
    withoutHopByHop({
      connection: 'keep-alive, X-Private',
      'keep-alive': 'timeout=5',
      'x-private': 'p',
      upgrade: 'h2c',
      'set-cookie': ['a=1', 'b=2'],
      location: '/next',
    }),
  ).toStrictEqual({ 'set-cookie': ['a=1', 'b=2'], location: '/next' });
});

describe('upstreamFailure', () => {
  const failure = (statusCode: number, code?: string) =>
    Object.assign(new Error('x', { cause: code && Object.assign(new Error(code), { code }) }), {
      statusCode,
    });

  it('504 for no answer in time, 502 for an unusable answer, 503 for the rest', () => {
    expect(upstreamFailure(failure(504, 'UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      code: 'backend_timeout',
      detail: 'proxy: UND_ERR_HEADERS_TIMEOUT',
    });
    expect(upstreamFailure(failure(502))).toMatchObject({ code: 'backend_bad_response' });
    expect(upstreamFailure(failure(500, 'ECONNREFUSED'))).toMatchObject({
      code: 'backend_unavailable',
      detail: 'proxy: ECONNREFUSED',
    });
  });

  it('keeps our own error when it is what failed the request (a body over the limit)', () => {
    const own = new GatewayError('payload_too_large', 'too large');
    expect(
      upstreamFailure(Object.assign(new Error('x', { cause: own }), { statusCode: 500 })),
    ).toBe(own);
  });
});

it('hostPattern matches the listed Host values exactly, any port for name:*, in any case', () => {
  const pattern = hostPattern(['idp.example', 'login.example:*', '[::1]:8443']);
  const matches = (host: string) => pattern.test(host);
  expect(
    ['idp.example', 'IDP.example', 'login.example', 'login.example:444', '[::1]:8443'].map(matches),
  ).toStrictEqual([true, true, true, true, true]);
  expect(
    ['idp.example:443', 'idpXexample', 'a.idp.example', 'login.example:x', '[::1]'].map(matches),
  ).toStrictEqual([false, false, false, false, false]);
});
